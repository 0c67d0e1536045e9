"""Agrégats mensuels du tableau de bord : pour chaque source lourde (passages à l'accueil,
interventions, signalements repérés, changements d'état des signalements), chaque mois clos,
chaque site, chaque axe et chaque clé (axes des motifs d'un passage, type d'intervention,
prestation, état), le nombre de lignes, leur somme (passages anonymes, minutes, euros) et les
ensembles EXACTS des foyers (des personnes, pour les passages ; et des signalements) derrière
elles, rangés en tableaux triés d'identifiants (réunion et compte par numpy).

Passages : un passage a plusieurs motifs, donc parfois plusieurs axes ; sa cellule a pour clé
la combinaison des axes de ses motifs (« logement,sante » ; vide : aucun motif), si bien que
chaque passage est dans une seule cellule et que les nombres s'additionnent ; un filtre d'axes
garde les cellules dont la combinaison en contient un. Chaque personne de la cellule y porte
son nombre de passages (`poids`) : les tranches d'âge (âge à la fin de la période) en sont
déduites sans relire les passages.

Chaque cellule mensuelle a aussi ses cellules par jour (`jour` rempli). Une période quelconque
se lit alors en mois entiers dans les cellules mensuelles, plus les jours de ses mois clos
partiels dans les cellules par jour (une seule requête pour les deux), plus ses bords restants
(mois en cours ou pas encore agrégés) comptés sur les lignes brutes ; le tout est réuni en
Python. Les effectifs restent exacts (la règle des petits effectifs
l'exige) : un foyer vu en janvier et en mars n'est compté qu'une fois sur le trimestre, parce
que ce sont des ensembles qui sont réunis, pas des nombres additionnés.

Fraîcheur : les mois clos et les jours passés du mois en cours sont agrégés chaque nuit
(`agreger_la_nuit`, appelé par le calcul de nuit des instantanés) ; seul le jour du calcul
(« aujourd'hui », et les jours d'après la dernière nuit) est compté sur les lignes brutes.
`MoisAgrege` dit, mois par mois et par source, quand l'agrégat a été calculé (et, pour le mois
en cours, jusqu'à quel jour) ; un mois qui n'y est pas est compté sur les lignes brutes. Une
ligne écrite, un site de foyer ou un axe changé depuis le calcul ne compte qu'au calcul
suivant (au plus une nuit, ou « Recalculer maintenant », tout sur les lignes).

Entonnoir du non-recours (`ENTONNOIR`, docs/adr/0033) : les signalements rangés par jour et
mois de REPÉRAGE (la cohorte), avec l'étape que chacun a atteinte au moment du calcul ; la
nuit refait la cohorte de chaque signalement écrit ou changé d'état depuis (`Source.touche`).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import numpy as np
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    IntegerField,
    Q,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from ccas_portal.models import AgregatMensuel, MoisAgrege
from ccas_portal.periodes import Periode, ajouter_mois, debut_du_mois, fin_du_mois

#: Le premier mois agrégé par le calcul de nuit (le premier jour permis par les filtres).
PREMIER_MOIS = date(2000, 1, 1)


@dataclass(frozen=True)
class Source:
    """Une table comptée par mois : ses champs (recherches de l'ORM depuis ses lignes)."""

    nom: str
    modele: str  # "app.Modele"
    date: str
    horodate: bool
    site: str
    axe: str | None  # None : les axes sont dans la clé (combinaison des axes d'un passage)
    cles: tuple[str, ...]  # la clé d'une cellule (type, prestation…), jointe par « | »
    effectif: str  # foyer (ou personne) compté distinct (règle des petits effectifs)
    element: str | None = None  # ce qui est compté distinct, si ce n'est pas la ligne
    somme: str | None = None
    #: Chaque identifiant de l'effectif porte son nombre de lignes (passages d'une personne).
    ponderee: bool = False
    #: Horodatages d'écriture : une ligne dont l'un est postérieur au dernier calcul a pu
    #: changer son mois (`agreger_la_nuit` le refait).
    touche: tuple[str, ...] = ()
    #: Les cellules de lignes `qs` groupées par `groupe` (jour, morceau), si elles ne se
    #: comptent pas par un simple groupement (l'entonnoir : `(source, qs, groupe) -> dict`).
    cellules: Callable | None = None

    def lignes(self):
        return apps.get_model(self.modele).objects.all()

    def normaliser(self, cle: str) -> str:
        """La clé d'une cellule telle qu'elle est rangée (combinaison d'axes triée)."""
        if self.axe is None:
            return ",".join(sorted({a for a in cle.split(",") if a}))
        return cle

    def dans(self, debut: date, fin: date) -> Q:
        p = Periode(debut, fin, "")
        if self.horodate:
            return Q(**{f"{self.date}__gte": p.debut_horodate, f"{self.date}__lt": p.fin_horodate})
        return Q(**{f"{self.date}__gte": debut, f"{self.date}__lte": fin})


INTERVENTIONS = Source(
    "interventions",
    "accompagnement.Intervention",
    "date",
    False,
    "accompagnement__foyer__site",
    "accompagnement__axe",
    ("type",),
    "accompagnement__foyer",
    somme="duree_minutes",
    touche=("cree_le",),
)
SIGNALEMENTS = Source(
    "signalements",
    "droits.Signalement",
    "cree_le",
    True,
    "foyer__site",
    "prestation__axe",
    ("prestation",),
    "foyer",
    touche=("modifie_le",),
)
CHANGEMENTS = Source(
    "changements",
    "droits.ChangementSignalement",
    "le",
    True,
    "signalement__foyer__site",
    "signalement__prestation__axe",
    ("nouveau", "signalement__prestation"),
    "signalement__foyer",
    element="signalement",
    somme="signalement__montant_estime",
    touche=("le", "signalement__modifie_le"),
)


PASSAGES = Source(
    "passages",
    "habitants.Passage",
    "date_heure",
    True,
    "site",
    None,
    (),
    "habitant",
    ponderee=True,  # somme : les passages anonymes (`_cellules_des_passages`)
    touche=("cree_le",),
)


def _cellules_de_la_cohorte(source: "Source", qs, groupe) -> dict:
    from ccas_portal.pilotage import non_recours  # noqa: PLC0415 (cycle : non_recours lit les agrégats)

    return non_recours.cellules_de_la_cohorte(qs, groupe)


#: L'entonnoir du non-recours par cohorte : les signalements par jour de repérage, site, axe
#: et clé « étape|prestation » (étape atteinte au moment du calcul, montants et délais des
#: droits ouverts : non_recours.cellules_de_la_cohorte). Un signalement change d'étape après
#: son mois de repérage : sa cohorte est refaite quand il est écrit (`modifie_le`), qu'il
#: change d'état (`le` de ses changements) ou que sa prestation du foyer (montant accordé)
#: change.
ENTONNOIR = Source(
    "entonnoir",
    "droits.Signalement",
    "cree_le",
    True,
    "foyer__site",
    "prestation__axe",
    ("prestation",),
    "foyer",
    somme="montant_estime",
    touche=("modifie_le", "changements__le", "prestation_foyer__modifie_le"),
    cellules=_cellules_de_la_cohorte,
)
SOURCES = (PASSAGES, INTERVENTIONS, SIGNALEMENTS, CHANGEMENTS, ENTONNOIR)


# --- Ensembles d'identifiants -------------------------------------------------------------
#
# Un ensemble de foyers (ou de signalements) est un tableau trié d'identifiants distincts
# (uint32) : rangé tel quel (4 octets par identifiant), réuni par numpy. Une cellule
# (site, axe, type, mois) ne compte souvent que quelques dizaines de foyers parmi 100 000 :
# un bitmap de tout l'intervalle des identifiants (12,5 Kio par cellule, même compressé à
# décompresser) coûtait plus cher à relire que la requête qu'il remplaçait (docs/benchmarks.md).


def ensemble(ids) -> np.ndarray:
    """Les identifiants `ids` (entiers positifs, avec doublons), triés et distincts."""
    return np.unique(np.asarray([i for i in ids if i is not None], dtype=np.uint32))


def reunion(ensembles: list[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate(ensembles)) if ensembles else ensemble(())


def reunion_ponderee(ensembles: list[np.ndarray], poids: list[np.ndarray]):
    """La réunion des `ensembles`, chaque identifiant avec la somme de ses poids."""
    if not ensembles:
        return ensemble(()), np.zeros(0, dtype=np.uint32)
    ids, rangs = np.unique(np.concatenate(ensembles), return_inverse=True)
    sommes = np.bincount(rangs, weights=np.concatenate(poids), minlength=ids.size)
    return ids, sommes.astype(np.uint32)


def en_octets(ids: np.ndarray) -> bytes:
    return ids.astype("<u4").tobytes()


def depuis_octets(octets) -> np.ndarray:
    return np.frombuffer(bytes(octets or b""), dtype="<u4")


def valeurs_en_octets(valeurs: list[np.ndarray]) -> bytes:
    """Des mesures (entiers signés), triées : une cellule a le même contenu quel que soit
    l'ordre de ses lignes."""
    if not valeurs:
        return b""
    return np.sort(np.concatenate(valeurs).astype("<i8")).tobytes()


def valeurs_depuis_octets(octets) -> np.ndarray:
    return np.frombuffer(bytes(octets or b""), dtype="<i8")


def taille_de_la_reunion(ensembles: list[np.ndarray]) -> int:
    """Le nombre d'identifiants distincts de la réunion des `ensembles` (tableaux
    d'identifiants, doublons permis)."""
    ensembles = [e for e in ensembles if e.size]
    if not ensembles:
        return 0
    tous = np.concatenate(ensembles)  # des doublons possibles, même dans un seul tableau
    present = np.zeros(int(tous.max()) + 1, dtype=bool)
    present[tous] = True
    return int(np.count_nonzero(present))


@dataclass
class Cellule:
    """Des lignes réunies : nombre, somme, éléments et foyers (tableaux d'identifiants,
    avec doublons possibles, réunis seulement quand on les compte)."""

    n: int = 0
    somme: Decimal = Decimal(0)
    elements: list = field(default_factory=list)
    foyers: list = field(default_factory=list)
    poids: list = field(default_factory=list)  # alignés sur `foyers` (sources pondérées)
    valeurs: list = field(default_factory=list)  # une mesure par ligne (délais), non réunies

    def ajouter(self, autre: "Cellule") -> None:
        self.n += autre.n
        self.somme += autre.somme
        self.elements += autre.elements
        self.foyers += autre.foyers
        self.poids += autre.poids
        self.valeurs += autre.valeurs

    def ponderes(self) -> tuple[np.ndarray, np.ndarray]:
        """Les identifiants de l'effectif (triés, distincts) et leur nombre de lignes."""
        return reunion_ponderee(self.foyers, self.poids)

    @property
    def effectif(self) -> int:
        return taille_de_la_reunion(self.foyers)

    @property
    def distincts(self) -> int:
        return taille_de_la_reunion(self.elements)


@dataclass
class Lecture:
    """Les cellules d'une fenêtre (période), par (site, axe, clé)."""

    cellules: dict[tuple, Cellule] = field(default_factory=dict)

    def ajouter(self, cle: tuple, cellule: Cellule) -> None:
        self.cellules.setdefault(cle, Cellule()).ajouter(cellule)

    def par(self, regrouper) -> dict:
        """Réunies par `regrouper(site, axe, clé)` (une clé de regroupement ; None : écartée)."""
        resultat: dict = {}
        for (site, axe, cle), c in self.cellules.items():
            groupe = regrouper(site, axe, cle)
            if groupe is not None:
                resultat.setdefault(groupe, Cellule()).ajouter(c)
        return resultat

    def total(self, garder=lambda cle: True) -> Cellule:
        return self.par(lambda site, axe, cle: 0 if garder(cle) else None).get(0, Cellule())


class Identifiants(Aggregate):
    """Les identifiants d'un groupe, séparés par des virgules (une ligne par groupe au lieu
    d'une par foyer : dix fois moins de lignes à relire pour les bords). `distinct=True` : les
    valeurs distinctes, dans un ordre quelconque (les axes des motifs d'un passage, que
    `Source.normaliser` trie)."""

    function = "STRING_AGG"
    template = "%(function)s(%(distinct)sCAST(%(expressions)s AS TEXT), ',')"
    allow_distinct = True
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # GROUP_CONCAT(DISTINCT …) n'admet pas de séparateur : la virgule est son défaut.
        separateur = "" if self.distinct else ", ','"
        return self.as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(distinct)s%(expressions)s" + separateur + ")",
            **extra_context,
        )


def entiers(texte: str | None, dtype=np.int64) -> np.ndarray:
    """Les entiers d'un texte « 3,1,3 » (`Identifiants`), dans l'ordre, doublons compris."""
    if not texte:
        return np.zeros(0, dtype=dtype)
    return np.fromstring(texte, dtype=np.int64, sep=",").astype(dtype)


#: Au-delà, `parmi` ne filtre plus : lire toute la table coûte moins que de passer et sonder
#: autant d'identifiants (mesuré : 150 000 personnes, 2,5 à 3 s au lieu de 0,3 à 0,5 s).
PARMI_AU_PLUS = 20_000


def parmi(champ: str, ids: np.ndarray) -> Q:
    """Les lignes dont `champ` est l'un des `ids` — ou toutes, s'ils sont plus de
    `PARMI_AU_PLUS` : l'appelant ne garde de toute façon que les siens. Les identifiants
    passent en un seul paramètre (un tableau sous PostgreSQL, du JSON sous SQLite)."""
    if ids.size > PARMI_AU_PLUS:
        return Q()
    liste = [int(i) for i in ids]
    if connection.vendor == "sqlite":
        sous_requete = RawSQL("SELECT value FROM json_each(%s)", [json.dumps(liste)])
    else:
        sous_requete = RawSQL("SELECT unnest(%s::bigint[])", [liste])
    return Q(**{f"{champ}__in": sous_requete})


def _ids(texte: str | None) -> np.ndarray:
    return np.unique(entiers(texte, np.uint32))


def _ids_ponderes(texte: str | None) -> tuple[np.ndarray, np.ndarray]:
    ids, poids = np.unique(entiers(texte, np.uint32), return_counts=True)
    return ids, poids.astype(np.uint32)


# --- Lecture -----------------------------------------------------------------------------


def _hors_calendrier(p: Periode) -> bool:
    return p.debut.year < 2 or p.fin.year > 9998


def _mois_touches(p: Periode) -> set[date]:
    """Les mois clos (entiers ou non) et le mois en cours que touche `p` : ses mois entiers
    agrégés sont lus dans les agrégats mensuels, les jours de ses mois partiels et les jours
    agrégés du mois en cours dans les agrégats par jour."""
    mois: set[date] = set()
    if _hors_calendrier(p):
        return mois
    limite = ajouter_mois(debut_du_mois(timezone.localdate()), 1)  # les mois à venir : non
    premier = debut_du_mois(p.debut)
    while premier <= p.fin and premier < limite:
        mois.add(premier)
        premier = ajouter_mois(premier, 1)
    return mois


def _mois_agreges(source: Source, fenetres: list[Periode]) -> dict[date, tuple]:
    """Les mois des fenêtres dont l'agrégat existe : (quand il a été calculé, dernier jour
    agrégé — None : le mois entier)."""
    voulus = {m for p in fenetres for m in _mois_touches(p)}
    if not voulus:
        return {}
    return {
        mois: (calcule_le, jusqu_au)
        for mois, calcule_le, jusqu_au in MoisAgrege.objects.filter(
            source=source.nom, mois__in=voulus
        ).values_list("mois", "calcule_le", "jusqu_au")
    }


def _ajouter_intervalle(intervalles: list, debut: date, fin: date) -> None:
    """Ajoute les jours de `debut` à `fin` à `intervalles`, prolongeant le dernier s'ils le
    suivent."""
    if debut > fin:
        return
    if intervalles and intervalles[-1][1] == debut - timedelta(days=1):
        intervalles[-1] = (intervalles[-1][0], fin)
    else:
        intervalles.append((debut, fin))


def _decouper(p: Periode, agreges) -> tuple[list[date], list, list]:
    """Les mois entiers de `p` lus dans les agrégats mensuels, les jours de ses mois
    partiels et les jours agrégés du mois en cours lus dans les agrégats par jour, et les
    bords (jours pas agrégés : d'un mois pas agrégé, ou du mois en cours après son dernier
    jour agrégé) à compter sur les lignes."""
    mois: list[date] = []
    jours: list[tuple[date, date]] = []
    bords: list[tuple[date, date]] = []
    if _hors_calendrier(p):
        return mois, jours, [(p.debut, p.fin)]
    jour = p.debut
    while jour <= p.fin:
        premier, dernier = debut_du_mois(jour), fin_du_mois(jour)
        fin = min(dernier, p.fin)
        if premier not in agreges:
            _ajouter_intervalle(bords, jour, fin)
        else:
            jusqu_au = agreges[premier][1] or dernier
            if jour == premier and fin == dernier and jusqu_au == dernier:
                mois.append(premier)
            else:
                _ajouter_intervalle(jours, jour, min(fin, jusqu_au))
                _ajouter_intervalle(bords, max(jour, jusqu_au + timedelta(days=1)), fin)
        jour = dernier + timedelta(days=1)
    return mois, jours, bords


def _en_date(valeur):
    """Un groupe lu sans les convertisseurs de Django (`_cellules_des_passages`) : un
    numéro de morceau, ou un mois (horodatage, ou texte sous SQLite) en date locale."""
    if isinstance(valeur, datetime):
        if timezone.is_aware(valeur):
            valeur = timezone.localtime(valeur)
        return valeur.date()
    if isinstance(valeur, str):
        return date.fromisoformat(valeur[:10])
    return valeur


def _cellules_des_passages(source: Source, qs, groupe) -> dict[tuple, Cellule]:
    """Les passages de `qs` réunis par (`groupe`, site, combinaison des axes de leurs
    motifs). En deux temps, dans une requête : chaque passage avec les axes de ses motifs
    (jointure aux motifs, groupée par passage), puis ces lignes groupées par cellule (une
    sous-requête par passage pour ses axes coûtait 0,03 ms par passage : 0,9 s pour un mois
    de passages)."""
    par_passage = (
        qs.annotate(g=groupe, s=F("site_id"), h=F("habitant_id"))
        .values("pk", "g", "s", "h")
        .annotate(a=Identifiants("motifs__axe_id", distinct=True))
        .order_by()
    )
    sql, params = par_passage.query.sql_with_params()
    if connection.vendor == "sqlite":
        ids = "GROUP_CONCAT(h, ',')"
    else:
        ids = "STRING_AGG(CAST(h AS TEXT), ',')"
    requete = (
        f"SELECT g, s, a, COUNT(*), {ids}, SUM(CASE WHEN h IS NULL THEN 1 ELSE 0 END) "
        f"FROM ({sql}) par_passage GROUP BY g, s, a"
    )
    cellules: dict[tuple, Cellule] = {}
    with connection.cursor() as curseur:
        curseur.execute(requete, params)
        for g, site, axes, n, personnes, anonymes in curseur.fetchall():
            foyers, poids = _ids_ponderes(personnes)
            cellule = Cellule(n, Decimal(anonymes or 0), [], [foyers], [poids])
            cle = (_en_date(g), site, "", source.normaliser(axes or ""))
            cellules.setdefault(cle, Cellule()).ajouter(cellule)
    return cellules


def _cellules_brutes(source: Source, qs, groupe) -> dict[tuple, Cellule]:
    """Les lignes de `qs` réunies par (`groupe`, site, axe, clé), en cellules."""
    if source.cellules is not None:
        return source.cellules(source, qs, groupe)
    if source.axe is None:
        return _cellules_des_passages(source, qs, groupe)
    mesures = {"n": Count("pk"), "f": Identifiants(source.effectif)}
    if source.element:
        mesures["e"] = Identifiants(source.element)
    if source.somme:
        mesures["s"] = Sum(source.somme)
    axe = (source.axe,) if source.axe else ()
    cellules: dict[tuple, Cellule] = {}
    for r in (
        qs.annotate(groupe=groupe)
        .values("groupe", source.site, *axe, *source.cles)
        .annotate(**mesures)
        .order_by()
    ):
        cle = source.normaliser("|".join(str(r[c]) for c in source.cles))
        if source.ponderee:
            foyers, poids = _ids_ponderes(r["f"])
        else:
            foyers, poids = _ids(r["f"]), None
        cellule = Cellule(
            r["n"],
            Decimal(r.get("s") or 0),
            [_ids(r["e"])] if source.element else [],
            [foyers],
            [poids] if source.ponderee else [],
        )
        cle = (r["groupe"], r[source.site], (r[source.axe] or "") if axe else "", cle)
        cellules.setdefault(cle, Cellule()).ajouter(cellule)
    return cellules


def _cellules_des_fenetres(lignes, decoupes, grossieres):
    """Les cellules agrégées `lignes` réunies par fenêtre (rang dans `decoupes` : ses mois
    entiers et les jours de ses mois partiels), site (None pour une fenêtre `grossieres`) et
    clé : (rang, site, clé, lignes, somme, éléments, foyers, poids, valeurs, nombre de
    cellules mises bout à bout). Une requête : les cellules jointes à la liste des intervalles de chaque
    fenêtre, groupées et mises bout à bout par PostgreSQL ; sous SQLite, qui ne met pas des
    octets bout à bout, une ligne par cellule et par fenêtre (réunies ensuite en Python)."""
    intervalles = []  # (rang, 1 : des jours / 0 : des mois entiers, début, fin, grossière)
    for i, (mois, jours, _) in enumerate(decoupes):
        g = 1 if i in grossieres else 0
        suites: list[list[date]] = []
        for m in sorted(mois):
            if suites and ajouter_mois(suites[-1][-1], 1) == m:
                suites[-1].append(m)
            else:
                suites.append([m])
        intervalles += [(i, 0, suite[0], suite[-1], g) for suite in suites]
        intervalles += [(i, 1, debut, fin, g) for debut, fin in jours]
    if not intervalles:
        return []
    sql, params = (
        lignes.values(
            "id",
            "mois",
            "jour",
            "site_id",
            "cle",
            "n",
            "somme",
            "elements",
            "foyers",
            "poids",
            "valeurs",
        )
        .order_by()
        .query.sql_with_params()
    )
    fenetres = " UNION ALL ".join(
        ["SELECT %s AS i, %s AS j, %s AS debut, %s AS fin, %s AS g"] * len(intervalles)
    )
    parametres = [v for intervalle in intervalles for v in intervalle]
    jointure = (
        f"FROM ({sql}) a JOIN ({fenetres}) w ON ("
        "(w.j = 0 AND a.jour IS NULL AND a.mois >= w.debut AND a.mois <= w.fin) OR "
        "(w.j = 1 AND a.jour >= w.debut AND a.jour <= w.fin))"
    )
    site = "CASE WHEN w.g = 1 THEN NULL ELSE a.site_id END"
    if connection.vendor == "postgresql":
        bout_a_bout = ", ".join(
            f"STRING_AGG(a.{champ}, ''::bytea ORDER BY a.id)"
            for champ in ("elements", "foyers", "poids", "valeurs")
        )
        requete = (
            f"SELECT w.i, {site}, a.cle, SUM(a.n), SUM(a.somme), {bout_a_bout}, COUNT(*) "
            f"{jointure} GROUP BY 1, 2, 3"
        )
    else:
        requete = (
            f"SELECT w.i, {site}, a.cle, a.n, a.somme, a.elements, a.foyers, a.poids, "
            f"a.valeurs, 1 {jointure}"
        )
    with connection.cursor() as curseur:
        curseur.execute(requete, [*params, *parametres])
        return curseur.fetchall()


def _morceaux(bords: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Les intervalles de jours `bords` (qui peuvent se chevaucher : la période et l'année
    d'avant) découpés en morceaux disjoints ; chaque bord est une réunion de morceaux."""
    # En jours ordinaux : le lendemain du 31/12/9999 n'est pas une date.
    jours = [(d.toordinal(), f.toordinal()) for d, f in bords]
    coupures = sorted({d for d, _ in jours} | {f + 1 for _, f in jours})
    return [
        (date.fromordinal(d), date.fromordinal(f - 1))
        for d, f in pairwise(coupures)
        if any(debut <= d and f - 1 <= fin for debut, fin in jours)
    ]


def lire(
    source: Source, filtre: Q, sites, axes, fenetres: list[Periode], grossieres=frozenset()
) -> tuple[list[Lecture], datetime | None]:
    """Les lignes de `source` de chacune des `fenetres`, par (site, axe, clé) : mois entiers
    agrégés + bords comptés sur les lignes (au plus trois requêtes). `filtre` : le filtre de
    site et d'axe des lignes brutes (les mêmes que `sites`, `axes` sur les agrégats). Rend
    aussi le plus ancien calcul des agrégats lus (None : aucun).

    Les cellules agrégées de chaque fenêtre sont réunies par la base, une ligne par fenêtre
    et par (site, clé) — l'axe n'est qu'un filtre —, et par clé seule pour les fenêtres
    `grossieres` (rangs dans `fenetres`), dont on ne lit que des totaux (tendances, un an
    avant) : quelques milliers de lignes à relire au lieu de dizaines de milliers de
    cellules mensuelles. Les lectures n'ont donc pas d'axe (clé (site, "", clé) ; site None
    dans une fenêtre grossière)."""
    agreges = _mois_agreges(source, fenetres)
    decoupes = [_decouper(p, agreges) for p in fenetres]
    lectures = [Lecture() for _ in fenetres]
    if axes and source.axe is None:  # axes dans la clé : une combinaison qui en a un
        voulus = set(axes)

        def garder(cle: str) -> bool:
            return not voulus.isdisjoint(cle.split(","))
    else:

        def garder(cle: str) -> bool:
            return True

    mois_lus = {m for mois, _, _ in decoupes for m in mois}
    morceaux_jours = _morceaux([j for _, js, _ in decoupes for j in js])
    if mois_lus or morceaux_jours:
        quels = Q(mois__in=mois_lus, jour__isnull=True)
        for debut, fin in morceaux_jours:
            quels |= Q(jour__gte=debut, jour__lte=fin)
        lignes = AgregatMensuel.objects.filter(quels, source=source.nom)
        if sites is not None:
            lignes = lignes.filter(site_id__in=sites)
        if axes and source.axe is not None:
            lignes = lignes.filter(axe__in=axes)
        for i, site, cle, nb, total, el, fo, po, va, _ in _cellules_des_fenetres(
            lignes, decoupes, grossieres
        ):
            if not garder(cle):
                continue
            # Des cellules mises bout à bout : des doublons, laissés tels quels (les comptes
            # — `taille_de_la_reunion`, `reunion`, `reunion_ponderee` — les réunissent ;
            # les ôter ici, ligne par ligne, coûtait plus : mesuré).
            elements, foyers = depuis_octets(el), depuis_octets(fo)
            poids = depuis_octets(po) if source.ponderee else None
            if not isinstance(total, Decimal):  # SQLite : un nombre
                total = Decimal(str(total or 0)).quantize(Decimal("0.01"))
            valeurs = [valeurs_depuis_octets(va)] if va else []
            lectures[i].ajouter(
                (site, "", cle),
                Cellule(
                    nb,
                    total,
                    [elements],
                    [foyers],
                    [poids] if source.ponderee else [],
                    valeurs,
                ),
            )

    bords = _morceaux([b for _, _, bs in decoupes for b in bs])
    if bords:
        dans = Q()
        for debut, fin in bords:
            dans |= source.dans(debut, fin)
        segment = Case(
            *(When(source.dans(d, f), then=Value(i)) for i, (d, f) in enumerate(bords)),
            output_field=IntegerField(),
        )
        brutes = _cellules_brutes(source, source.lignes().filter(dans, filtre), segment)
        for lecture, (_, _, bs) in zip(lectures, decoupes, strict=True):
            dedans = {
                i
                for i, (d, f) in enumerate(bords)
                if any(debut <= d and f <= fin for debut, fin in bs)
            }
            for (g, site, _, cle), c in brutes.items():
                if g in dedans and garder(cle):
                    lecture.ajouter((site, "", cle), c)
    lus = [calcule_le for calcule_le, _ in agreges.values()]
    return lectures, min(lus) if lus else None


# --- Calcul des agrégats ---------------------------------------------------------------------


def agreger(debut: date | None = None, fin: date | None = None, sources=SOURCES) -> int:
    """(Re)calcule les agrégats des mois de `debut` à `fin` (par défaut : du premier mois
    permis au mois en cours, dont seuls les jours passés sont agrégés), pour chaque source,
    en une transaction par source. Rend le nombre de mois agrégés par source."""
    dernier = _mois_en_cours_agregeable()
    premier = max(debut_du_mois(debut), PREMIER_MOIS) if debut else PREMIER_MOIS
    fin = min(debut_du_mois(fin), dernier) if fin else dernier
    mois = _mois_de(premier, fin)
    for source in sources:
        _agreger_mois(source, mois)
    return len(mois)


def _mois_en_cours_agregeable() -> date:
    """Le dernier mois qui a des jours passés : le mois en cours, sauf son premier jour."""
    hier = timezone.localdate() - timedelta(days=1)
    return debut_du_mois(hier)


def _mois_de(premier: date, dernier: date) -> list[date]:
    mois = []
    while premier <= dernier:
        mois.append(premier)
        premier = ajouter_mois(premier, 1)
    return mois


def mois_a_refaire(source: Source, mois_recents: int) -> list[date]:
    """Les mois de `source` que le calcul de nuit refait : le mois en cours (ses jours
    passés), ceux qui ne sont pas encore agrégés en entier (le mois qui vient de se clore, un
    mois jamais calculé), les `mois_recents` derniers mois clos, et ceux d'une ligne écrite
    depuis le dernier calcul de la source (intervention ou passage saisi après coup,
    signalement qui a changé ou changé d'état ; `Source.touche`)."""
    en_cours = debut_du_mois(timezone.localdate())
    dernier = _mois_en_cours_agregeable()
    tous = _mois_de(PREMIER_MOIS, dernier)
    calcules = {
        mois: (calcule_le, jusqu_au)
        for mois, calcule_le, jusqu_au in MoisAgrege.objects.filter(source=source.nom).values_list(
            "mois", "calcule_le", "jusqu_au"
        )
    }
    refaire = {m for m in tous if m not in calcules or calcules[m][1] is not None}
    clos = [m for m in tous if m < en_cours]
    refaire |= set(clos[len(clos) - mois_recents :] if mois_recents > 0 else ())
    if calcules and source.touche:
        # Le début du dernier calcul de la source.
        depuis = max(calcule_le for calcule_le, _ in calcules.values())
        ecrites = Q()
        for champ in source.touche:
            ecrites |= Q(**{f"{champ}__gte": depuis})
        tz = timezone.get_current_timezone()
        mois_de = TruncMonth(source.date, tzinfo=tz) if source.horodate else TruncMonth(source.date)
        for m in (
            source.lignes()
            .filter(ecrites)
            .annotate(m=mois_de)
            .values_list("m", flat=True)
            .distinct()
            .order_by()
        ):
            m = debut_du_mois(_en_date(m))
            if PREMIER_MOIS <= m <= dernier:
                refaire.add(m)
    return sorted(refaire)


def agreger_la_nuit(mois_recents: int | None = None) -> dict[str, int]:
    """Le calcul de nuit, incrémental : pour chaque source, seulement `mois_a_refaire`
    (`mois_recents` : réglage `PILOTAGE_MOIS_REAGREGES`). Rend le nombre de mois refaits par
    source. Le résultat est celui d'`agreger()` complet (testé), sauf pour ce qu'aucun
    horodatage ne dit : une ligne supprimée, un foyer qui change de site, une prestation qui
    change d'axe dans un mois plus ancien — rattrapés par l'agrégation complète du
    `PILOTAGE_AGREGATION_COMPLETE_LE` (jour de la semaine) ou « Recalculer maintenant »."""
    if mois_recents is None:
        mois_recents = settings.PILOTAGE_MOIS_REAGREGES
    refaits = {}
    for source in SOURCES:
        mois = mois_a_refaire(source, mois_recents)
        refaits[source.nom] = _agreger_mois(source, mois)
    return refaits


def _agreger_mois(source: Source, mois: list[date]) -> int:
    """(Re)calcule les agrégats de `source` pour les `mois` (clos ; le mois en cours : ses
    jours passés, sans cellule du mois entier), en une transaction."""
    if not mois:
        return 0
    # Le début du calcul : une ligne écrite pendant le calcul sera vue par le suivant.
    maintenant = timezone.now()
    tz = timezone.get_current_timezone()
    hier = timezone.localtime(maintenant).date() - timedelta(days=1)
    en_cours = debut_du_mois(hier) if hier.day < fin_du_mois(hier).day else None
    # Les mois à refaire, par suites de mois consécutifs (une condition par suite).
    suites: list[list[date]] = []
    for m in sorted(mois):
        if suites and ajouter_mois(suites[-1][-1], 1) == m:
            suites[-1].append(m)
        else:
            suites.append([m])
    dans = Q()
    for suite in suites:
        dans |= source.dans(suite[0], min(fin_du_mois(suite[-1]), hier))
    # Par jour (les bords des périodes), puis chaque mois clos réuni de ses jours.
    par_jour = TruncDate(source.date, tzinfo=tz) if source.horodate else F(source.date)
    jours = _cellules_brutes(source, source.lignes().filter(dans), par_jour)
    par_mois: dict[tuple, Cellule] = {}
    for (jour, *cle), c in jours.items():
        mois_de = debut_du_mois(_en_date(jour))
        if mois_de != en_cours:
            par_mois.setdefault((mois_de, *cle), Cellule()).ajouter(c)
    lignes = [
        _agregat(source, mois_de, None, site, axe, cle, c)
        for (mois_de, site, axe, cle), c in par_mois.items()
    ] + [
        _agregat(source, debut_du_mois(_en_date(jour)), _en_date(jour), site, axe, cle, c)
        for (jour, site, axe, cle), c in jours.items()
    ]
    with transaction.atomic():
        AgregatMensuel.objects.filter(source=source.nom, mois__in=mois).delete()
        AgregatMensuel.objects.bulk_create(lignes, batch_size=2000)
        MoisAgrege.objects.filter(source=source.nom, mois__in=mois).delete()
        MoisAgrege.objects.bulk_create(
            [
                MoisAgrege(
                    source=source.nom,
                    mois=m,
                    calcule_le=maintenant,
                    jusqu_au=hier if m == en_cours else None,
                )
                for m in mois
            ]
        )
    return len(mois)


def _agregat(source: Source, mois: date, jour: date | None, site, axe, cle, c: Cellule):
    if source.ponderee:
        foyers, poids = c.ponderes()
    else:
        foyers, poids = reunion(c.foyers), None
    return AgregatMensuel(
        source=source.nom,
        mois=mois,
        jour=jour,
        site_id=site,
        axe=axe,
        cle=cle,
        n=c.n,
        somme=c.somme,
        elements=en_octets(reunion(c.elements)),
        foyers=en_octets(foyers),
        poids=en_octets(poids) if poids is not None else b"",
        valeurs=valeurs_en_octets(c.valeurs),
    )


def agreges_le(fenetres: list[Periode]) -> datetime | None:
    """Le plus ancien calcul des mois agrégés que lisent ces fenêtres (None : aucun)."""
    voulus = {m for p in fenetres for m in _mois_touches(p)}
    if not voulus:
        return None
    return (
        MoisAgrege.objects.filter(mois__in=voulus)
        .order_by("calcule_le")
        .values_list("calcule_le", flat=True)
        .first()
    )
