"""Montants bruts et imposables déduits des nets saisis (`droits.detection.montants`) : dans les
deux sens, par les formules d'OpenFisca-France elles-mêmes.

- net saisi → brut envoyé par le portail → net recalculé par OpenFisca (à 1 € près), pour une
  retraite dans chaque tranche de CSG et pour un salaire ;
- brut donné directement à OpenFisca → net qu'il en déduit, saisi au portail → mêmes
  prestations (ASPA, aide au logement, prime d'activité) que celles qu'OpenFisca calcule sur le
  brut.

Pour qu'OpenFisca calcule lui-même le taux de CSG à partir du brut, sans la boucle du RFR N-2
qu'il coupe par 0 (tout serait exonéré), les situations de référence lui donnent les revenus de
N-4 et N-3 comme le portail les coupe : revenus de remplacement exonérés (imposable = net =
brut). Il calcule alors le RFR de N-4 et N-3, la tranche et l'imposable de N-2, le RFR de N-2
et la tranche de N."""

import copy
import itertools
from datetime import date

import numpy as np
import pytest

from ccas_portal.dates import fin_du_mois
from droits.detection import montants, moteur
from droits.detection.montants import (
    EXONERE,
    MEDIAN,
    PLEIN,
    REDUIT,
    bareme,
    exoneres_d_evidence,
    nets_mensuels,
    revenus_de_l_historique,
    tranches_csg,
)
from droits.detection.situation import (
    CONVERSIONS,
    FoyerSimule,
    Personne,
    composer,
)

pytestmark = pytest.mark.moteur

MOIS = date(2026, 10, 1)
GRENOBLE = "38185"
HISTORIQUE = [f"{a}-{m:02d}" for a in (2024, 2025, 2026) for m in range(1, 13)][:34]
COUPURE = [f"{a}-{m:02d}" for a in (2022, 2023) for m in range(1, 13)]
NETS = {c.net: c for c in CONVERSIONS.values() if c.brut}
BRUTS = {c.brut: c for c in CONVERSIONS.values() if c.brut}


def retraite_seule(net: float) -> FoyerSimule:
    return FoyerSimule(
        1,
        GRENOBLE,
        "locataire_vide",
        500.0,
        [
            Personne(
                11,
                date(1950, 3, 1),
                "demandeur",
                ressources=[("retraite", net, date(2010, 1, 1), None)],
            )
        ],
    )


def depuis_les_bruts(situation: dict, bruts_coupure: dict[str, dict[str, float]]) -> dict:
    """La situation avec seulement les bruts de N-2 à N (OpenFisca en déduit net et
    imposable), et les revenus de N-4 et N-3 coupés comme le fait le portail :
    `bruts_coupure` {individu: {variable brute: montant}} ; retraite et chômage exonérés
    (net = imposable = brut), salaire en brut seul."""
    situation = copy.deepcopy(situation)
    for cle, individu in situation["individus"].items():
        for conversion in NETS.values():
            individu.pop(conversion.net, None)
            individu.pop(conversion.imposable, None)
        for variable in ("statut_marital", "activite", "taux_incapacite", "handicap"):
            for periode in COUPURE:
                individu[variable][periode] = individu[variable][HISTORIQUE[0]]
        for brut, montant in bruts_coupure.get(cle, {}).items():
            conversion = BRUTS[brut]
            for periode in COUPURE:
                individu.setdefault(brut, {})[periode] = montant
                if conversion.net != "salaire_net":
                    individu.setdefault(conversion.net, {})[periode] = montant
                    individu.setdefault(conversion.imposable, {})[periode] = montant
    return situation


def simulation(situation: dict):
    from openfisca_core.simulation_builder import SimulationBuilder

    return SimulationBuilder().build_from_entities(moteur.systeme(), situation)


def prestations(sim) -> dict[str, float]:
    """Les variables du calcul, dans l'ordre fixé du moteur (sommées sur le foyer)."""
    periode = f"{MOIS:%Y-%m}"
    return {v: float(np.sum(sim.calculate(v, periode))) for v in moteur.ORDRE_CALCUL}


@pytest.mark.parametrize(
    ("type_", "net", "tranche", "taux_net"),
    [
        # Taux des pensions en 2024-2026 : exonéré ; réduit CSG 3,8 % + CRDS 0,5 % ; médian
        # CSG 6,6 % + CRDS 0,5 % + CASA 0,3 % ; plein CSG 8,3 % + CRDS 0,5 % + CASA 0,3 %.
        ("retraite", 900.0, EXONERE, 1.0),
        ("retraite", 1500.0, REDUIT, 0.957),
        ("retraite", 1900.0, MEDIAN, 0.926),
        ("retraite", 2800.0, PLEIN, 0.909),
        # Allocations chômage : pas de taux médian ; CSG et CRDS ne peuvent faire passer
        # l'allocation sous un plancher lié au SMIC : au taux réduit, 1 300 € n'en paient pas.
        ("chomage", 900.0, EXONERE, 1.0),
        ("chomage", 1300.0, REDUIT, 1.0),
        ("chomage", 2800.0, PLEIN, None),
    ],
)
def test_aller_retour_dans_chaque_tranche(type_, net, tranche, taux_net):
    """Une personne seule, retraite (76 ans) ou allocation chômage (46 ans) nette saisie : la
    tranche que le portail déduit du RFR N-2 (recalculé année par année), le brut qu'il envoie,
    et le net qu'OpenFisca recalcule de ce brut seul, à 1 € près, chaque mois de N-2 à N."""
    conversion = CONVERSIONS[type_]
    foyer = FoyerSimule(
        1,
        GRENOBLE,
        "locataire_vide",
        500.0,
        [
            Personne(
                11,
                date(1950 if type_ == "retraite" else 1980, 3, 1),
                "demandeur",
                ressources=[(type_, net, date(2010, 1, 1), None)],
            )
        ],
    )
    places = composer(foyer, MOIS)
    assert {a: int(t[0]) for a, t in tranches_csg(places, MOIS).items()} == dict.fromkeys(
        (2024, 2025, 2026), tranche
    )
    envoyes = revenus_de_l_historique(places, MOIS)
    brut = float(envoyes[MOIS][conversion.brut][0])
    reference = simulation(
        depuis_les_bruts(moteur.situation_de_controle(foyer, MOIS), {"i11": {conversion.brut: net}})
    )
    for periode in HISTORIQUE:
        assert reference.calculate(conversion.net, periode)[0] == pytest.approx(net, abs=1)
        assert reference.calculate(conversion.imposable, periode)[0] == pytest.approx(
            envoyes[date.fromisoformat(f"{periode}-01")][conversion.imposable][0], abs=1
        )
    if taux_net:
        assert net / brut == pytest.approx(taux_net, abs=1e-3)
    else:
        assert brut > net + 100


def test_les_nets_du_mois_suivent_la_periode_saisie():
    """Le tableau des nets (chemin chaud) suit la règle de `Personne.nets` : mois de début et
    de fin compris, 0 hors de la période, ressources de même sorte additionnées ; une
    ressource finie avant le premier mois ne compte nulle part (elle comptait, avant, sur
    les premiers mois de l'historique : une fin avant le début lue comme un rang négatif)."""
    p = Personne(
        1,
        date(1960, 1, 1),
        "demandeur",
        ressources=[
            ("retraite", 700.0, date(2010, 1, 1), None),
            ("retraite", 100.0, date(2025, 3, 31), date(2025, 5, 1)),
            ("salaire_net", 400.0, date(2026, 2, 15), date(2026, 2, 20)),
            ("autre", 50.0, date(2020, 1, 1), None),
            ("chomage", 900.0, date(2019, 1, 1), date(2023, 6, 30)),
        ],
    )
    seule = Personne(
        2,
        date(1990, 1, 1),
        "demandeur",
        ressources=[("salaire_net", 1200.0, date(2025, 7, 1), None)],
    )
    mois = [date(a, m, 1) for a in (2024, 2025, 2026) for m in range(1, 13)][:34]
    nets = nets_mensuels([p, seule], mois)
    for colonne, m in enumerate(mois):
        for ligne, personne in enumerate((p, seule)):
            attendus = personne.nets(m)
            assert {t: nets[t][ligne, colonne] for t in nets if nets[t][ligne, colonne]} == attendus
    assert nets["retraite"][0, 14:17].tolist() == [800.0, 800.0, 800.0]
    assert not nets["chomage"].any()
    assert nets["salaire_net"][1].tolist() == [0.0] * 18 + [1200.0] * 16
    assert "autre" not in nets


def test_sans_rfr_openfisca_compterait_une_grosse_retraite_exoneree():
    """Le piège mesuré : un brut donné seul, sans les revenus de N-4 et N-3, OpenFisca coupe
    la boucle du RFR N-2 par 0 et compte la pension exonérée (net = brut)."""
    foyer = retraite_seule(2800.0)
    situation = moteur.situation_de_controle(foyer, MOIS)
    for variable in ("retraite_nette", "retraite_imposable"):
        del situation["individus"]["i11"][variable]
    sim = simulation(situation)
    brut = situation["individus"]["i11"]["retraite_brute"]["2026-10"]
    assert sim.calculate("retraite_nette", "2026-10")[0] == pytest.approx(brut)


@pytest.mark.parametrize("net", [1443.11, 3000.0, 6000.0])
def test_salaire_aller_retour(net):
    """Salaire net (SMIC mensuel net 2026, 3 000 €, 6 000 € au-delà du plafond de la sécurité
    sociale) : le brut envoyé redonne le net par les cotisations d'OpenFisca, à 1 € près."""
    brut = float(bareme("salaire_net", MOIS).convertir(np.array([net]))[0][0])
    foyer = FoyerSimule(
        2,
        GRENOBLE,
        "locataire_vide",
        500.0,
        [
            Personne(
                21,
                date(1985, 1, 1),
                "demandeur",
                ressources=[("salaire_net", net, date(2020, 1, 1), None)],
            )
        ],
    )
    situation = depuis_les_bruts(moteur.situation_de_controle(foyer, MOIS), {})
    assert situation["individus"]["i21"]["salaire_de_base"]["2026-10"] == pytest.approx(brut)
    sim = simulation(situation)
    for periode in ("2024-01", "2025-06", "2026-10"):
        assert sim.calculate("salaire_net", periode)[0] == pytest.approx(net, abs=1)
    if net < 2000:
        assert brut == pytest.approx(net / 0.7916, abs=2)  # non cadre, sous le plafond


def _foyer_depuis_openfisca(foyer: FoyerSimule, bruts: dict[int, tuple[str, float]]):
    """Les bruts mensuels {personne: (variable brute, montant)} donnés à OpenFisca (de N-4 à
    N, coupure comprise) ; renvoie la simulation de référence et le foyer du portail dont les
    ressources sont les nets qu'OpenFisca en a déduits, mois par mois."""
    situation = moteur.situation_de_controle(foyer, MOIS)
    for personne_id, (variable, montant) in bruts.items():
        individu = situation["individus"][f"i{personne_id}"]
        individu[variable] = dict.fromkeys(HISTORIQUE, montant)
    reference = simulation(
        depuis_les_bruts(
            situation,
            {f"i{pid}": {v: m} for pid, (v, m) in bruts.items() if v != "salaire_de_base"},
        )
    )
    for personne in foyer.personnes:
        if personne.id not in bruts:
            continue
        variable, montant = bruts[personne.id]
        conversion = BRUTS[variable]
        type_ = next(t for t, c in CONVERSIONS.items() if c is conversion)
        ressources = [
            (
                type_,
                float(reference.calculate(conversion.net, p)[_rang(reference, personne)]),
                debut,
                fin_du_mois(debut),
            )
            for p in COUPURE + HISTORIQUE
            for debut in [date.fromisoformat(f"{p}-01")]
        ]
        personne.ressources = ressources
    return reference, foyer


def _rang(sim, personne) -> int:
    return sim.persons.ids.index(f"i{personne.id}")


def _comparer(reference, foyer, attendues: tuple[str, ...]):
    calcul_du_portail = {
        e.prestation: e.montant for e in moteur.simuler([foyer], MOIS).get(foyer.id, [])
    }
    valeurs = prestations(reference)
    un_foyer = moteur.simuler_un_foyer(foyer, MOIS)
    for variable in moteur.ORDRE_CALCUL:
        assert un_foyer[variable] == pytest.approx(valeurs[variable], abs=1), variable
    for variable in attendues:
        assert valeurs[variable] > 0, variable
    return calcul_du_portail, valeurs


def test_couple_de_retraites_a_petites_pensions_aspa_et_aide_au_logement():
    """Un couple marié de 76 et 74 ans, 650 € et 420 € de retraite brute (exonérées de CSG),
    locataire du privé à Grenoble : ASPA et aide au logement calculées par le portail depuis
    les nets égalent celles qu'OpenFisca calcule depuis les bruts (à 1 € près)."""
    foyer = FoyerSimule(
        3,
        GRENOBLE,
        "locataire_vide",
        520.0,
        [
            Personne(
                31, date(1950, 3, 1), "demandeur", statut_marital="marie", activite="retraite"
            ),
            Personne(32, date(1952, 6, 1), "conjoint", statut_marital="marie", activite="retraite"),
        ],
    )
    reference, foyer = _foyer_depuis_openfisca(
        foyer, {31: ("retraite_brute", 650.0), 32: ("retraite_brute", 420.0)}
    )
    portail, valeurs = _comparer(reference, foyer, ("aspa", "aide_logement"))
    assert portail["aspa"] == pytest.approx(valeurs["aspa"], abs=1)
    assert portail["aide_logement"] == pytest.approx(valeurs["aide_logement"], abs=1)
    # L'ASPA compte les retraites brutes : ici brut = net (exonérées). L'ancien taux fixe
    # (brut = net / 0,909) ajoutait 9,1 % de ressources inventées.
    assert reference.calculate("retraite_brute", "2026-10").tolist() == pytest.approx(
        reference.calculate("retraite_nette", "2026-10").tolist()
    )


def test_couple_de_retraites_au_taux_reduit():
    """Couple marié, 1 250 € et 1 150 € de retraite brute chacun : taux réduit ou médian de
    CSG selon le RFR N-2 ; aide au logement du portail = celle d'OpenFisca depuis les bruts."""
    foyer = FoyerSimule(
        4,
        GRENOBLE,
        "locataire_vide",
        700.0,
        [
            Personne(41, date(1950, 3, 1), "demandeur", statut_marital="marie"),
            Personne(42, date(1951, 6, 1), "conjoint", statut_marital="marie"),
        ],
    )
    reference, foyer = _foyer_depuis_openfisca(
        foyer, {41: ("retraite_brute", 1250.0), 42: ("retraite_brute", 1150.0)}
    )
    assert reference.calculate("retraite_nette", "2026-10")[0] < 1250.0 - 1  # CSG prélevée
    _comparer(reference, foyer, ())


def test_famille_salariee_aide_au_logement_et_prime_d_activite():
    """Un couple avec deux enfants, l'un au SMIC (1 823,03 € bruts), l'autre à mi-temps
    (900 € bruts) : aide au logement et prime d'activité du portail (depuis les nets) =
    celles d'OpenFisca depuis les bruts, à 1 € près."""
    foyer = FoyerSimule(
        5,
        GRENOBLE,
        "locataire_vide",
        800.0,
        [
            Personne(51, date(1988, 3, 1), "demandeur", statut_marital="marie", activite="salarie"),
            Personne(52, date(1990, 6, 1), "conjoint", statut_marital="marie", activite="salarie"),
            Personne(53, date(2016, 1, 1), "enfant"),
            Personne(54, date(2019, 9, 1), "enfant"),
        ],
    )
    reference, foyer = _foyer_depuis_openfisca(
        foyer, {51: ("salaire_de_base", 1823.03), 52: ("salaire_de_base", 900.0)}
    )
    portail, valeurs = _comparer(reference, foyer, ("aide_logement", "ppa"))
    assert portail["prime_activite"] == pytest.approx(valeurs["ppa"], abs=1)
    assert portail["aide_logement"] == pytest.approx(valeurs["aide_logement"], abs=1)


def test_les_revenus_mois_par_mois_ne_reconvertissent_que_les_nets_qui_changent():
    """`revenus_des_mois` recopie d'un mois au suivant les personnes dont aucun net ne change :
    exactement les montants de `revenus_du_mois` calculé sur tout le mois, chaque mois (débuts
    et fins de ressources en cours d'année, changement d'année et de tranche)."""
    from droits.detection.montants import revenus_du_mois

    mois, nets, tranches, obtenus = _revenus_au_hasard()
    for colonne in range(24, len(mois)):
        m = mois[colonne]
        attendus = revenus_du_mois(
            {t: montants[:, colonne] for t, montants in nets.items()}, m, tranches[m.year]
        )
        assert obtenus[m].keys() == attendus.keys()
        for variable, valeurs in attendus.items():
            np.testing.assert_array_equal(obtenus[m][variable], valeurs, err_msg=f"{m} {variable}")


def _revenus_au_hasard():
    """200 personnes aux ressources tirées au hasard (débuts et fins en cours d'année), leurs
    nets de 2022 à décembre 2026, des tranches au hasard et `revenus_des_mois` de 2024 à 2026 :
    (mois, nets, tranches, revenus)."""
    from droits.detection.montants import _mois_depuis, revenus_des_mois

    mois = _mois_depuis(date(2022, 1, 1), date(2026, 12, 1))
    generateur = np.random.default_rng(0)
    types = ["salaire_net", "retraite", "chomage", "pension_alimentaire_recue"]
    personnes = []
    for i in range(200):
        ressources = []
        for _ in range(generateur.integers(0, 3)):
            debut = mois[generateur.integers(0, len(mois))]
            fin = None if generateur.random() < 0.5 else mois[generateur.integers(0, len(mois))]
            if fin is not None and fin < debut:
                debut, fin = fin, debut
            montant = float(generateur.integers(100, 3500))
            ressources.append((types[generateur.integers(0, 4)], montant, debut, fin))
        personnes.append(
            Personne(id=i, date_naissance=date(1960, 1, 1), role="demandeur", ressources=ressources)
        )
    nets = nets_mensuels(personnes, mois)
    tranches = {
        a: generateur.integers(0, 4, len(personnes)).astype(np.int8) for a in range(2022, 2027)
    }
    revenus = revenus_des_mois(nets, mois, range(24, len(mois)), lambda m: tranches[m.year])
    return mois, nets, tranches, revenus


def test_les_revenus_sont_poses_comme_par_set_input_un_tableau_par_changement():
    """`poser_par_mois` range dans la simulation exactement ce que `set_input` mois par mois y
    rangerait (mêmes valeurs, bit à bit, même type), et un seul tableau pour les mois où une
    variable ne change pas : `revenus_des_mois` ne le recopie pas."""
    from droits.detection.montants import _simulation_d_isoles, poser_par_mois

    mois, _, _, revenus = _revenus_au_hasard()
    historique = mois[24:]
    n = len(next(iter(revenus[historique[0]].values())))
    par_set_input, par_le_portail = _simulation_d_isoles(n), _simulation_d_isoles(n)
    for m in historique:
        for variable, valeurs in revenus[m].items():
            par_set_input.set_input(variable, f"{m:%Y-%m}", valeurs)
    poser_par_mois(par_le_portail, revenus, historique)
    tableaux = set()
    for m in historique:
        for variable in revenus[m]:
            attendu = par_set_input.get_holder(variable).get_array(f"{m:%Y-%m}")
            obtenu = par_le_portail.get_holder(variable).get_array(f"{m:%Y-%m}")
            assert obtenu.dtype == attendu.dtype == np.float32
            assert obtenu.tobytes() == attendu.tobytes(), f"{m} {variable}"
            tableaux.add(id(obtenu))
    # Un tableau rangé par tableau de `revenus_des_mois`, moins que de poses (36 × 12).
    distincts = {id(valeurs) for m in historique for valeurs in revenus[m].values()}
    assert len(tableaux) == len(distincts) < len(historique) * len(revenus[historique[0]])
    sans_changement = [
        (m, v)
        for precedent, m in itertools.pairwise(historique)
        for v in revenus[m]
        if revenus[m][v] is revenus[precedent][v]
    ]
    assert sans_changement
    for m, v in sans_changement:
        precedent = historique[historique.index(m) - 1]
        assert par_le_portail.get_holder(v).get_array(f"{m:%Y-%m}") is par_le_portail.get_holder(
            v
        ).get_array(f"{precedent:%Y-%m}")


def _foyers_autour_des_seuils() -> list[FoyerSimule]:
    """Des foyers aux revenus de remplacement de part et d'autre du seuil d'exonération : une
    personne seule à la retraite (de 400 à 2 000 € nets par mois), un couple marié de
    retraités, un chômeur qui a aussi un salaire, une retraite commencée l'an dernier, une
    retraite et une pension alimentaire."""
    foyers, k = [], 0
    depuis = date(2015, 1, 1)

    def foyer(*personnes) -> None:
        nonlocal k
        k += 1
        foyers.append(
            FoyerSimule(
                k,
                GRENOBLE,
                "locataire_vide",
                500.0,
                [
                    Personne(100 * k + i, naissance, role, statut_marital=statut, ressources=r)
                    for i, (naissance, role, statut, r) in enumerate(personnes)
                ],
            )
        )

    for net in range(400, 2001, 50):
        foyer((date(1950, 3, 1), "demandeur", "", [("retraite", float(net), depuis, None)]))
        foyer(
            (date(1950, 3, 1), "demandeur", "marie", [("retraite", float(net), depuis, None)]),
            (date(1952, 3, 1), "conjoint", "marie", [("retraite", net / 2, depuis, None)]),
        )
        foyer(
            (
                date(1980, 3, 1),
                "demandeur",
                "",
                [
                    ("chomage", float(net), depuis, None),
                    ("salaire_net", net / 4, depuis, date(2025, 6, 30)),
                ],
            )
        )
        foyer(
            (
                date(1960, 3, 1),
                "demandeur",
                "",
                [
                    ("retraite", float(net), date(2025, 9, 1), None),
                    ("pension_alimentaire_recue", 150.0, depuis, None),
                ],
            )
        )
    return foyers


def test_les_exoneres_d_evidence_ont_la_tranche_de_la_simulation(monkeypatch):
    """Un foyer fiscal dont les revenus imposables majorés restent sous le seuil d'exonération
    n'est pas simulé (`exoneres_d_evidence`) : il est exonéré les trois années, comme la
    simulation fiscale le dirait. Sur des foyers de part et d'autre des seuils, les tranches
    sont les mêmes avec et sans ce raccourci ; il écarte une partie des foyers, jamais un
    foyer qu'OpenFisca ne dirait pas exonéré."""
    places = [place for foyer in _foyers_autour_des_seuils() for place in composer(foyer, MOIS)]
    nets = nets_mensuels([p for p, _ in places], montants._mois_depuis(date(2022, 1, 1), MOIS))
    tous = {place.foyer_fiscal for _, place in places}
    evidents = exoneres_d_evidence(places, nets, MOIS.year, tous)
    avec = tranches_csg(places, MOIS)
    monkeypatch.setattr(montants, "exoneres_d_evidence", lambda *args: set())
    sans = tranches_csg(places, MOIS)
    for annee in (2024, 2025, 2026):
        assert avec[annee].tolist() == sans[annee].tolist()
    exoneres = {
        place.foyer_fiscal
        for k, (_, place) in enumerate(places)
        if all(sans[annee][k] == EXONERE for annee in (2024, 2025, 2026))
    }
    assert evidents <= exoneres
    # Le raccourci sert (la moitié au moins des exonérés), sans tout couvrir : près du seuil,
    # seule la simulation tranche.
    assert len(exoneres) / 2 <= len(evidents) < len(exoneres)
    assert len(exoneres) < len(tous)  # des foyers au-dessus du seuil, simulés
