"""Les règles locales du CCAS, seules (fonctions pures, sans base ni OpenFisca)."""

from datetime import date

from droits.detection.regles_locales import (
    aines_isoles_sans_aide_a_domicile,
    jeunes_adultes_sans_ressources,
)
from droits.detection.situation import FoyerSimule, Personne

MOIS = date(2026, 10, 1)


def foyer(*personnes):
    return FoyerSimule(1, "38185", "locataire_vide", 400.0, list(personnes))


def test_jeune_adulte_sans_ressource_et_sans_rsa():
    jeune = Personne(1, date(2004, 5, 1), "demandeur")  # 22 ans
    [proposition] = jeunes_adultes_sans_ressources(foyer(jeune), MOIS, set())
    assert proposition.prestation == "aide_facultative_jeunes"
    assert proposition.personnes == (1,)


def test_jeune_adulte_bornes_d_age_ressources_et_rsa():
    a_18_ans_le_31 = Personne(1, date(2008, 10, 31), "enfant")  # 18 ans le dernier jour
    a_25_ans = Personne(2, date(2001, 10, 1), "enfant")
    a_17_ans = Personne(3, date(2008, 11, 1), "enfant")
    assert jeunes_adultes_sans_ressources(foyer(a_18_ans_le_31), MOIS, set())
    assert not jeunes_adultes_sans_ressources(foyer(a_25_ans), MOIS, set())
    assert not jeunes_adultes_sans_ressources(foyer(a_17_ans), MOIS, set())
    salarie = Personne(
        4,
        date(2004, 1, 1),
        "demandeur",
        ressources=[("salaire_net", 300.0, date(2026, 9, 1), None)],
    )
    assert not jeunes_adultes_sans_ressources(foyer(salarie), MOIS, set())
    jeune = Personne(5, date(2004, 1, 1), "enfant")
    assert not jeunes_adultes_sans_ressources(foyer(jeune), MOIS, {"rsa"})
    # Une ressource terminée avant le mois ne compte plus.
    ancien_emploi = Personne(
        6,
        date(2004, 1, 1),
        "demandeur",
        ressources=[("salaire_net", 900.0, date(2025, 1, 1), date(2026, 6, 30))],
    )
    assert jeunes_adultes_sans_ressources(foyer(ancien_emploi), MOIS, set())


def test_aine_isole_sans_aide_a_domicile():
    aine = Personne(1, date(1950, 10, 31), "demandeur")  # 76 ans
    [proposition] = aines_isoles_sans_aide_a_domicile(foyer(aine), MOIS, aide_a_domicile=False)
    assert proposition.prestation == "aide_domicile"
    assert "76 ans" in proposition.raison
    assert not aines_isoles_sans_aide_a_domicile(foyer(aine), MOIS, aide_a_domicile=True)
    en_couple = foyer(aine, Personne(2, date(1952, 1, 1), "conjoint"))
    assert not aines_isoles_sans_aide_a_domicile(en_couple, MOIS, aide_a_domicile=False)
    a_74_ans = Personne(3, date(1951, 11, 1), "demandeur")
    assert not aines_isoles_sans_aide_a_domicile(foyer(a_74_ans), MOIS, aide_a_domicile=False)
