"""Le ramasse-miettes pendant un lot (`droits/detection/collecte.py`) : une simulation finie
rend ses tableaux sans attendre une collecte, et la collecte complète a lieu en fin de lot,
même quand le lot échoue."""

import gc
from datetime import date

import numpy as np
import pytest

from droits.detection import collecte, moteur
from droits.detection import execution as detection
from droits.detection.situation import FoyerSimule, Personne

MOIS = date(2026, 10, 1)


def _foyers():
    return [
        FoyerSimule(
            1, "38185", "locataire_vide", 450.0, [Personne(11, date(1991, 1, 1), "demandeur")]
        ),
        FoyerSimule(
            2,
            "38185",
            "locataire_hlm",
            380.0,
            [
                Personne(
                    21,
                    date(1980, 3, 1),
                    "demandeur",
                    ressources=[("salaire_net", 900.0, date(2024, 1, 1), None)],
                ),
                Personne(22, date(2015, 6, 1), "enfant"),
            ],
        ),
    ]


@pytest.mark.moteur
def test_une_simulation_finie_rend_ses_tableaux_et_les_valeurs_lues_restent():
    simulation, _, _ = moteur.construire_simulation(_foyers(), MOIS)
    rsa = simulation.calculate("rsa", "2026-10")
    copie = rsa.copy()
    assert simulation.get_memory_usage()["total_nb_bytes"] > 0
    collecte.rendre_les_tableaux(simulation)
    assert simulation.get_memory_usage()["total_nb_bytes"] == 0
    np.testing.assert_array_equal(rsa, copie)
    assert copie.sum() > 0  # la personne seule sans revenu a le RSA


@pytest.mark.moteur
def test_simuler_ne_laisse_aucun_tableau_aux_simulations_qu_il_a_faites(monkeypatch):
    """La simulation du lot et celle des tranches de CSG (`montants.tranches_csg`) : toutes
    deux vidées avant que `simuler` ne rende ses estimations, qui ne changent pas."""
    attendu = moteur.simuler(_foyers(), MOIS)
    vues = []

    def rendre(simulation):
        vues.append(simulation)
        collecte.rendre_les_tableaux(simulation)

    monkeypatch.setattr(moteur, "rendre_les_tableaux", rendre)
    monkeypatch.setattr("droits.detection.montants.rendre_les_tableaux", rendre)
    assert moteur.simuler(_foyers(), MOIS) == attendu
    assert len(vues) == 1  # aucune retraite ni allocation chômage : pas de simulation fiscale
    assert all(s.get_memory_usage()["total_nb_bytes"] == 0 for s in vues)
    retraite = [("retraite", 1100.0, date(2020, 1, 1), None)]
    retraitee = FoyerSimule(
        3,
        "38185",
        "locataire_vide",
        400.0,
        [Personne(31, date(1950, 1, 1), "demandeur", ressources=retraite)],
    )
    vues.clear()
    moteur.simuler([retraitee], MOIS)
    assert len(vues) == 2
    assert all(s.get_memory_usage()["total_nb_bytes"] == 0 for s in vues)


@pytest.mark.django_db
def test_la_collecte_de_fin_de_lot_suit_chaque_lot_meme_quand_il_echoue(monkeypatch):
    appels = []
    monkeypatch.setattr(detection, "collecte_de_fin_de_lot", lambda: appels.append(1))
    with pytest.raises(detection.LotDetection.DoesNotExist):
        detection.traiter_lot(987654)
    assert appels == [1]


def test_sans_collecte_automatique_rend_le_ramasse_miettes_comme_il_etait():
    """Coupé le temps d'un lot, rendu actif après, même si le lot échoue ; laissé coupé s'il
    l'était déjà."""
    assert gc.isenabled()
    with collecte.sans_collecte_automatique():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError, match="échoue"), collecte.sans_collecte_automatique():
        raise ValueError("le lot échoue")
    assert gc.isenabled()
    gc.disable()
    try:
        with collecte.sans_collecte_automatique():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
