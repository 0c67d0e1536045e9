"""Situation conjugale et activité déclarées au dossier → entrées de la simulation OpenFisca."""

from datetime import date
from decimal import Decimal

import pytest

from droits.detection import moteur
from droits.detection.situation import FoyerSimule, Personne, charger_foyers

pytestmark = pytest.mark.moteur

MOIS = date(2026, 10, 1)


def couple(statut="", activite_demandeur="", activite_conjoint=""):
    return FoyerSimule(
        7,
        "38185",
        "locataire_vide",
        600.0,
        [
            Personne(
                71,
                date(1985, 2, 1),
                "demandeur",
                statut_marital=statut,
                activite=activite_demandeur,
            ),
            Personne(
                72, date(1987, 3, 1), "conjoint", statut_marital=statut, activite=activite_conjoint
            ),
            Personne(73, date(2015, 4, 1), "enfant"),
        ],
    )


def _entrees(foyer, variable):
    """La variable telle que la simulation vectorisée la lit, par personne (noms d'enum)."""
    simulation, personnes, _ = moteur.construire_simulation([foyer], MOIS)
    valeurs = simulation.calculate(variable, f"{MOIS:%Y-%m}").decode_to_str()
    return {p.id: str(v) for (_, p, _), v in zip(personnes, valeurs, strict=True)}


@pytest.mark.parametrize(("statut", "attendu"), [("marie", "marie"), ("pacse", "pacse")])
def test_un_couple_marie_ou_pacse_passe_tel_quel_a_openfisca(statut, attendu):
    foyer = couple(statut)
    entrees = _entrees(foyer, "statut_marital")
    assert entrees[71] == entrees[72] == attendu
    situation = moteur.situation_de_controle(foyer, MOIS)
    assert situation["individus"]["i71"]["statut_marital"]["2026-10"] == attendu
    assert situation["individus"]["i72"]["statut_marital"]["2026-10"] == attendu


def test_sans_situation_declaree_la_regle_par_defaut_d_openfisca():
    """Deux déclarants dans le foyer fiscal : pacsés (formule d'OpenFisca), enfant compris ;
    une personne seule : célibataire. Le mariage déclaré, lui, change l'entrée."""
    assert set(_entrees(couple(""), "statut_marital").values()) == {"pacse"}
    seule = FoyerSimule(
        8, "38185", "locataire_vide", 400.0, [Personne(81, date(1990, 1, 1), "demandeur")]
    )
    assert _entrees(seule, "statut_marital") == {81: "celibataire"}
    divorcee = FoyerSimule(
        9,
        "38185",
        "locataire_vide",
        400.0,
        [Personne(91, date(1990, 1, 1), "demandeur", statut_marital="divorce")],
    )
    assert _entrees(divorcee, "statut_marital") == {91: "divorce"}
    assert "statut_marital" in moteur.situation_de_controle(couple(""), MOIS)["individus"]["i71"]


def test_concubinage_suit_la_regle_par_defaut():
    assert set(_entrees(couple("concubinage"), "statut_marital").values()) == {"pacse"}


def test_activite_passe_a_openfisca():
    foyer = couple("marie", "salarie", "demandeur_emploi")
    assert _entrees(foyer, "activite") == {71: "actif", 72: "chomeur", 73: "inactif"}
    situation = moteur.situation_de_controle(foyer, MOIS)
    assert situation["individus"]["i72"]["activite"]["2026-10"] == "chomeur"


def test_couple_marie_meme_montants_par_le_lot_et_par_la_situation_de_controle():
    """Les deux chemins (tableaux du lot, situation JSON) posent les mêmes entrées."""
    foyer = couple("marie", "salarie", "inactif")
    foyer.personnes[0].ressources = [("salaire_net", 1400.0, date(2024, 1, 1), None)]
    lot = {e.prestation: e.montant for e in moteur.simuler([foyer], MOIS)[foyer.id]}
    controle = moteur.simuler_un_foyer(foyer, MOIS)
    attendu = {}
    for p in moteur.prestations_legales():
        montant = sum(controle[v] for v in p.variables)
        eligible = controle[p.eligibilite] > 0 if p.eligibilite else montant > 0.005
        if eligible:
            attendu[p.code] = round(montant, 2)
    assert lot == pytest.approx(attendu, abs=0.01)
    assert lot  # au moins un droit (aide au logement avec 600 € de loyer)


@pytest.mark.django_db
def test_charger_foyers_lit_situation_conjugale_et_activite(django_user_model):
    from habitants import services
    from tests.factories import AgentFactory, SiteFactory, foyer, habitant

    site = SiteFactory()
    ts = AgentFactory(role="travailleur_social", sites=[site])
    f = foyer(ts)
    h = habitant(ts, date_naissance=date(1980, 1, 1))
    services.ajouter_membre(
        agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1)
    )
    services.modifier_situation_personnelle(
        agent=ts,
        habitant=h,
        statut_marital="marie",
        statut_marital_depuis=date(2010, 6, 1),
        activite="retraite",
    )
    (charge,) = charger_foyers([f.pk], date(2026, 10, 1))
    assert (charge.personnes[0].statut_marital, charge.personnes[0].activite) == (
        "marie",
        "retraite",
    )


def _foyer_loue(*loyers):
    """(travailleur social, foyer d'une personne, la personne) ; loyers : (montant, début)."""
    from habitants import historique, services
    from tests.factories import AgentFactory, SiteFactory, foyer, habitant

    ts = AgentFactory(role="travailleur_social", sites=[SiteFactory()])
    f = foyer(ts, statut_occupation="locataire_parc_prive")
    h = habitant(ts, date_naissance=date(1980, 1, 1))
    services.ajouter_membre(
        agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1)
    )
    for montant, debut in loyers:
        historique.enregistrer_loyer(
            agent=ts,
            foyer=f,
            loyer_mensuel=Decimal(montant),
            charges_mensuelles=None,
            date_debut=debut,
        )
    return ts, f, h


@pytest.mark.django_db
def test_charger_foyers_lit_loyer_et_situation_en_vigueur_au_mois_simule():
    """Le loyer et la situation conjugale du mois simulé, pas la dernière saisie : un loyer ou
    un mariage qui commencent après ce mois ne comptent pas ; commencés pendant le mois, oui ;
    un loyer clos avant le mois non plus."""
    from habitants import historique

    ts, f, h = _foyer_loue(("500", date(2024, 1, 1)), ("650", date(2025, 7, 15)))
    for statut, debut in (("concubinage", date(2019, 1, 1)), ("marie", date(2025, 8, 2))):
        historique.enregistrer_situation_conjugale(
            agent=ts, habitant=h, statut=statut, date_debut=debut
        )

    def lu(mois):
        (charge,) = charger_foyers([f.pk], mois)
        return charge.loyer, charge.personnes[0].statut_marital

    assert lu(date(2025, 6, 1)) == (500.0, "concubinage")
    assert lu(date(2025, 7, 1)) == (650.0, "concubinage")  # loyer commencé le 15 du mois
    assert lu(date(2025, 8, 1)) == (650.0, "marie")
    assert lu(date(2023, 12, 1)) == (0.0, "concubinage")  # pas encore de loyer connu
    assert lu(date(2018, 12, 1)) == (0.0, "")  # pas encore de situation : règle d'OpenFisca
    # Fin de bail au 31 août 2025 : plus de loyer en septembre.
    historique.corriger_loyer(
        agent=ts, periode=f.loyers.get(date_fin__isnull=True), date_fin=date(2025, 8, 31)
    )
    assert lu(date(2025, 9, 1)) == (0.0, "marie")


@pytest.mark.django_db
def test_la_detection_simule_le_loyer_du_mois_cible(monkeypatch):
    """Bout à bout : l'exécution charge ses foyers au mois cible, le moteur reçoit le loyer de
    ce mois-là (le loyer saisi pour plus tard est ignoré)."""
    from droits.detection import execution as detection

    _, f, _ = _foyer_loue(("480", date(2024, 1, 1)), ("710", date(2025, 11, 1)))
    recus = {}

    def simuler(foyers, mois_cible):
        recus.update({x.id: (x.loyer, mois_cible) for x in foyers})
        return {}

    monkeypatch.setattr(detection.moteur, "simuler", simuler)
    execution = detection.lancer_detection(mois_cible=date(2025, 10, 1))
    for lot in detection.preparer(execution.pk):
        detection.traiter_lot(lot)
    assert recus[f.pk] == (480.0, date(2025, 10, 1))
