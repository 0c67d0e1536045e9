"""Le calcul vectorisé : une simulation OpenFisca-France par lot de foyers, jamais par foyer.

Le système socio-fiscal se construit une fois par processus (≈ 2,5 à 5 s) ; chaque lot
déclare ses entités en tableaux, pose l'historique de revenus de janvier N-2 au mois cible, puis
calcule les variables dans l'ordre fixe `ORDRE_CALCUL` (les prestations couplées — RSA, aides
au logement, AAH, CSS — dépendent de l'ordre de calcul : il est fixé et testé).
"""

import dataclasses
import functools
import gc
import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from threadpoolctl import threadpool_limits

from droits.axes import AXES
from droits.detection.collecte import rendre_les_tableaux
from droits.detection.explication import Frontiere, Localisation, frontieres, saut
from droits.detection.memoire import garder_le_tas
from droits.detection.montants import (
    periode_du_mois,
    poser_par_mois,
    revenus_de_l_historique,
)
from droits.detection.pile import pile_reservee
from droits.detection.situation import (
    ACTIVITES,
    FoyerSimule,
    Personne,
    Place,
    activites,
    composer,
    mois_historique,
    statuts_maritaux,
)

#: L'ordre de calcul, fixé : aides au logement d'abord (le RSA déduit un forfait logement),
#: puis minima sociaux, complémentaire santé (qui lit RSA et aides au logement), prestations
#: familiales et prime d'activité (qui lit le RSA).
ORDRE_CALCUL = (
    "aide_logement",
    "rsa",
    "aah",
    "caah",
    "aspa",
    "cmu_c",
    "css_participation_forfaitaire",
    "af",
    "cf",
    "asf",
    "paje_base",
    "ppa",
)


def un_seul_fil_de_calcul() -> None:
    """OpenBLAS (sous NumPy) garde par défaut un fil de calcul par cœur, qui attend en boucle
    active entre deux opérations : pour une simulation OpenFisca il brûle ≈ 1,4 s de processeur
    par lot de 5 000 foyers sans rien faire gagner (même durée), et vole ce cœur à un second
    worker (deux workers ne faisaient que ×1,2). Un fil par processus : on passe à l'échelle
    en lançant des workers (docs/benchmarks.md)."""
    threadpool_limits(limits=1)


@functools.cache
def systeme():
    """Le système socio-fiscal français, construit une fois par processus."""
    from openfisca_france import FranceTaxBenefitSystem  # noqa: PLC0415 (OpenFisca, lourd : chargé par les workers seulement)

    un_seul_fil_de_calcul()
    tbs = FranceTaxBenefitSystem()
    # Ses centaines de milliers d'objets vivent autant que le processus : hors du ramasse-miettes
    # (sinon chaque collecte complète les reparcourt, en plein chargement ou écriture d'un lot).
    gc.collect()
    gc.freeze()
    return tbs


@functools.cache
def _indices(variable: str) -> dict[str, int]:
    return {membre.name: membre.index for membre in systeme().variables[variable].possible_values}


def en_enumeration(variable: str, noms) -> np.ndarray:
    """Les valeurs d'une variable énumérée d'OpenFisca, données par leurs noms, déjà codées
    (`EnumArray` de leurs indices) : ni numpy ne range des objets `Enum`, ni OpenFisca ne les
    recode un à un à la pose (≈ 12 ms → 1 ms pour les 23 000 personnes d'un lot)."""
    from openfisca_core.indexed_enums import EnumArray  # noqa: PLC0415 (OpenFisca, lourd : chargé par les workers seulement)

    indices = _indices(variable)
    return EnumArray(
        np.array([indices[nom] for nom in noms], dtype=np.int16),
        systeme().variables[variable].possible_values,
    )


#: Le 1er janvier 1970 (origine de `datetime64`), en jours du calendrier de `date.toordinal`.
_EPOQUE = date(1970, 1, 1).toordinal()


def dates_de_naissance(personnes) -> np.ndarray:
    """Les dates de naissance des personnes, en un tableau `datetime64[D]` : leurs jours depuis
    le 1er janvier 1970, en entiers (numpy convertit une liste de `date` objet par objet : 32 ms
    pour les 23 000 personnes d'un lot, 2 ms ainsi)."""
    jours = np.fromiter((p.date_naissance.toordinal() for p in personnes), dtype=np.int64)
    return (jours - _EPOQUE).astype("datetime64[D]")


def prestations_legales():
    return [p for axe in AXES.values() for p in axe.prestations]


@dataclass
class Estimation:
    """Le droit probable d'un foyer à une prestation, pour le mois cible."""

    prestation: str
    montant: float  # mensuel, en euros (0 pour un droit sans montant versé)
    eligible: bool
    #: {variable de la prestation exacte : montant} pour une prestation qui en regroupe
    #: plusieurs (aide au logement : apl, als, alf), les montants non nuls seulement.
    composantes: dict[str, float] = field(default_factory=dict)
    #: {variable : valeur} des entrées de calcul déclarées par la prestation
    #: (`PrestationLegale.entrees`), lues dans la famille qui en reçoit le plus.
    entrees: dict[str, float] = field(default_factory=dict)


def _complets(foyers: list[FoyerSimule]) -> tuple[list[FoyerSimule], list[FoyerSimule]]:
    """Sans date de naissance, OpenFisca prendrait le 1er janvier 1970 : ces foyers ne sont
    pas simulés (comptés à part comme incomplets)."""
    complets, incomplets = [], []
    for f in foyers:
        (complets if all(p.date_naissance for p in f.personnes) else incomplets).append(f)
    return complets, incomplets


def _entites(foyers: list[FoyerSimule], mois: date):
    personnes: list[tuple[FoyerSimule, Personne, Place]] = [
        (f, p, place) for f in foyers for p, place in composer(f, mois)
    ]
    return personnes


def construire_simulation(foyers: list[FoyerSimule], mois_cible: date):
    """Une simulation pour tout le lot : entités déclarées en tableaux, historique posé."""
    from openfisca_core.simulation_builder import SimulationBuilder  # noqa: PLC0415 (OpenFisca, lourd : chargé par les workers seulement)

    tbs = systeme()
    personnes = _entites(foyers, mois_cible)
    sb = SimulationBuilder()
    sb.create_entities(tbs)
    sb.declare_person_entity("individu", [f"i{p.id}" for _, p, _ in personnes])
    familles = list(dict.fromkeys(place.famille for _, _, place in personnes))
    foyers_fiscaux = list(dict.fromkeys(place.foyer_fiscal for _, _, place in personnes))
    menages = [f"m{f.id}" for f in foyers]
    sb.join_with_persons(
        sb.declare_entity("famille", familles),
        [place.famille for _, _, place in personnes],
        [place.role_famille for _, _, place in personnes],
    )
    sb.join_with_persons(
        sb.declare_entity("foyer_fiscal", foyers_fiscaux),
        [place.foyer_fiscal for _, _, place in personnes],
        [place.role_foyer_fiscal for _, _, place in personnes],
    )
    sb.join_with_persons(
        sb.declare_entity("menage", menages),
        [f"m{f.id}" for f, _, _ in personnes],
        [place.role_menage for _, _, place in personnes],
    )
    simulation = sb.build(tbs)

    simulation.set_input(
        "date_naissance", "ETERNITY", dates_de_naissance(p for _, p, _ in personnes)
    )
    historique = mois_historique(mois_cible)
    taux = np.array([p.taux_incapacite or 0 for _, p, _ in personnes], dtype=np.float32) / 100
    loyers = np.array([f.loyer for f in foyers], dtype=np.float32)
    occupation = en_enumeration("statut_occupation_logement", [f.statut_occupation for f in foyers])
    communes = np.array([f.depcom for f in foyers])
    places = [(p, place) for _, p, place in personnes]
    statuts_maritaux_ = en_enumeration("statut_marital", statuts_maritaux(places))
    activites_ = en_enumeration("activite", activites(places))
    revenus = revenus_de_l_historique(places, mois_cible)
    # Les entrées qui valent pour tout l'historique, posées une fois sur ses N mois : OpenFisca
    # (« dispatch_by_period ») donne le même tableau à chaque mois, converti une seule fois
    # (les énumérations et les communes coûtent à convertir : ≈ 0,1 s par lot de 10 000
    # foyers mois par mois). Le loyer, réparti et non recopié sur une période (« divide »),
    # est posé mois par mois, comme les revenus : le même tableau chaque mois.
    tout = f"month:{historique[0]:%Y-%m}:{len(historique)}"
    simulation.set_input("statut_occupation_logement", tout, occupation)
    simulation.set_input("depcom", tout, communes)
    simulation.set_input("taux_incapacite", tout, taux)
    simulation.set_input("handicap", tout, taux >= 0.5)
    simulation.set_input("statut_marital", tout, statuts_maritaux_)
    simulation.set_input("activite", tout, activites_)
    poser_par_mois(simulation, revenus, historique)
    poser_par_mois(simulation, {mois: {"loyer": loyers} for mois in historique}, historique)
    return simulation, personnes, familles


#: Les compositions des foyers fictifs des préchauffages : (rôle, âge, ressources nettes
#: mensuelles) de chaque personne ; 14 personnes pour 6 foyers, ≈ 2,3 par foyer comme dans les
#: données de volume (234 375 personnes pour 100 000 foyers).
COMPOSITIONS_FICTIVES = (
    (("demandeur", 35, (("salaire_net", 1400.0),)),),
    (
        ("demandeur", 40, (("salaire_net", 1800.0),)),
        ("conjoint", 38, (("chomage", 900.0),)),
        ("enfant", 10, ()),
        ("enfant", 6, ()),
    ),
    (("demandeur", 72, (("retraite", 900.0),)),),
    (("demandeur", 30, (("salaire_net", 1100.0),)), ("enfant", 4, ())),
    (
        ("demandeur", 45, (("salaire_net", 1500.0),)),
        ("conjoint", 44, ()),
        ("enfant", 16, ()),
    ),
    (
        ("demandeur", 68, (("retraite", 1300.0),)),
        ("conjoint", 66, (("retraite", 700.0),)),
        ("autre", 27, (("chomage", 600.0),)),
    ),
)


def foyers_fictifs(n: int, mois_cible: date) -> list[FoyerSimule]:
    """`n` foyers fictifs aux compositions courantes (`COMPOSITIONS_FICTIVES`), montants et
    loyers un peu différents d'un foyer à l'autre ; chaque foyer et chaque personne a son
    identifiant."""
    depuis = date(mois_cible.year - 5, 1, 1)
    return [
        FoyerSimule(
            id=k + 1,
            depcom="38185",
            statut_occupation="locataire_vide",
            loyer=450.0 + k % 7 * 50,
            personnes=[
                Personne(
                    id=10 * (k + 1) + rang,
                    date_naissance=date(mois_cible.year - age, 1 + k % 12, 1),
                    role=role,
                    ressources=[(t, m + k % 9 * 40, depuis, None) for t, m in ressources],
                )
                for rang, (role, age, ressources) in enumerate(
                    COMPOSITIONS_FICTIVES[k % len(COMPOSITIONS_FICTIVES)]
                )
            ],
        )
        for k in range(n)
    ]


def prechauffer(mois_cible: date) -> None:
    """Construit le système et simule un foyer fictif de chaque composition : le premier calcul
    d'un processus charge les paramètres et prépare ses formules (≈ 2 s de plus qu'un calcul
    ordinaire), au démarrage du worker plutôt qu'au premier lot. Ces foyers ont des salaires,
    des retraites et des allocations chômage : ce premier calcul prépare aussi les barèmes des
    montants bruts et le calcul du revenu fiscal de référence (`droits.detection.montants`)."""
    systeme()
    _simuler_et_geler(foyers_fictifs(len(COMPOSITIONS_FICTIVES), mois_cible), mois_cible)


def _simuler_et_geler(foyers: list[FoyerSimule], mois_cible: date) -> None:
    """Simule des foyers fictifs, ramasse leur graphe, puis gèle ce qui reste : le premier
    calcul laisse des centaines de milliers d'objets qui vivront autant que le processus
    (paramètres mis en cache, formules préparées), hors du ramasse-miettes, que la collecte
    complète de fin de lot ne les reparcoure pas (0,24 s par lot au lieu de 0,09 s, mesuré
    sur un lot de 5 000 foyers)."""
    simuler(foyers, mois_cible)
    gc.collect()
    gc.freeze()


def prechauffer_le_tas(mois_cible: date, foyers: int) -> None:
    """Au démarrage d'un worker qui calcule lui-même (`--pool solo`), une fois : le tas du
    processus est gardé (`memoire.garder_le_tas`), puis un lot fictif de `foyers` foyers (la
    taille d'un lot) est simulé. Le tas atteint d'emblée sa taille de travail, et ses pages
    restent au processus d'un lot à l'autre. Sans cela, le premier lot de chaque worker les
    demandait au système : ≈ 250 000 défauts de page pour un lot de 10 000 foyers, 0,3 s de
    plus pour un worker seul, 1 à 1,6 s pour chacun quand deux workers le faisaient en même
    temps (docs/benchmarks.md, ADR 0043)."""
    garder_le_tas()
    _simuler_et_geler(foyers_fictifs(foyers, mois_cible), mois_cible)


@pile_reservee
def simuler(foyers: list[FoyerSimule], mois_cible: date) -> dict[int, list[Estimation]]:
    """Les droits probables de chaque foyer complet du lot, pour le mois cible."""
    foyers, _ = _complets(sorted(foyers, key=lambda f: f.id))  # ids triés : voir _par_foyer
    if not foyers:
        return {}
    simulation, personnes, familles = construire_simulation(foyers, mois_cible)
    periode = f"{mois_cible:%Y-%m}"
    valeurs = {v: simulation.calculate(v, periode) for v in ORDRE_CALCUL}
    # Après le calcul des prestations, dans l'ordre fixé : composantes et entrées de calcul
    # (variables intermédiaires, déjà calculées pour la plupart).
    for p in prestations_legales():
        deduite = _composante_a_deduire(simulation, p, valeurs, mois_cible)
        for v in [c.variable for c in p.composantes] + [e.variable for e in p.entrees]:
            if v in valeurs or v == deduite:
                continue
            if v in TRIMESTRIELLES:
                valeurs[v] = moyenne_du_trimestre_de_reference(simulation, v, mois_cible)
            else:
                valeurs[v] = simulation.calculate(v, periode)
        if deduite:
            valeurs[deduite] = valeurs[p.variables[0]] - sum(
                valeurs[c.variable] for c in p.composantes if c.variable != deduite
            )
    # La simulation (un graphe d'objets à cycles) rend ses tableaux dès ses valeurs lues :
    # sans quoi la mémoire croît d'environ 1 Go par lot de 10 000 foyers jusqu'à la collecte.
    # Dans un lot, son graphe est ramassé en fin de lot (`collecte`, ADR 0039), pas ici : une
    # collecte complète reparcourrait tous les objets du lot.
    rendre_les_tableaux(simulation)
    del simulation
    return _estimations(foyers, personnes, familles, valeurs)


def _composante_a_deduire(simulation, prestation, valeurs: dict, mois_cible: date) -> str:
    """La composante d'une prestation somme de ses composantes (`somme_des_composantes`) qui
    n'est plus dans le cache de la simulation, s'il n'y en a qu'une : elle se déduit du total
    et des autres, sans être recalculée ("" sinon).

    OpenFisca vide de son cache les variables d'une boucle entre périodes (« spirale » :
    l'aide au logement du mois lit le RSA du mois d'avant, qui lit l'aide au logement de ce
    mois-là) : l'APL du mois, calculée avec l'aide au logement, en sort, quand l'ALS et l'ALF,
    calculées ensuite, y restent. La recalculer refaisait toute la chaîne de l'aide au
    logement du mois (≈ 36 ms par lot de 10 000 foyers). Les composantes s'excluent (une seule
    est non nulle par famille) : la différence est exacte, au bit près."""
    if not prestation.somme_des_composantes or len(prestation.variables) != 1:
        return ""
    mois = periode_du_mois(mois_cible)
    hors_cache = [
        c.variable
        for c in prestation.composantes
        if c.variable not in valeurs and simulation.get_holder(c.variable).get_array(mois) is None
    ]
    return hors_cache[0] if len(hors_cache) == 1 else ""


#: Les entrées de calcul lues sur le trimestre de référence de leur prestation
#: (`Entree.trimestre`) ; une variable l'est partout ou nulle part.
TRIMESTRIELLES = frozenset(
    e.variable for p in prestations_legales() for e in p.entrees if e.trimestre
)


def moyenne_du_trimestre_de_reference(simulation, variable: str, mois_cible: date) -> np.ndarray:
    """La moyenne mensuelle d'une variable de la prime d'activité sur les trois mois que sa
    formule moyenne (OpenFisca-France, `ppa_base_formula`) : de M-3 à M-1, ou de M-4 à M-2
    dans un département qui expérimente le préremplissage du RSA (depuis octobre 2024). Ses
    valeurs de ces mois sont déjà calculées par la prime : rien n'est recalculé (le mois cible,
    lui, ne l'était pas, et la prime ne le lit pas)."""
    mois = periode_du_mois(mois_cible)
    normal = simulation.calculate_add(variable, mois.last_3_months) / 3
    experimentation = simulation.calculate("departement_experimentation_rsa", mois)
    if not experimentation.any():
        return normal
    decale = simulation.calculate_add(variable, mois.last_month.last_3_months) / 3
    return np.where(experimentation, decale, normal)


def _estimations(foyers, personnes, familles, valeurs) -> dict[int, list[Estimation]]:
    """Les estimations de chaque foyer, tirées des valeurs calculées pour le lot."""
    # Rattacher chaque famille et chaque individu à son foyer du portail.
    foyer_de_famille = np.array([int(k.split("-")[0]) for k in familles])
    ids = np.array([f.id for f in foyers])
    # Le rang de chaque individu et de chaque famille parmi les foyers (`ids` triés), une fois.
    rang_de_famille = np.searchsorted(ids, foyer_de_famille)
    rang_d_individu = np.searchsorted(ids, np.array([f.id for f, _, _ in personnes]))
    resultats: dict[int, list[Estimation]] = {f.id: [] for f in foyers}
    for p in prestations_legales():
        rangs = rang_d_individu if p.entite == "individu" else rang_de_famille
        montants = np.zeros(len(ids))
        for variable in p.variables:
            montants += _par_foyer(valeurs[variable], rangs, len(ids))
        if p.eligibilite:
            eligibles = _par_foyer(valeurs[p.eligibilite].astype(float), rangs, len(ids)) > 0
        else:
            eligibles = montants > 0.005
        composantes = {
            c.variable: _par_foyer(valeurs[c.variable], rangs, len(ids)) for c in p.composantes
        }
        if p.entrees and p.entite == "famille":
            montant_famille = sum(
                (valeurs[v].astype(float) for v in p.variables or (p.eligibilite,)),
                np.zeros(len(familles)),
            )
            la_famille = _famille_la_plus_concernee(montant_famille, rang_de_famille, len(ids))
            entrees = {e.variable: valeurs[e.variable][la_famille] for e in p.entrees}
        else:
            entrees = {}
        # Les seuls foyers éligibles, en listes Python (lire un tableau numpy case par case
        # coûte dix fois plus), arrondies au centime en bloc (`au_centime`).
        retenus = np.flatnonzero(eligibles)
        if not len(retenus):
            continue
        de_composantes = [
            (v, m[retenus].astype(float).tolist(), au_centime(m[retenus]))
            for v, m in composantes.items()
        ]
        d_entrees = [(v, au_centime(x[retenus])) for v, x in entrees.items()]
        for k, (foyer_id, montant) in enumerate(
            zip(ids[retenus].tolist(), au_centime(montants[retenus]), strict=True)
        ):
            resultats[foyer_id].append(
                Estimation(
                    p.code,
                    montant,
                    True,
                    composantes={v: c[k] for v, m, c in de_composantes if m[k] > 0.005},
                    entrees={v: x[k] for v, x in d_entrees},
                )
            )
    return resultats


def au_centime(valeurs: np.ndarray) -> list[float]:
    """`round(v, 2)` de chaque valeur, en flottants Python (un effectif entier rangé 2.0), en
    bloc : 85 000 appels à `round` coûtaient ≈ 22 ms par lot de 10 000 foyers. Le centime
    le plus proche du produit par 100 est celui de `round`, sauf tout près d'un demi-centime,
    où l'arrondi du produit peut faire passer de l'autre côté, et au-delà de 10 millions
    d'euros, où le produit perd des décimales : ces valeurs-là (presque aucune) sont arrondies
    par `round` (comparé à `round`, au bit près, sur ≈ 750 000 valeurs : tests/droits/test_moteur.py)."""
    flottants = valeurs.astype(float)
    centimes = flottants * 100
    arrondis = (np.rint(centimes) / 100).tolist()
    with np.errstate(invalid="ignore"):  # (infini − infini : pas un douteux, `rint` le garde)
        douteux = (np.abs(centimes - np.floor(centimes) - 0.5) < 1e-6) | (np.abs(centimes) >= 2**30)
    for i in np.flatnonzero(douteux).tolist():
        arrondis[i] = round(float(flottants[i]), 2)
    return arrondis


def _famille_la_plus_concernee(montants: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
    """Pour chacun des `n` foyers du portail, l'indice de sa famille OpenFisca qui reçoit le
    plus de la prestation (`montants` par famille ; `positions` : le rang du foyer de chaque
    famille) : celle dont l'explication lit les entrées (un colocataire forme sa propre
    famille)."""
    ordre = np.lexsort((montants, positions))  # par foyer, puis par montant croissant
    positions_triees = positions[ordre]
    derniere = np.r_[positions_triees[1:] != positions_triees[:-1], True]
    choix = np.zeros(n, dtype=int)
    choix[positions_triees[derniere]] = ordre[derniere]
    return choix


#: Décalage des identifiants des copies d'un foyer simulées par `sensibilite` (ni un foyer ni
#: une personne du portail n'ont un identifiant aussi grand).
_DECALAGE_COPIES = 10**12


def _avec_ressources_multipliees(foyer: FoyerSimule, facteur: float, rang: int) -> FoyerSimule:
    """Une copie du foyer, sous d'autres identifiants, dont toutes les ressources saisies
    (chaque mois de l'historique) sont multipliées par `facteur`."""
    decalage = rang * _DECALAGE_COPIES
    return dataclasses.replace(
        foyer,
        id=foyer.id + decalage,
        personnes=[
            dataclasses.replace(
                p,
                id=p.id + decalage,
                ressources=[(t, m * facteur, d, f) for t, m, d, f in p.ressources],
            )
            for p in foyer.personnes
        ],
    )


@dataclass(frozen=True)
class Sensibilite:
    """Le droit d'un foyer à une prestation si toutes ses ressources étaient `ecart` plus
    basses ou plus hautes : montant (None : plus de droit probable)."""

    ecart: float
    montant_si_baisse: float | None
    montant_si_hausse: float | None
    #: Le seuil localisé (`localiser_seuils`).
    localise: Localisation | None = None


def sensibilite(
    foyers: list[FoyerSimule], mois_cible: date, ecart: float, taille: int | None = None
) -> dict[int, dict[str, Sensibilite]]:
    """Re-simule les foyers avec toutes leurs ressources multipliées par 1 − ecart et par
    1 + ecart, deux copies de chaque foyer dans une même simulation vectorisée (au plus
    `taille` foyers par simulation : la mémoire d'un lot ordinaire, pas le double) :
    {foyer : {prestation : Sensibilite}}. Sert à dire qu'un foyer est proche d'un seuil
    (`droits.detection.explication`)."""
    if not foyers:
        return {}
    copies = [
        copie
        for f in foyers
        for copie in (
            _avec_ressources_multipliees(f, 1 - ecart, 1),
            _avec_ressources_multipliees(f, 1 + ecart, 2),
        )
    ]
    taille = max(2, taille or len(copies))
    resultats: dict[int, list[Estimation]] = {}
    for debut in range(0, len(copies), taille):
        resultats.update(simuler(copies[debut : debut + taille], mois_cible))
    sensibles: dict[int, dict[str, Sensibilite]] = {}
    codes = [p.code for p in prestations_legales()]
    for f in foyers:
        bas = {e.prestation: e.montant for e in resultats.get(f.id + _DECALAGE_COPIES, [])}
        haut = {e.prestation: e.montant for e in resultats.get(f.id + 2 * _DECALAGE_COPIES, [])}
        if f.id + _DECALAGE_COPIES not in resultats:  # foyer incomplet : pas simulé
            continue
        sensibles[f.id] = {c: Sensibilite(ecart, bas.get(c), haut.get(c)) for c in codes}
    return sensibles


#: Localiser un seuil : en `TOURS` tours, chacun une simulation vectorisée de toutes les copies
#: en attente ; à chaque tour, autant de copies du foyer par seuil qu'il faut, réparties dans
#: l'encadrement, pour qu'après le dernier tour il fasse au plus `PRECISION_SEUIL` euros de
#: ressources par mois : le seuil à 5 € près. Mesuré (docs/benchmarks.md) : chaque tour coûte
#: ≈ 1,3 s de calcul fixe par lot (l'historique de 34 mois) plus ≈ 0,8 ms par copie ; deux
#: tours de √n copies coûtent moins que trois tours de 2 copies (le coût fixe domine : quelques
#: centaines de seuils par lot de 10 000 foyers), et bien moins qu'un tour de n copies.
TOURS = 2
PRECISION_SEUIL = 10.0
POINTS_MAX = 12


def localiser_seuils(
    foyers: list[FoyerSimule],
    mois_cible: date,
    frontieres: list[Frontiere],
    taille: int | None = None,
) -> dict[tuple[int, str], Localisation]:
    """Localise chaque seuil proche par encadrements successifs du facteur des ressources,
    entre 1 et `loin` : {(foyer, prestation) : Localisation}. Chaque tour est une simulation
    vectorisée de toutes les copies en attente (au plus `taille` foyers par simulation). Le
    seuil est en facteur de toutes les ressources saisies (chaque mois de l'historique), comme
    la re-simulation à ± écart : « avec 43 € de moins par mois » veut dire les ressources du
    foyer baissées d'autant, en proportion de chacune."""
    par_id = {f.id: f for f in foyers}
    # Par frontière : [facteur de ce côté-ci (celui du montant estimé), facteur de l'autre
    # côté, montant sondé le plus proche de ce côté-ci, de l'autre côté].
    encadrements = {
        fr: [1.0, fr.loin, fr.montant, fr.montant_si] for fr in frontieres if fr.foyer_id in par_id
    }
    for tour in range(TOURS):
        # Encore trop large, et un saut encore possible dedans : un montant qui varie de
        # moins de 10 € à travers l'encadrement n'y cache pas de saut de 10 € (les montants
        # baissent quand les ressources montent) : c'est une pente, pas un seuil.
        a_sonder = [
            fr
            for fr, (a, b, avant, apres) in encadrements.items()
            if abs(b - a) * fr.ressources > PRECISION_SEUIL and saut(avant, apres)
        ]
        if not a_sonder:
            break
        copies, sondes = [], []
        for fr in a_sonder:
            a, b, *_ = encadrements[fr]
            # n points font n + 1 intervalles : assez pour finir dans les tours qui restent.
            rapport = abs(b - a) * fr.ressources / PRECISION_SEUIL
            points = min(POINTS_MAX, max(1, math.ceil(rapport ** (1 / (TOURS - tour))) - 1))
            for k in range(1, points + 1):
                facteur = a + (b - a) * k / (points + 1)
                copie = _avec_ressources_multipliees(par_id[fr.foyer_id], facteur, len(copies) + 1)
                copies.append(copie)
                sondes.append((fr, facteur, copie.id))
        resultats: dict[int, list[Estimation]] = {}
        pas = max(1, taille or len(copies))
        for debut in range(0, len(copies), pas):
            resultats.update(simuler(copies[debut : debut + pas], mois_cible))
        # Les sondes d'une frontière se suivent, de ce côté-ci vers l'autre : la première de
        # l'autre côté ferme l'encadrement, la dernière de ce côté-ci l'ouvre.
        for fr, facteur, copie_id in sondes:
            encadrement = encadrements[fr]
            if abs(encadrement[1] - encadrement[0]) <= abs(facteur - encadrement[0]):
                continue  # déjà fermé plus près dans ce tour
            montant = next(
                (e.montant for e in resultats.get(copie_id, []) if e.prestation == fr.prestation),
                None,
            )
            if fr.de_l_autre_cote(montant):
                encadrement[1], encadrement[3] = facteur, montant
            else:
                encadrement[0], encadrement[2] = facteur, montant
    return {
        (fr.foyer_id, fr.prestation): Localisation((a + b) / 2, abs(b - a) / 2, avant, apres)
        for fr, (a, b, avant, apres) in encadrements.items()
    }


def localiser_les_seuils_proches(
    foyers: list[FoyerSimule],
    resultats: dict[int, list[Estimation]],
    sensibles: dict[int, dict[str, Sensibilite]],
    mois_cible: date,
    exclues: dict[int, set[str]] | None = None,
    taille: int | None = None,
) -> int:
    """Localise les seuils proches (`sensibilite`) des droits de `resultats`, sauf ceux de
    `exclues` ({foyer : prestations}), et les range dans `sensibles` (`Sensibilite.localise`) ;
    renvoie le nombre de seuils localisés."""
    if not sensibles:
        return 0
    ressources = {f.id: f.ressources_du_mois(mois_cible) for f in foyers}
    a_localiser = frontieres(foyers, resultats, sensibles, exclues or {}, ressources)
    for (foyer_id, code), localise in localiser_seuils(
        foyers, mois_cible, a_localiser, taille
    ).items():
        sensibles[foyer_id][code] = dataclasses.replace(
            sensibles[foyer_id][code], localise=localise
        )
    return len(a_localiser)


def _par_foyer(valeurs: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
    """Somme, pour chacun des `n` foyers du portail, de valeurs portées par des familles ou
    des individus (`positions` : le rang du foyer de chacun). `bincount` fait les mêmes
    sommes, dans le même ordre, que `np.add.at`, plusieurs fois plus vite."""
    return np.bincount(positions, weights=valeurs.astype(float), minlength=n)


def situation_de_controle(foyer: FoyerSimule, mois_cible: date) -> dict:
    """La même composition, sous forme de situation JSON d'OpenFisca (un foyer) : sert à
    vérifier que le calcul vectorisé donne les mêmes montants que le calcul foyer par foyer."""
    individus, familles, foyers_fiscaux = {}, {}, {}
    menage = {"personne_de_reference": [], "conjoint": [], "enfants": [], "autres": []}
    cles_menage = {
        "personne_de_reference": "personne_de_reference",
        "conjoint": "conjoint",
        "enfant": "enfants",
        "autre": "autres",
    }
    historique = mois_historique(mois_cible)
    places = composer(foyer, mois_cible)
    maritaux = dict(zip([p.id for p, _ in places], statuts_maritaux(places), strict=True))
    revenus = revenus_de_l_historique(places, mois_cible)
    for rang, (personne, place) in enumerate(places):
        cle = f"i{personne.id}"
        individu = {"date_naissance": {"ETERNITY": personne.date_naissance.isoformat()}}
        for mois in historique:
            periode = f"{mois:%Y-%m}"
            for variable, valeurs in revenus[mois].items():
                individu.setdefault(variable, {})[periode] = float(valeurs[rang])
            individu.setdefault("taux_incapacite", {})[periode] = (
                personne.taux_incapacite or 0
            ) / 100
            individu.setdefault("handicap", {})[periode] = (personne.taux_incapacite or 0) >= 50
            individu.setdefault("statut_marital", {})[periode] = maritaux[personne.id]
            individu.setdefault("activite", {})[periode] = ACTIVITES.get(
                personne.activite, "inactif"
            )
        individus[cle] = individu
        famille = familles.setdefault(place.famille, {"parents": [], "enfants": []})
        famille["enfants" if place.role_famille == "enfant" else "parents"].append(cle)
        ff = foyers_fiscaux.setdefault(
            place.foyer_fiscal, {"declarants": [], "personnes_a_charge": []}
        )
        ff[
            "personnes_a_charge" if place.role_foyer_fiscal == "personne_a_charge" else "declarants"
        ].append(cle)
        menage[cles_menage[place.role_menage]].append(cle)
    for mois in historique:
        periode = f"{mois:%Y-%m}"
        menage.setdefault("loyer", {})[periode] = foyer.loyer
        menage.setdefault("statut_occupation_logement", {})[periode] = foyer.statut_occupation
        menage.setdefault("depcom", {})[periode] = foyer.depcom
    return {
        "individus": individus,
        "familles": familles,
        "foyers_fiscaux": foyers_fiscaux,
        "menages": {f"m{foyer.id}": menage},
    }


def simuler_un_foyer(foyer: FoyerSimule, mois_cible: date) -> dict[str, float]:
    """Contrôle : un foyer, par la situation JSON (lent : ≈ 1 s). {variable: valeur}."""
    from openfisca_core.simulation_builder import SimulationBuilder  # noqa: PLC0415 (OpenFisca, lourd : chargé par les workers seulement)

    simulation = SimulationBuilder().build_from_entities(
        systeme(), situation_de_controle(foyer, mois_cible)
    )
    periode = f"{mois_cible:%Y-%m}"
    return {v: float(np.sum(simulation.calculate(v, periode))) for v in ORDRE_CALCUL}
