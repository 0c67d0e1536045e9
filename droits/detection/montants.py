"""Des montants nets saisis aux montants bruts et imposables, par les formules d'OpenFisca-France.

Les personnes connaissent leur net (fiche de paie, relevé de pension, avis de paiement de France Travail) ;
les formules d'OpenFisca lisent aussi le brut (ASPA : retraite brute) et l'imposable (aides au
logement : retraite imposable, revenu fiscal de référence). Le portail les déduit du net par
les formules d'OpenFisca elles-mêmes, jamais par un taux fixe (documenté dans
docs/detection.md, « Montants », et l'ADR 0016) :

- **barèmes** (`bareme`) : OpenFisca calcule une fois par processus, sur une grille de montants
  bruts, le net et l'imposable de chaque sorte de ressource — salaire (`salaire_de_base` →
  `salaire_net`, `salaire_imposable`) par année, retraite et allocation chômage par mois et par
  tranche de CSG ; un net saisi se convertit par interpolation sur cette grille (fonctions
  linéaires par morceaux, coudes dans la partie fine des grilles : écart sous 1 €, vérifié
  par les tests d'aller-retour) ;
- **tranche de CSG des revenus de remplacement** (`tranches_csg`) : exonéré, taux réduit, taux
  médian (retraites seulement), taux plein, selon le revenu fiscal de référence (RFR) de
  l'année N-2 du foyer fiscal et son nombre de parts, comme dans les formules d'OpenFisca
  (`csg_deductible_retraite`, `casa`, `csg_deductible_chomage`…). Donné tel quel, un brut
  serait compté exonéré par OpenFisca, quel que soit son montant : le RFR N-2 se calcule sur les
  pensions imposables de N-2, qui dépendent du taux de N-2, donc du RFR de N-4… et OpenFisca
  coupe cette boucle par 0. Le portail la déroule année par année dans une simulation fiscale
  à part, et la **coupe à N-4 et N-3** (avant l'historique) : les pensions et allocations de
  ces deux années comptent comme exonérées (imposable = net). Le RFR de N-4 et N-3 est ainsi
  sous-estimé de la part non déductible au plus (CSG non déductible 2,4 %, CRDS 0,5 %, CASA
  0,3 % du brut) : seul un foyer à moins de ≈ 3 % au-dessus d'un seuil peut se voir une tranche
  trop basse pour N-2 et N-1 ; la tranche de l'année N vient du RFR de N-2, calculé avec les
  tranches de N-2.

Le portail transmet à OpenFisca le net, le brut et l'imposable ainsi calculés : aucune formule
n'y recalcule le taux (OpenFisca-France 176.1.8 n'a pas de variable d'entrée du taux des
retraites : chaque contribution le recalcule à partir du RFR N-2).
"""

import functools
from datetime import date

import numpy as np

from habitants.enums import TypeRessource

from .collecte import rendre_les_tableaux
from .situation import (
    CONVERSIONS,
    VARIABLES_REVENUS,
    Personne,
    Place,
    statuts_maritaux,
)

#: Tranches de CSG des revenus de remplacement (`TypesTauxCSGRetraite` d'OpenFisca) ;
#: COUPURE : avant l'historique (N-4 et N-3), imposable = brut = net (voir le module).
COUPURE, EXONERE, REDUIT, MEDIAN, PLEIN = -1, 0, 1, 2, 3
TRANCHES = ("exonere", "taux_reduit", "taux_intermediaire", "taux_plein")

#: Ressources dont la CSG dépend du RFR N-2 du foyer fiscal. Les allocations chômage n'ont pas
#: de taux médian : la tranche médiane y est le taux plein (formule `csg_deductible_chomage`).
REMPLACEMENT = {TypeRessource.RETRAITE: (0, 1, 2, 3), TypeRessource.CHOMAGE: (0, 1, 3, 3)}

#: Grille des salaires bruts mensuels : pas de 10 € jusqu'à 10 000 €, de 50 € ensuite (les
#: plafonds de la sécurité sociale font des coudes partout).
GRILLE_SALAIRES = np.concatenate([np.arange(0, 10_000, 10), np.arange(10_000, 40_001, 50)])
#: Grille des retraites et allocations chômage brutes : pas de 10 € jusqu'à 3 000 € (le plancher
#: de CSG des allocations chômage, au niveau du SMIC, y fait un coude), puis 50 € et 200 €
#: (au-delà, le net est proportionnel au brut dans chaque tranche).
GRILLE_REMPLACEMENT = np.concatenate(
    [np.arange(0, 3_000, 10), np.arange(3_000, 10_000, 50), np.arange(10_000, 40_001, 200)]
)

#: Rôles du ménage de la simulation fiscale (un ménage par foyer fiscal).
_ROLES_MENAGE = {
    "declarant_principal": "personne_de_reference",
    "conjoint": "conjoint",
    "personne_a_charge": "enfant",
}


class Bareme:
    """Net et imposable d'une sorte de ressource sur la grille des bruts, pour un mois et une
    tranche ; `convertir` en fait l'inverse (net → brut, imposable)."""

    def __init__(self, bruts: np.ndarray, nets: np.ndarray, imposables: np.ndarray):
        # Un net atteint par plusieurs bruts (plancher de CSG des allocations chômage) : le
        # plus petit brut.
        nets, premiers = np.unique(nets.astype(np.float64), return_index=True)
        self.nets = nets
        self.bruts = bruts[premiers]
        self.imposables = imposables.astype(np.float64)[premiers]

    def convertir(self, net: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._interpoler(net, self.bruts), self._interpoler(net, self.imposables)

    def _interpoler(self, net: np.ndarray, valeurs: np.ndarray) -> np.ndarray:
        resultat = np.interp(net, self.nets, valeurs)
        # Au-delà de la grille : la pente du dernier segment.
        pente = (valeurs[-1] - valeurs[-2]) / (self.nets[-1] - self.nets[-2])
        au_dela = net > self.nets[-1]
        resultat[au_dela] = valeurs[-1] + (net[au_dela] - self.nets[-1]) * pente
        return resultat


def _simulation_d_isoles(n: int):
    """n personnes seules, chacune son foyer fiscal, sa famille et son ménage."""
    from openfisca_core.simulation_builder import SimulationBuilder  # noqa: PLC0415 (OpenFisca, lourd : chargé par les workers seulement)

    from .moteur import systeme  # noqa: PLC0415 (cycle : moteur importe ce module)

    cles = [f"i{i}" for i in range(n)]
    sb = SimulationBuilder()
    sb.create_entities(systeme())
    sb.declare_person_entity("individu", cles)
    for entite, role in (
        ("famille", "demandeur"),
        ("foyer_fiscal", "declarant_principal"),
        ("menage", "personne_de_reference"),
    ):
        sb.join_with_persons(sb.declare_entity(entite, cles), cles, [role] * n)
    simulation = sb.build(systeme())
    simulation.set_input("date_naissance", "ETERNITY", np.full(n, np.datetime64("1960-01-01")))
    return simulation


def seuils_rfr(annee: int, parts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Les trois seuils de RFR N-2 (exonération, taux réduit, taux médian) de l'année, pour
    chaque nombre de parts : les paramètres et le calcul des formules d'OpenFisca."""
    from .moteur import systeme  # noqa: PLC0415 (cycle : moteur importe ce module)

    # Le nœud des seuils à cette date, pas tout l'arbre des paramètres (≈ 60 ms à chaque appel,
    # c'est-à-dire trois fois par simulation).
    seuils = (
        systeme().parameters.prelevements_sociaux.contributions_sociales.csg.remplacement.seuils(
            f"{annee}-01-01"
        )
    )
    return tuple(
        getattr(seuils, f"seuil_rfr{k}")[f"seuil_rfr{k}"]
        + (parts - 1) * 2 * getattr(seuils, f"seuil_rfr{k}")[f"demi_part_suppl_rfr{k}"]
        for k in (1, 2, 3)
    )


def tranche_selon_rfr(annee: int, rfr: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """La tranche de CSG de l'année pour un RFR N-2 et un nombre de parts N-2 (`select` des
    formules d'OpenFisca : exonéré jusqu'au premier seuil inclus, etc.)."""
    exoneration, reduction, median = seuils_rfr(annee, parts)
    return np.select(
        [rfr <= exoneration, rfr <= reduction, rfr <= median], [EXONERE, REDUIT, MEDIAN], PLEIN
    ).astype(np.int8)


@functools.cache
def _baremes_salaire(annee: int) -> Bareme:
    """Salaire : net et imposable de la grille des salaires de base, calculés par OpenFisca en
    janvier (taux de cotisations et plafond de la sécurité sociale changent au 1er janvier)."""
    simulation = _simulation_d_isoles(len(GRILLE_SALAIRES))
    periode = f"{annee}-01"
    simulation.set_input("salaire_de_base", periode, GRILLE_SALAIRES)
    return Bareme(
        GRILLE_SALAIRES,
        simulation.calculate("salaire_net", periode),
        simulation.calculate("salaire_imposable", periode),
    )


@functools.cache
def _baremes_remplacement(type_: str, annee: int) -> dict[tuple[int, int], Bareme]:
    """Retraite (4 tranches) ou allocation chômage (3 tranches), chaque mois de l'année :
    OpenFisca calcule le net et l'imposable de chaque brut de la grille, la tranche imposée par
    un RFR N-2 pris au milieu de sa plage (personne seule, une part). {(mois, tranche): …}"""
    grille, tranches = GRILLE_REMPLACEMENT, sorted(set(REMPLACEMENT[type_]))
    n = len(grille)
    exoneration, reduction, median = (float(s) for s in seuils_rfr(annee, np.array(1.0)))
    rfr_des_tranches = {
        EXONERE: 0.0,
        REDUIT: (exoneration + reduction) / 2,
        MEDIAN: (reduction + median) / 2,
        PLEIN: median * 2,
    }
    simulation = _simulation_d_isoles(n * len(tranches))
    simulation.set_input(
        "rfr", str(annee - 2), np.repeat([rfr_des_tranches[t] for t in tranches], n)
    )
    conversion = CONVERSIONS[type_]
    baremes = {}
    for mois in range(1, 13):
        periode = f"{annee}-{mois:02d}"
        simulation.set_input(conversion.brut, periode, np.tile(grille, len(tranches)))
        nets = simulation.calculate(conversion.net, periode)
        imposables = simulation.calculate(conversion.imposable, periode)
        for k, tranche in enumerate(tranches):
            lignes = slice(k * n, (k + 1) * n)
            baremes[mois, tranche] = Bareme(grille, nets[lignes], imposables[lignes])
    return baremes


def bareme(type_: str, mois: date, tranche: int = PLEIN) -> Bareme:
    """Le barème d'OpenFisca d'une ressource convertie (salaire, chômage, retraite)."""
    if type_ in REMPLACEMENT:
        return _baremes_remplacement(type_, mois.year)[mois.month, REMPLACEMENT[type_][tranche]]
    return _baremes_salaire(mois.year)


def _mois_depuis(debut: date, mois_cible: date) -> list[date]:
    mois, fin, liste = debut, date(mois_cible.year, mois_cible.month, 1), []
    while mois <= fin:
        liste.append(mois)
        mois = date(mois.year + mois.month // 12, mois.month % 12 + 1, 1)
    return liste


def nets_mensuels(personnes: list[Personne], mois: list[date]) -> dict[str, np.ndarray]:
    """Les montants nets de chaque sorte de ressource transmise (`CONVERSIONS`) : un tableau
    personnes × mois (mois consécutifs). Même règle que `Personne.nets` : une ressource couvre
    chaque mois de sa période, celui de son début et celui de sa fin compris ; un mois
    qu'aucune ressource ne couvre compte pour 0 (une ressource finie avant le premier mois ne
    couvre rien). Pas de boucle sur les mois : c'est le chemin chaud de la détection."""
    premier = mois[0].year * 12 + mois[0].month - 1
    n = len(mois)
    rang = lambda jour: jour.year * 12 + jour.month - 1 - premier  # noqa: E731
    # Par sorte, chaque ressource : (personne, premier mois couvert, mois après le dernier),
    # bornés à l'historique.
    par_sorte: dict[str, list] = {type_: [] for type_ in CONVERSIONS}
    for i, personne in enumerate(personnes):
        for type_, montant, debut, fin in personne.ressources:
            if type_ in par_sorte:
                jusqu_a = n if fin is None else min(max(rang(fin) + 1, 0), n)
                par_sorte[type_].append((i, max(rang(debut), 0), jusqu_a, montant))
    colonnes = np.arange(n)
    # Rangés par colonnes (ordre « F ») : chaque mois, lu par `revenus_des_mois`, est d'un
    # seul tenant en mémoire (par lignes, un montant tous les 60 × 8 octets).
    nets = {type_: np.zeros((len(personnes), n), order="F") for type_ in CONVERSIONS}
    for type_, ressources in par_sorte.items():
        if not ressources:
            continue
        i, depuis, jusqu_a, montant = (np.array(c) for c in zip(*ressources, strict=True))
        # La plupart des personnes ont une seule ressource d'une sorte : son montant, posé en
        # bloc sur ses mois (+ 0.0 : comme 0 + montant, jamais -0.0). Plusieurs : additionnées
        # dans leur ordre, une à une (les mêmes sommes, au bit près).
        seule = np.bincount(i, minlength=len(personnes))[i] == 1
        couverts = (colonnes >= depuis[seule, None]) & (colonnes < jusqu_a[seule, None])
        nets[type_][i[seule]] = np.where(couverts, montant[seule, None], 0.0) + 0.0
        for k in np.flatnonzero(~seule).tolist():
            nets[type_][i[k], depuis[k] : jusqu_a[k]] += montant[k]
    return nets


def revenus_du_mois(
    nets: dict[str, np.ndarray], mois: date, tranches: np.ndarray
) -> dict[str, np.ndarray]:
    """Les variables de revenus d'OpenFisca (`VARIABLES_REVENUS`) de chaque personne ce mois-ci,
    à partir de ses nets du mois ({sorte: tableau}) : net saisi, brut et imposable par les
    barèmes, à la tranche de CSG de chacune."""
    n = len(tranches)
    revenus = {variable: np.zeros(n) for variable in VARIABLES_REVENUS}
    for type_, montants in nets.items():
        conversion = CONVERSIONS[type_]
        revenus[conversion.net] += montants
        if not conversion.brut or not montants.any():
            continue
        for tranche in np.unique(tranches) if type_ in REMPLACEMENT else (PLEIN,):
            lignes = montants != 0
            if type_ in REMPLACEMENT:
                lignes &= tranches == tranche
            if tranche == COUPURE:
                bruts = imposables = montants[lignes]
            else:
                bruts, imposables = bareme(type_, mois, int(tranche)).convertir(montants[lignes])
            revenus[conversion.brut][lignes] += bruts
            revenus[conversion.imposable][lignes] += imposables
    return revenus


@functools.cache
def _memes_baremes(precedent: date, mois: date) -> bool:
    """Les barèmes de deux mois sont-ils les mêmes (même année : salaire ; mêmes grilles
    calculées : retraite et chômage, chaque tranche) ?"""
    if precedent.year != mois.year:
        return False
    for type_, tranches in REMPLACEMENT.items():
        for tranche in set(tranches):
            a, b = bareme(type_, precedent, tranche), bareme(type_, mois, tranche)
            if not (
                np.array_equal(a.nets, b.nets)
                and np.array_equal(a.bruts, b.bruts)
                and np.array_equal(a.imposables, b.imposables)
            ):
                return False
    return True


def revenus_des_mois(
    nets: dict[str, np.ndarray], mois: list[date], colonnes, tranches_du_mois
) -> dict[date, dict[str, np.ndarray]]:
    """`revenus_du_mois` de chaque mois des `colonnes` (consécutives) de `nets`, à la tranche
    `tranches_du_mois(mois)`. D'un mois au suivant, mêmes barèmes et même tableau de tranches,
    seules les personnes dont un net change sont recalculées, les autres recopiées : le calcul
    est fait personne par personne, le résultat est le même, pour une fraction du travail
    (les ressources d'une personne changent rarement d'un mois à l'autre).

    Une variable qui ne change pas d'un mois au suivant garde le **même tableau** (copie à
    l'écriture seulement) : ces tableaux sont à lire, jamais à modifier. Ni recopiés
    (≈ 1 100 copies par lot de 10 000 foyers), ni convertis ou posés deux fois
    (`poser_par_mois`)."""
    resultat: dict[date, dict[str, np.ndarray]] = {}
    avant = None  # (colonne, mois, tranches) du mois précédent
    for colonne in colonnes:
        m, tranches = mois[colonne], tranches_du_mois(mois[colonne])
        du_mois = {type_: montants[:, colonne] for type_, montants in nets.items()}
        if (
            avant is None
            or avant[0] != colonne - 1
            or avant[2] is not tranches
            or not _memes_baremes(avant[1], m)
        ):
            resultat[m] = revenus_du_mois(du_mois, m, tranches)
        else:
            change = np.zeros(len(tranches), dtype=bool)
            for montants in nets.values():
                change |= montants[:, colonne] != montants[:, colonne - 1]
            revenus = dict(resultat[avant[1]])  # les mêmes tableaux…
            if change.any():
                partiels = revenus_du_mois(
                    {type_: montants[change] for type_, montants in du_mois.items()},
                    m,
                    tranches[change],
                )
                for variable, valeurs in partiels.items():
                    if not np.array_equal(revenus[variable][change], valeurs):
                        revenus[variable] = revenus[variable].copy()  # … sauf ceux qui changent
                        revenus[variable][change] = valeurs
            resultat[m] = revenus
        avant = (colonne, m, tranches)
    return resultat


@functools.cache
def periode_du_mois(mois: date):
    """La période OpenFisca d'un mois (en cache : une par mois, pour tous les lots)."""
    from openfisca_core import periods  # noqa: PLC0415 (OpenFisca, lourd : chargé par les workers seulement)

    return periods.period(f"{mois:%Y-%m}")


def poser_par_mois(simulation, revenus: dict[date, dict[str, np.ndarray]], mois) -> None:
    """Pose les valeurs mensuelles ({mois : {variable : tableau}}, comme `revenus_des_mois`)
    des `mois` dans la simulation, mois par mois.

    Chaque tableau est converti une fois en `float32` (le type des variables de revenus), et
    un tableau que plusieurs mois partagent est rangé tel quel pour chacun (`put_in_cache` du
    porteur de la variable, ce que `set_input` fait en dernier). C'est la valeur que
    `set_input` rangerait : pour un seul mois, `set_input_divide_by_period` range une copie du
    tableau divisée par 1, les mêmes valeurs (vérifié par tests/droits/test_montants.py) ;
    sans ses deux copies ni l'analyse de la période, à chacune des ≈ 400 poses d'un lot."""
    en_float32: dict[int, np.ndarray] = {}  # id du tableau (gardé en vie par `revenus`) → float32
    for m in mois:
        periode = periode_du_mois(m)
        for variable, valeurs in revenus[m].items():
            tableau = en_float32.get(id(valeurs))
            if tableau is None:
                tableau = en_float32[id(valeurs)] = valeurs.astype(np.float32)
            simulation.get_holder(variable).put_in_cache(tableau, periode)


def _rapport_maximal(b: Bareme) -> float:
    """Le plus grand rapport imposable / net d'un barème, sur la grille et au-delà (pente du
    dernier segment) : entre deux points de la grille, imposable et net sont linéaires, leur
    rapport va d'un bout à l'autre sans dépasser le plus grand des deux. Infini si un net nul
    a un imposable (le rapport n'y est pas borné)."""
    if b.nets[0] < 0 or (b.nets[0] == 0 and b.imposables[0] > 0):
        return float("inf")
    positifs = b.nets > 0
    pente = (b.imposables[-1] - b.imposables[-2]) / (b.nets[-1] - b.nets[-2])
    return max(1.0, float((b.imposables[positifs] / b.nets[positifs]).max()), float(pente))


@functools.cache
def _rapport_de(type_: str, annee: int, a_la_coupure: bool) -> float:
    """Le plus grand rapport imposable / net d'une ressource, l'année : un salaire suit son
    barème ; une retraite ou une allocation chômage, à la coupure (N-4, N-3), a pour imposable
    son net, sinon le barème de sa tranche exonérée, chaque mois ; les autres ressources sont
    transmises telles quelles (rapport 1)."""
    if type_ == TypeRessource.SALAIRE_NET:
        return _rapport_maximal(_baremes_salaire(annee))
    if type_ in REMPLACEMENT and not a_la_coupure:
        return max(
            _rapport_maximal(bareme(type_, date(annee, m, 1), EXONERE)) for m in range(1, 13)
        )
    return 1.0


def exoneres_d_evidence(
    places: list[tuple[Personne, Place]],
    nets: dict[str, np.ndarray],
    annee: int,
    foyers_fiscaux: set[str],
) -> set[str]:
    """Ceux des `foyers_fiscaux` exonérés de CSG sur leurs revenus de remplacement en N-2, N-1
    et N sans qu'il faille rien simuler : pour chacune des années N-4, N-3 et N-2, la somme
    de leurs revenus imposables est au plus le seuil d'exonération de l'année où ce RFR compte
    (N-2, N-1, N), pris pour une part.

    Le RFR d'OpenFisca, sur les seules ressources que le portail transmet, est le revenu net
    imposable (après abattements de 10 % et autres déductions, jamais négatives) : il ne
    dépasse pas la somme des imposables ; et un foyer fiscal compte au moins une part, le seuil
    ne fait que monter avec les parts. Chaque imposable est majoré par son net, multiplié par
    le plus grand rapport imposable / net de son barème (`_rapport_de`). N-2 est pris
    dans la tranche exonérée, celle que donne le RFR de N-4 s'il est sous son seuil. La
    simulation fiscale de `tranches_csg` n'est faite que pour les autres foyers fiscaux, qui
    ont le même résultat (tests/droits/test_montants.py, le compare sur des foyers de part et
    d'autre des seuils). `nets` : ceux de `nets_mensuels`, de janvier N-4 au mois cible."""
    if not foyers_fiscaux:
        return set()
    cles = list(dict.fromkeys(place.foyer_fiscal for _, place in places))
    rang = {cle: k for k, cle in enumerate(cles)}
    foyer_de = np.fromiter((rang[place.foyer_fiscal] for _, place in places), int, len(places))
    evidents = np.ones(len(cles), dtype=bool)
    for k in range(3):  # N-4, N-3, N-2 : les RFR des tranches de N-2, N-1, N
        an = annee - 4 + k
        majorants = np.zeros(len(places))
        for type_, montants in nets.items():
            somme = montants[:, k * 12 : (k + 1) * 12].sum(axis=1)
            majorants += somme * _rapport_de(type_, an, k < 2)
        par_foyer = np.bincount(foyer_de, weights=majorants, minlength=len(cles))
        # (1 € de marge : le RFR d'OpenFisca est en simple précision.)
        exoneration = float(seuils_rfr(an + 2, np.array(1.0))[0]) - 1
        evidents &= par_foyer <= exoneration
    return {cle for cle, oui in zip(cles, evidents, strict=True) if oui and cle in foyers_fiscaux}


def tranches_csg(
    places: list[tuple[Personne, Place]],
    mois_cible: date,
    nets: dict[str, np.ndarray] | None = None,
) -> dict[int, np.ndarray]:
    """La tranche de CSG de chaque personne (celle de son foyer fiscal) pour les années N-2,
    N-1 et N : {année: tableau}.

    Seuls les foyers fiscaux qui ont une retraite ou une allocation chômage dans l'historique
    sont simulés, dans une simulation fiscale à part (foyers fiscaux seuls, un ménage et une
    famille par foyer fiscal), de N-4 à N-2 : RFR de N-4 et N-3 avec les revenus de
    remplacement comptés exonérés (la coupure), d'où les tranches de N-2 et N-1 ; puis les
    revenus de N-2 à leur tranche, d'où le RFR de N-2 et la tranche de N. `nets` : ceux de
    `nets_mensuels` de janvier N-4 au mois cible, s'ils sont déjà calculés."""
    from openfisca_core.simulation_builder import SimulationBuilder  # noqa: PLC0415 (OpenFisca, lourd : chargé par les workers seulement)

    from .moteur import dates_de_naissance, en_enumeration, systeme  # noqa: PLC0415 (cycle : moteur importe ce module)

    annee = mois_cible.year
    tranches = {
        a: np.full(len(places), EXONERE, dtype=np.int8) for a in range(annee - 2, annee + 1)
    }
    mois = _mois_depuis(date(annee - 4, 1, 1), mois_cible)
    if nets is None:
        nets = nets_mensuels([p for p, _ in places], mois)
    # Les foyers fiscaux dont une personne a une retraite ou une allocation chômage de N-2 à N,
    # sauf ceux que leurs revenus disent exonérés les trois années sans rien simuler.
    remplacement = sum(nets[type_][:, 24:] for type_ in REMPLACEMENT).any(axis=1)
    concernes = {
        place.foyer_fiscal for (_, place), oui in zip(places, remplacement, strict=True) if oui
    }
    concernes -= exoneres_d_evidence(places, nets, annee, concernes)
    if not concernes:
        return tranches
    # (Un tableau d'indices, converti une fois : une liste le serait à chaque sélection.)
    lignes = np.array(
        [i for i, (_, place) in enumerate(places) if place.foyer_fiscal in concernes], dtype=np.intp
    )
    nets = {type_: montants[lignes] for type_, montants in nets.items()}
    sous_places = [places[i] for i in lignes.tolist()]
    personnes = [p for p, _ in sous_places]
    foyers_fiscaux = list(dict.fromkeys(place.foyer_fiscal for _, place in sous_places))
    rang = {cle: k for k, cle in enumerate(foyers_fiscaux)}
    foyer_de = np.array([rang[place.foyer_fiscal] for _, place in sous_places])

    tbs = systeme()
    sb = SimulationBuilder()
    sb.create_entities(tbs)
    sb.declare_person_entity("individu", [f"i{p.id}" for p in personnes])
    appartenance = [place.foyer_fiscal for _, place in sous_places]
    for entite, roles in (
        ("foyer_fiscal", [place.role_foyer_fiscal for _, place in sous_places]),
        ("famille", [place.role_famille for _, place in sous_places]),
        ("menage", [_ROLES_MENAGE[place.role_foyer_fiscal] for _, place in sous_places]),
    ):
        sb.join_with_persons(sb.declare_entity(entite, foyers_fiscaux), appartenance, roles)
    simulation = sb.build(tbs)
    simulation.set_input("date_naissance", "ETERNITY", dates_de_naissance(personnes))
    statuts = en_enumeration("statut_marital", statuts_maritaux(sous_places))
    incapacites = np.array([p.taux_incapacite or 0 for p in personnes], dtype=np.float32) / 100

    def poser_annee(an: int, tranche: np.ndarray) -> None:
        colonnes = range((an - annee + 4) * 12, (an - annee + 5) * 12)
        revenus = revenus_des_mois(nets, mois, colonnes, lambda _: tranche)
        # Les mêmes toute l'année : posés une fois sur ses 12 mois (une seule conversion).
        annee_entiere = f"month:{an}-01:12"
        simulation.set_input("statut_marital", annee_entiere, statuts)
        simulation.set_input("taux_incapacite", annee_entiere, incapacites)
        simulation.set_input("handicap", annee_entiere, incapacites >= 0.5)
        poser_par_mois(simulation, revenus, [mois[colonne] for colonne in colonnes])

    def tranche_de(an: int) -> np.ndarray:
        """La tranche de l'année `an` : RFR et parts de `an` - 2, par foyer fiscal."""
        rfr = simulation.calculate("rfr", str(an - 2))
        parts = simulation.calculate("nbptr", str(an - 2))
        return tranche_selon_rfr(an, rfr, parts)[foyer_de]

    coupure = np.full(len(personnes), COUPURE, dtype=np.int8)
    poser_annee(annee - 4, coupure)
    poser_annee(annee - 3, coupure)
    tranches[annee - 2][lignes] = tranche_n_2 = tranche_de(annee - 2)
    tranches[annee - 1][lignes] = tranche_de(annee - 1)
    poser_annee(annee - 2, tranche_n_2)
    tranches[annee][lignes] = tranche_de(annee)
    rendre_les_tableaux(simulation)  # son graphe attend la collecte de fin de lot
    return tranches


def revenus_de_l_historique(
    places: list[tuple[Personne, Place]], mois_cible: date
) -> dict[date, dict[str, np.ndarray]]:
    """Les variables de revenus de chaque personne, pour chaque mois de l'historique (janvier
    N-2 au mois cible) : {mois: {variable: tableau}}. La règle unique, utilisée par le calcul
    vectorisé et par la situation de contrôle."""
    mois = _mois_depuis(date(mois_cible.year - 4, 1, 1), mois_cible)
    nets = nets_mensuels([p for p, _ in places], mois)
    tranches = tranches_csg(places, mois_cible, nets)
    colonnes = [colonne for colonne, m in enumerate(mois) if m.year >= mois_cible.year - 2]
    return revenus_des_mois(nets, mois, colonnes, lambda m: tranches[m.year])
