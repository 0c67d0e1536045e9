"""Les axes de droits fondamentaux du plan stratégique : un module par axe.

Chaque module de ce paquet définit `AXE = DefinitionAxe(...)`. Ajouter un axe, c'est ajouter
un module ici puis lancer `manage.py charger_referentiels --wet-run`.
"""

import importlib
import pkgutil

from droits.axes.base import DefinitionAxe


def _decouvrir() -> dict[str, DefinitionAxe]:
    axes = []
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base":
            continue
        definition = importlib.import_module(f"{__name__}.{module.name}").AXE
        if definition.code != module.name:
            raise ValueError(f"L'axe du module {module.name} a le code {definition.code}.")
        axes.append(definition)
    return {axe.code: axe for axe in sorted(axes, key=lambda axe: axe.ordre)}


AXES: dict[str, DefinitionAxe] = _decouvrir()
