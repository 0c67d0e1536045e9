"""La détection du non-recours : des foyers du portail aux entités d'OpenFisca-France, une
simulation vectorisée par lot, puis les règles locales du CCAS et les signalements."""
