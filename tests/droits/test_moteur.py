"""Le moteur OpenFisca-France : montants attendus sur des foyers vérifiés à la main (Grenoble,
INSEE 38185, octobre 2026), contrôles négatifs, et calcul vectorisé = calcul foyer par foyer."""

from datetime import date

import pytest

from droits.detection import moteur
from droits.detection.montants import revenus_de_l_historique
from droits.detection.situation import (
    FoyerSimule,
    Personne,
    composer,
    mois_historique,
)

pytestmark = pytest.mark.moteur

MOIS = date(2026, 10, 1)
GRENOBLE = "38185"


def montants(foyer) -> dict[str, float]:
    return {e.prestation: e.montant for e in moteur.simuler([foyer], MOIS).get(foyer.id, [])}


def seul_sans_revenu():
    return FoyerSimule(
        1, GRENOBLE, "locataire_vide", 450.0, [Personne(11, date(1991, 1, 1), "demandeur")]
    )


def test_personne_seule_sans_revenu_locataire_du_prive():
    """35 ans, aucun revenu, 450 € de loyer dans le privé.

    RSA : montant forfaitaire au 1er avril 2026 (décret de revalorisation) 651,69 € pour une
    personne seule, moins le forfait logement de 12 % (elle perçoit une aide au logement) :
    651,69 × 0,88 = 573,4872 → 573,49 €. ALS : 308 € (barème OpenFisca du loyer plafond en
    zone 2, ressources nulles). CSS sans participation : ressources sous le plafond."""
    m = montants(seul_sans_revenu())
    assert m["rsa"] == pytest.approx(573.49, abs=0.005)
    assert m["aide_logement"] == pytest.approx(308.00, abs=0.005)
    assert "css_gratuite" in m
    assert "css_participation" not in m
    assert "prime_activite" not in m


def test_adulte_handicape_a_80_pourcent_sans_revenu():
    """AAH à taux plein au 1er avril 2026 : 1 041,59 €."""
    foyer = FoyerSimule(
        2,
        GRENOBLE,
        "locataire_hlm",
        0.0,
        [Personne(21, date(1980, 5, 1), "demandeur", taux_incapacite=80)],
    )
    assert montants(foyer)["aah"] == pytest.approx(1041.59, abs=0.005)
    sans_handicap = FoyerSimule(
        3, GRENOBLE, "locataire_hlm", 0.0, [Personne(31, date(1980, 5, 1), "demandeur")]
    )
    assert "aah" not in montants(sans_handicap)


def test_haut_revenu_aucun_droit_sous_condition_de_ressources():
    foyer = FoyerSimule(
        4,
        GRENOBLE,
        "locataire_vide",
        900.0,
        [
            Personne(
                41,
                date(1975, 1, 1),
                "demandeur",
                ressources=[("salaire_net", 6000.0, date(2020, 1, 1), None)],
            )
        ],
    )
    assert montants(foyer) == {}


def test_les_mois_sans_ressource_comptent_pour_zero_et_l_historique_commence_en_n_moins_2():
    historique = mois_historique(MOIS)
    assert (historique[0], historique[-1], len(historique)) == (
        date(2024, 1, 1),
        date(2026, 10, 1),
        34,
    )
    p = Personne(
        1,
        date(1990, 1, 1),
        "demandeur",
        ressources=[("salaire_net", 1000.0, date(2026, 3, 15), date(2026, 6, 10))],
    )
    assert p.nets(date(2026, 2, 1)) == {}
    assert p.nets(date(2026, 3, 1)) == {"salaire_net": 1000.0}
    assert p.nets(date(2026, 6, 1)) == {"salaire_net": 1000.0}
    assert p.nets(date(2026, 7, 1)) == {}
    # Transmis à OpenFisca : 0 hors de la période, brut et imposable pendant.
    places = composer(FoyerSimule(1, GRENOBLE, "locataire_vide", 0.0, [p]), MOIS)
    revenus = revenus_de_l_historique(places, MOIS)
    assert revenus[date(2026, 2, 1)]["salaire_de_base"][0] == 0
    assert revenus[date(2026, 3, 1)]["salaire_net"][0] == 1000.0
    assert revenus[date(2026, 3, 1)]["salaire_de_base"][0] > 1000.0


def test_enfant_majeur_et_colocataire_ont_leur_propre_famille():
    foyer = FoyerSimule(
        5,
        GRENOBLE,
        "locataire_vide",
        800.0,
        [
            Personne(51, date(1980, 1, 1), "demandeur"),
            Personne(52, date(1982, 1, 1), "conjoint"),
            Personne(53, date(2010, 1, 1), "enfant"),
            Personne(54, date(2001, 11, 1), "enfant"),  # 24 ans en octobre 2026 : à charge
            Personne(55, date(2000, 1, 1), "enfant"),  # 26 ans : sa propre famille
            Personne(56, date(1990, 1, 1), "autre_adulte"),
        ],
    )
    places = {p.id: place for p, place in composer(foyer, MOIS)}
    assert places[51].famille == places[52].famille == places[53].famille == places[54].famille
    assert (places[51].role_famille, places[52].role_famille) == ("demandeur", "conjoint")
    assert places[54].role_foyer_fiscal == "personne_a_charge"
    assert places[55].famille not in {places[51].famille, places[56].famille}
    assert places[55].role_famille == "demandeur"
    assert places[55].foyer_fiscal != places[51].foyer_fiscal
    assert places[56].role_menage == "autre"


def test_sans_date_de_naissance_le_foyer_n_est_pas_simule():
    foyer = FoyerSimule(6, GRENOBLE, "locataire_vide", 450.0, [Personne(61, None, "demandeur")])
    assert moteur.simuler([foyer], MOIS) == {}


def echantillon():
    return [
        seul_sans_revenu(),
        FoyerSimule(
            7,
            GRENOBLE,
            "locataire_hlm",
            620.0,
            [
                Personne(
                    71,
                    date(1985, 3, 1),
                    "demandeur",
                    ressources=[("salaire_net", 1400.0, date(2023, 1, 1), None)],
                ),
                Personne(72, date(1987, 3, 1), "conjoint"),
                Personne(73, date(2015, 3, 1), "enfant"),
                Personne(74, date(2018, 3, 1), "enfant"),
                Personne(75, date(2024, 3, 1), "enfant"),
                Personne(
                    76,
                    date(1998, 3, 1),
                    "enfant",
                    ressources=[("salaire_net", 900.0, date(2025, 1, 1), None)],
                ),
            ],
        ),
        FoyerSimule(
            8,
            GRENOBLE,
            "locataire_hlm",
            400.0,
            [
                Personne(
                    81,
                    date(1945, 1, 1),
                    "demandeur",
                    ressources=[("retraite", 700.0, date(2010, 1, 1), None)],
                ),
            ],
        ),
        FoyerSimule(
            9,
            GRENOBLE,
            "locataire_vide",
            520.0,
            [
                Personne(
                    91,
                    date(1990, 6, 1),
                    "demandeur",
                    ressources=[
                        ("chomage", 850.0, date(2026, 2, 1), None),
                        ("salaire_net", 1500.0, date(2023, 1, 1), date(2026, 1, 31)),
                    ],
                ),
                Personne(92, date(2019, 6, 1), "enfant"),
            ],
        ),
        FoyerSimule(
            10,
            GRENOBLE,
            "locataire_hlm",
            380.0,
            [
                Personne(101, date(1970, 6, 1), "demandeur", taux_incapacite=80),
                Personne(
                    102,
                    date(1972, 6, 1),
                    "conjoint",
                    ressources=[("salaire_net", 1300.0, date(2022, 1, 1), None)],
                ),
            ],
        ),
    ]


def test_le_calcul_vectorise_egale_le_calcul_foyer_par_foyer():
    """Garde la correspondance des entités : le lot (tableaux) et la situation JSON de chaque
    foyer, construits par deux chemins différents, donnent les mêmes montants."""
    foyers = echantillon()
    lot = moteur.simuler(foyers, MOIS)
    for foyer in foyers:
        controle = moteur.simuler_un_foyer(foyer, MOIS)
        attendu = {}
        for p in moteur.prestations_legales():
            montant = sum(controle[v] for v in p.variables)
            eligible = controle[p.eligibilite] > 0 if p.eligibilite else montant > 0.005
            if eligible:
                attendu[p.code] = round(montant, 2)
        obtenu = {e.prestation: e.montant for e in lot[foyer.id]}
        assert obtenu == pytest.approx(attendu, abs=0.01), foyer.id
    # Au moins des droits variés dans l'échantillon (sinon le contrôle ne prouverait rien).
    codes = {e.prestation for estimations in lot.values() for e in estimations}
    assert {"rsa", "aide_logement", "aah", "aspa", "allocations_familiales"} <= codes


def test_l_ordre_de_calcul_est_fixe_et_le_resultat_ne_depend_pas_du_lot():
    assert moteur.ORDRE_CALCUL.index("aide_logement") < moteur.ORDRE_CALCUL.index("rsa")
    assert moteur.ORDRE_CALCUL.index("rsa") < moteur.ORDRE_CALCUL.index("cmu_c")
    assert moteur.ORDRE_CALCUL.index("rsa") < moteur.ORDRE_CALCUL.index("ppa")
    variables = {
        v for p in moteur.prestations_legales() for v in (*p.variables, p.eligibilite) if v
    }
    assert variables <= set(moteur.ORDRE_CALCUL)
    foyers = echantillon()
    ensemble = moteur.simuler(foyers, MOIS)
    inverse = moteur.simuler(list(reversed(foyers)), MOIS)
    seul = moteur.simuler(foyers[:1], MOIS)
    assert ensemble == inverse
    assert seul[1] == ensemble[1]


def test_la_composante_hors_cache_se_deduit_du_total():
    """L'APL du mois sort du cache d'OpenFisca (boucle entre l'aide au logement et le RSA du
    mois d'avant) : le moteur la déduit de l'aide au logement moins l'ALS et l'ALF, qui y
    restent. Recalculée, elle dépendrait de ce qui a été calculé avant elle (la boucle dépend
    de l'ordre de calcul) : 367 € pour le foyer 7 juste après les prestations, quand son aide
    au logement est de 492 €. Déduite, chaque foyer a une seule composante, égale à son aide
    au logement ; ce sont celles que le moteur donnait avant (recalculées après les entrées
    du RSA)."""
    foyers = echantillon()
    periode = f"{MOIS:%Y-%m}"
    simulation, _, _ = moteur.construire_simulation(foyers, MOIS)
    valeurs = {v: simulation.calculate(v, periode) for v in moteur.ORDRE_CALCUL}
    (aide_logement,) = [p for p in moteur.prestations_legales() if p.code == "aide_logement"]
    assert moteur._composante_a_deduire(simulation, aide_logement, valeurs, MOIS) == "apl"
    lot = moteur.simuler(foyers, MOIS)
    obtenues = {}
    for f in foyers:
        for e in lot[f.id]:
            if e.prestation == "aide_logement":
                assert list(e.composantes.values()) == [e.montant], f.id
                obtenues[f.id] = e.composantes
    assert obtenues == {
        1: {"als": 308.0},
        7: {"apl": 492.0},
        8: {"apl": 203.0},
        9: {"alf": 431.0},
        10: {"apl": 129.0},
    }


def test_le_calcul_se_fait_sur_un_seul_fil_par_processus():
    """OpenBLAS garde sinon un fil par cœur qui tourne à vide et prend le cœur d'un autre
    worker (deux workers ne faisaient que ×1,2) : le moteur le limite à un fil."""
    from threadpoolctl import threadpool_info

    moteur.systeme()
    fils = {i["internal_api"]: i["num_threads"] for i in threadpool_info()}
    assert fils  # NumPy est bien lié à une bibliothèque de calcul
    assert set(fils.values()) == {1}


def test_apres_prechauffage_le_ramasse_miettes_n_a_plus_rien_a_reparcourir():
    """Le système et ce que le premier calcul met en cache vivent autant que le processus :
    gelés, la collecte complète de fin de lot ne les reparcourt pas."""
    import gc

    avant = gc.get_freeze_count()
    gros = [[i] for i in range(50_000)]  # des objets suivis, créés avant le préchauffage
    moteur.prechauffer(MOIS)
    assert gc.get_freeze_count() >= avant + len(gros)
    assert len(gc.get_objects()) < 10_000


@pytest.mark.parametrize(
    "naissance",
    [date(1900, 1, 1), date(1969, 12, 31), date(1970, 1, 1), date(2000, 2, 29), date(2026, 12, 31)],
)
def test_les_dates_de_naissance_converties_en_bloc_sont_celles_de_numpy(naissance):
    """Converties par leurs jours depuis 1970 (chemin chaud) : les mêmes dates que la
    conversion de numpy, avant 1970 et les 29 février compris."""
    import numpy as np

    personnes = [Personne(1, naissance, "demandeur"), Personne(2, date(1985, 6, 15), "conjoint")]
    attendues = np.array([naissance, date(1985, 6, 15)], dtype="datetime64[D]")
    converties = moteur.dates_de_naissance(iter(personnes))
    assert converties.dtype == attendues.dtype
    assert (converties == attendues).all()


def test_au_centime_arrondit_comme_round():
    """`au_centime` (l'arrondi en bloc des estimations) rend exactement `round(v, 2)`, au bit
    près et au signe du zéro près (le texte rangé en JSON), y compris pour les montants à
    demi-centime exact (1 680,585 : `round` monte, le produit par 100 arrondi au pair
    descendrait) et au-delà de 10 millions d'euros."""
    import numpy as np

    generateur = np.random.default_rng(15)
    series = [
        generateur.random(200_000) * 5_000,
        np.round(generateur.random(200_000) * 5_000, 3),  # des demi-centimes par milliers
        (generateur.random(200_000) * 5_000).astype(np.float32),  # comme les sorties d'OpenFisca
        -generateur.random(50_000) * 100,
        generateur.random(50_000) * 1e12,
        1e15 + generateur.random(50_000) * 1e6,  # le produit par 100 y perd des décimales
        np.array([0.0, -0.0, -0.004, 1.005, 0.285, 2.675, 1680.585, 992.565, 2930.615, np.nan]),
    ]
    for valeurs in series:
        attendus = [repr(round(v, 2)) for v in valeurs.astype(float).tolist()]
        assert [repr(v) for v in moteur.au_centime(valeurs)] == attendus
