"""Les indicateurs du tableau de bord : des agrégats calculés par la base, en un nombre de
requêtes qui ne dépend pas du volume (épinglé dans les tests), jamais des boucles Python sur
les lignes. Aucune donnée nominative ne sort d'ici : des nombres, et l'effectif de personnes
ou de foyers distincts derrière chacun (règle des petits effectifs, voir tableaux.py).

Filtres communs (`Filtres`) : une période (dates locales), des sites, des axes.
- Passages : date et site du passage ; axe par les motifs du passage.
- Accompagnements : site du foyer ; ouverts (date d'ouverture dans la période), actifs
  (ouverts avant la fin, pas clos avant le début), clos (date de clôture dans la période).
- Interventions, orientations : leur date ; site du foyer et axe de l'accompagnement.
- Séances d'actions collectives (axe participation) : leur date et leur lieu.
- Non-recours : signalements repérés dans la période (site du foyer, axe de la prestation) ;
  traités, demandes déposées, droits ouverts, refus : changements d'état faits dans la période ;
  « montant de droits ouverts » : montant mensuel estimé des signalements passés à « droit
  ouvert » dans la période.
Les tranches d'âge sont prises à la fin de la période.
"""

import threading
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accompagnement.enums import MotifCloture, StatutOrientation, TypeIntervention
from accompagnement.models import Accompagnement, Intervention, Orientation, Seance
from ccas_portal.models import Site
from ccas_portal.periodes import MOIS, Periode
from ccas_portal.petits_effectifs import Chiffre, compte
from ccas_portal.pilotage import agregats
from ccas_portal.pilotage.agregats import (
    CHANGEMENTS,
    INTERVENTIONS,
    PASSAGES,
    SIGNALEMENTS,
    Identifiants,
)
from ccas_portal.pilotage.tableaux import Tableau
from droits.axes import AXES
from droits.axes.base import ans_avant
from droits.enums import EtatSignalement
from droits.models import ChangementSignalement, Prestation, PrestationFoyer, Signalement
from habitants.models import Habitant, MembreFoyer, Passage

TRANCHES = (
    ("moins_25", "Moins de 25 ans"),
    ("25_59", "25 à 59 ans"),
    ("60_74", "60 à 74 ans"),
    ("75_plus", "75 ans et plus"),
    ("inconnu", "Anonyme ou âge inconnu"),
)
#: Un signalement est traité quand un travailleur social a agi : le passer « à traiter » n'est
#: que le mettre dans sa liste.
ETATS_TRAITES = (
    EtatSignalement.CONTACTE,
    EtatSignalement.DEMANDE_DEPOSEE,
    EtatSignalement.DROIT_OUVERT,
    EtatSignalement.NON_ELIGIBLE,
    EtatSignalement.REFUS,
)


@dataclass(frozen=True)
class Filtres:
    periode: Periode
    sites: tuple[int, ...] = ()  # vide : tous les sites permis
    axes: tuple[str, ...] = ()  # vide : tous les axes
    sites_permis: tuple[int, ...] | None = None  # None : tous

    def avec_periode(self, periode: Periode) -> "Filtres":
        return Filtres(periode, self.sites, self.axes, self.sites_permis)

    @property
    def sites_effectifs(self) -> tuple[int, ...] | None:
        """Les sites à retenir (None : aucun filtre de site)."""
        if self.sites:
            return self.sites
        return self.sites_permis

    def par_site(self, champ: str) -> Q:
        sites = self.sites_effectifs
        return Q() if sites is None else Q(**{f"{champ}__in": sites})

    def par_axe(self, champ: str) -> Q:
        return Q(**{f"{champ}__in": self.axes}) if self.axes else Q()

    def dans_periode(self, champ: str, *, horodate: bool = False) -> Q:
        return _dans(champ, self.periode, horodate=horodate)


def tranche_d_age(champ: str, reference: date) -> Case:
    """La tranche d'âge (code de TRANCHES) d'une date de naissance, à la date `reference`."""
    return Case(
        When(**{f"{champ}__isnull": True}, then=Value("inconnu")),
        When(**{f"{champ}__gt": ans_avant(reference, 25)}, then=Value("moins_25")),
        When(**{f"{champ}__gt": ans_avant(reference, 60)}, then=Value("25_59")),
        When(**{f"{champ}__gt": ans_avant(reference, 75)}, then=Value("60_74")),
        default=Value("75_plus"),
        output_field=CharField(),
    )


# --- Ensembles filtrés -------------------------------------------------------------------


def passages(f: Filtres, *, periodes: list[Periode] | None = None):
    """Les passages des filtres (ou de l'une des `periodes`, pour un calcul groupé)."""
    quand = _dans_l_une("date_heure", periodes or [f.periode], horodate=True)
    qs = Passage.objects.filter(quand, f.par_site("site"))
    if f.axes:
        # EXISTS plutôt que IN : un site choisi sonde les motifs de ses seuls passages (index
        # du passage dans la table des motifs) au lieu de hacher tous les passages de l'axe.
        qs = qs.filter(
            Exists(
                Passage.motifs.through.objects.filter(
                    passage_id=OuterRef("pk"), motif__axe_id__in=f.axes
                )
            )
        )
    return qs


def accompagnements(f: Filtres):
    return Accompagnement.objects.filter(f.par_site("foyer__site"), f.par_axe("axe"))


def accompagnements_actifs(f: Filtres):
    p = f.periode
    return accompagnements(f).filter(
        Q(date_cloture__isnull=True) | Q(date_cloture__gte=p.debut), date_ouverture__lte=p.fin
    )


def interventions(f: Filtres, *, periodes: list[Periode] | None = None):
    return Intervention.objects.filter(
        _dans_l_une("date", periodes or [f.periode]),
        f.par_site("accompagnement__foyer__site"),
        f.par_axe("accompagnement__axe"),
    )


def orientations(f: Filtres, *, periodes: list[Periode] | None = None):
    return Orientation.objects.filter(
        _dans_l_une("date", periodes or [f.periode]),
        f.par_site("accompagnement__foyer__site"),
        f.par_axe("accompagnement__axe"),
    )


def seances(f: Filtres):
    if f.axes and "participation" not in f.axes:
        return Seance.objects.none()
    return Seance.objects.filter(f.dans_periode("date"), f.par_site("site"))


def participations(f: Filtres, *, par_site: bool = False) -> dict:
    """{site (None : tous) : (séances, participations)} ; participations = personnes inscrites
    distinctes + participants non inscrits (deux requêtes : la somme des non-inscrits ne doit
    pas être multipliée par la jointure des inscrits)."""
    mesures = {"n": Count("pk", distinct=True), "inscrits": Count("participants", distinct=True)}
    somme = {"anonymes": Coalesce(Sum("participants_anonymes"), 0)}
    if par_site:
        inscrits = list(seances(f).values("site").annotate(**mesures))
        anonymes = {r["site"]: r["anonymes"] for r in seances(f).values("site").annotate(**somme)}
    else:
        inscrits = [{"site": None, **seances(f).aggregate(**mesures)}]
        anonymes = {None: seances(f).aggregate(**somme)["anonymes"]}
    resultat = {}
    for r in inscrits:
        if par_site or r["n"]:
            participants = r["inscrits"] + anonymes.get(r["site"], 0)
            resultat[r["site"]] = (compte(r["n"], participants), compte(participants))
    return resultat


def signalements(f: Filtres):
    return Signalement.objects.filter(f.par_site("foyer__site"), f.par_axe("prestation__axe"))


def changements_signalements(f: Filtres, *, periodes: list[Periode] | None = None):
    return ChangementSignalement.objects.filter(
        _dans_l_une("le", periodes or [f.periode], horodate=True),
        f.par_site("signalement__foyer__site"),
        f.par_axe("signalement__prestation__axe"),
    )


# --- Lectures des agrégats mensuels --------------------------------------------------------

#: Passages, interventions, signalements repérés et changements d'état sont lus dans les
#: agrégats mensuels (agregats.py : mois clos agrégés + bords comptés sur les lignes, réunis
#: par ensembles d'identifiants), sauf dans `lectures_de_la_page(…, sur_les_lignes=True)` :
#: tout compté en SQL sur les lignes, comme avant les agrégats (« Recalculer maintenant », et
#: le calcul de référence des tests d'égalité). Les foyers reçus et les tranches d'âge sont
#: déduits des ensembles de personnes reçues (appartenances et dates de naissance lues une
#: fois, en identifiants), sans relire les passages.


def lire(source: agregats.Source, f: Filtres, fenetres: list[Periode]) -> list[agregats.Lecture]:
    """Les lignes de `source` des filtres (sites, axes) pour chacune des `fenetres` ; pendant
    le calcul d'une page (`lectures_de_la_page`), une seule lecture par source et par filtres
    pour toutes les fenêtres de la page, partagée par ses tableaux."""
    page = _PAGE.get()
    if page is not None:
        lectures = page.lire(source, f, fenetres)
        if lectures is not None:
            return lectures
    return _lire(source, f, fenetres)


def _lire(
    source: agregats.Source, f: Filtres, fenetres: list[Periode], grossieres=frozenset()
) -> list[agregats.Lecture]:
    # Axes dans la clé (passages) : filtrés sur la combinaison des axes, par agregats.lire.
    filtre = f.par_site(source.site) & (f.par_axe(source.axe) if source.axe else Q())
    return agregats.lire(source, filtre, f.sites_effectifs, f.axes, fenetres, grossieres)[0]


class _LecturesDeLaPage:
    """Les lectures des agrégats d'une page, faites une fois (la première demande ; les
    autres fils attendent son résultat) pour toutes ses fenêtres : la période, l'année
    d'avant et les douze mois des tendances."""

    def __init__(self, f: Filtres):
        p = f.periode
        mois = p.douze_mois().mois_couverts()
        self.fenetres = [p, p.un_an_avant(), *(Periode.mois(m) for m in mois)]
        # La période d'abord, si un mois des tendances est la période elle-même : elle seule
        # est lue par site et par clé ; des autres fenêtres, on ne lit que des totaux.
        self.rangs: dict[tuple, int] = {}
        for i, w in enumerate(self.fenetres):
            self.rangs.setdefault((w.debut, w.fin), i)
        self.verrou = threading.Lock()
        self.lues: dict[tuple, Future] = {}

    def lire(self, source, f: Filtres, fenetres: list[Periode]):
        if any((w.debut, w.fin) not in self.rangs for w in fenetres):
            return None
        cle = (source.nom, f.sites_effectifs, f.axes)
        with self.verrou:
            futur = self.lues.get(cle)
            premier = futur is None
            if premier:
                futur = self.lues[cle] = Future()
        if premier:
            try:
                grossieres = frozenset(range(1, len(self.fenetres)))
                futur.set_result(_lire(source, f, self.fenetres, grossieres))
            except BaseException as erreur:
                futur.set_exception(erreur)
                raise
        lectures = futur.result()
        return [lectures[self.rangs[(w.debut, w.fin)]] for w in fenetres]


_PAGE: ContextVar[_LecturesDeLaPage | None] = ContextVar("lectures_de_la_page", default=None)
_SUR_LES_LIGNES: ContextVar[bool] = ContextVar("sur_les_lignes", default=False)


def avec_agregats() -> bool:
    """Lire les agrégats mensuels (sinon : tout compter sur les lignes)."""
    return not _SUR_LES_LIGNES.get()


@contextmanager
def lectures_de_la_page(f: Filtres, *, sur_les_lignes: bool = False):
    """Le calcul d'une page : ses tableaux partagent leurs lectures des agrégats ;
    `sur_les_lignes` : tout compter sur les lignes, sans les agrégats (« Recalculer
    maintenant » : les chiffres des données du moment, mois clos compris)."""
    jetons = _PAGE.set(_LecturesDeLaPage(f)), _SUR_LES_LIGNES.set(sur_les_lignes)
    try:
        yield
    finally:
        _PAGE.reset(jetons[0])
        _SUR_LES_LIGNES.reset(jetons[1])


def _etat(etats):
    """Garde les cellules des changements vers l'un des `etats` (clé « état|prestation »)."""
    return lambda cle: cle.split("|")[0] in etats


def _par_mois(source: agregats.Source, g: Filtres, chiffre, garder=lambda cle: True) -> dict:
    """{premier du mois: Chiffre} des mois de `g` qui ont des lignes (comme `par_mois`)."""
    mois = g.periode.mois_couverts()
    resultat = {}
    for premier, lecture in zip(
        mois, lire(source, g, [Periode.mois(m) for m in mois]), strict=True
    ):
        c = lecture.total(garder)
        if c.n:
            resultat[premier] = chiffre(c)
    return resultat


def foyers_des_personnes(personnes: list[np.ndarray], periodes: list[Periode]) -> list[int]:
    """Pour chaque période, le nombre de foyers dont l'une des `personnes` (identifiants
    triés) était membre pendant la période (comme les foyers reçus comptés sur les lignes).
    Une requête : les appartenances de ces personnes qui chevauchent l'une des périodes, en
    identifiants (personne × 2³² + foyer) groupés par les périodes qu'elles chevauchent."""

    def chevauche(per: Periode) -> Q:
        return Q(date_debut__lte=per.fin) & (Q(date_fin__isnull=True) | Q(date_fin__gte=per.debut))

    une = Q()
    for per in periodes:
        une |= chevauche(per)
    rangs = sum(
        (
            Case(When(chevauche(per), then=Value(1 << i)), default=Value(0))
            for i, per in enumerate(periodes)
        ),
        Value(0),
    )
    toutes = agregats.reunion(list(personnes))
    couples = (
        MembreFoyer.objects.filter(une, agregats.parmi("habitant_id", toutes))
        .annotate(rangs=rangs)
        .values("rangs")
        .annotate(ids=Identifiants(F("habitant_id") * (1 << 32) + F("foyer_id")))
        .order_by()
    )
    foyers: list[list[np.ndarray]] = [[] for _ in periodes]
    for r in couples:
        codes = agregats.entiers(r["ids"])
        for i, vues in enumerate(personnes):
            if r["rangs"] & (1 << i) and vues.size:
                dedans = np.isin(codes >> 32, vues)
                foyers[i].append(codes[dedans] & 0xFFFFFFFF)
    return [np.unique(np.concatenate(f)).size if f else 0 for f in foyers]


def personnes_par_tranche(fin: date, personnes: np.ndarray) -> dict[str, np.ndarray]:
    """{tranche d'âge au `fin` : identifiants triés} des `personnes` dont la date de
    naissance est connue (une requête ; les autres sont « âge inconnu »)."""
    return {
        r["tranche"]: np.unique(agregats.entiers(r["ids"], np.uint32))
        for r in Habitant.objects.filter(
            agregats.parmi("pk", personnes), date_naissance__isnull=False
        )
        .annotate(tranche=tranche_d_age("date_naissance", fin))
        .values("tranche")
        .annotate(ids=Identifiants("pk"))
        .order_by()
    }


# --- Chiffres clés (une requête par famille, pour la période et l'année d'avant) -------------


def _dans(champ: str, p: Periode, *, horodate: bool = False) -> Q:
    if horodate:
        return Q(**{f"{champ}__gte": p.debut_horodate, f"{champ}__lt": p.fin_horodate})
    return Q(**{f"{champ}__gte": p.debut, f"{champ}__lte": p.fin})


def _dans_l_une(champ: str, periodes: list[Periode], *, horodate: bool = False) -> Q:
    q = Q()
    for p in periodes:
        q |= _dans(champ, p, horodate=horodate)
    return q


def chiffres_cles(f: Filtres) -> dict[str, Chiffre]:
    """Les chiffres de tête de la vue d'ensemble."""
    return chiffres_cles_sur(f, [f.periode])[0]


def chiffres_cles_sur(f: Filtres, periodes: list[Periode]) -> list[dict[str, Chiffre]]:
    """Les chiffres de tête pour chacune des `periodes` (la période et la même un an avant),
    calculés ensemble : une requête par famille de chiffres, chaque période comptée par
    agrégation conditionnelle (`FILTER`) sur les lignes de l'une ou l'autre — la table n'est
    parcourue qu'une fois."""
    requetes, assembler = preparer_chiffres_cles(f, periodes)
    return assembler({nom: requete() for nom, requete in requetes.items()})


def preparer_chiffres_cles(f: Filtres, periodes: list[Periode]):
    """Les requêtes des chiffres clés (famille → fonction sans argument, indépendantes : elles
    peuvent être menées en même temps) et la fonction qui assemble leurs résultats."""
    rangs = list(enumerate(periodes))
    tout = Filtres(periodes[0], f.sites, f.axes, f.sites_permis)
    requetes = {}
    passages_sur_les_lignes = lambda: passages(tout, periodes=periodes).aggregate(  # noqa: E731
        **{
            f"{mesure}_{i}": agregat
            for i, per in rangs
            for mesure, agregat in (
                ("total", Count("pk", filter=_dans("date_heure", per, horodate=True))),
                (
                    "anonymes",
                    Count(
                        "pk",
                        filter=_dans("date_heure", per, horodate=True) & Q(habitant__isnull=True),
                    ),
                ),
                (
                    "personnes",
                    Count(
                        "habitant",
                        distinct=True,
                        filter=_dans("date_heure", per, horodate=True),
                    ),
                ),
            )
        }
    )

    # Foyers reçus : les foyers dont une personne reçue était membre pendant la période (une
    # jointure des passages aux appartenances, les deux périodes en un parcours).
    def vu_membre(per: Periode) -> Q:
        return (
            _dans("date_heure", per, horodate=True)
            & Q(habitant__appartenances__date_debut__lte=per.fin)
            & (
                Q(habitant__appartenances__date_fin__isnull=True)
                | Q(habitant__appartenances__date_fin__gte=per.debut)
            )
        )

    foyers_vus_sur_les_lignes = lambda: (  # noqa: E731
        passages(tout, periodes=periodes)
        .filter(habitant__isnull=False)
        .aggregate(
            **{
                f"foyers_{i}": Count(
                    "habitant__appartenances__foyer", distinct=True, filter=vu_membre(per)
                )
                for i, per in rangs
            }
        )
    )

    def passages_cles():
        if not avec_agregats():
            return passages_sur_les_lignes()
        resultat = {}
        for i, lecture in enumerate(lire(PASSAGES, tout, periodes)):
            c = lecture.total()
            resultat |= {
                f"total_{i}": c.n,
                f"anonymes_{i}": int(c.somme),
                f"personnes_{i}": c.effectif,
            }
        return resultat

    def foyers_vus():
        if not avec_agregats():
            return foyers_vus_sur_les_lignes()
        lectures = lire(PASSAGES, tout, periodes)
        personnes = [agregats.reunion(lecture.total().foyers) for lecture in lectures]
        return {f"foyers_{i}": n for i, n in enumerate(foyers_des_personnes(personnes, periodes))}

    requetes["passages"] = passages_cles
    requetes["foyers_vus"] = foyers_vus

    def actif(per: Periode) -> Q:
        return (Q(date_cloture__isnull=True) | Q(date_cloture__gte=per.debut)) & Q(
            date_ouverture__lte=per.fin
        )

    actifs = Q()
    for _, per in rangs:
        actifs |= actif(per)
    requetes["accompagnements"] = lambda: (
        accompagnements(f)
        .filter(actifs)
        .aggregate(
            **{
                f"{mesure}_{i}": agregat
                for i, per in rangs
                for mesure, agregat in (
                    ("actifs", Count("pk", filter=actif(per))),
                    ("foyers_actifs", Count("foyer", distinct=True, filter=actif(per))),
                    ("ouverts", Count("pk", filter=_dans("date_ouverture", per))),
                    (
                        "foyers_ouverts",
                        Count("foyer", distinct=True, filter=_dans("date_ouverture", per)),
                    ),
                    ("clos", Count("pk", filter=_dans("date_cloture", per))),
                    (
                        "foyers_clos",
                        Count("foyer", distinct=True, filter=_dans("date_cloture", per)),
                    ),
                )
            }
        )
    )

    def interventions_cles():
        if not avec_agregats():
            return interventions_sur_les_lignes()
        resultat = {}
        for i, lecture in enumerate(lire(INTERVENTIONS, tout, periodes)):
            c = lecture.total()
            resultat |= {f"total_{i}": c.n, f"minutes_{i}": int(c.somme), f"foyers_{i}": c.effectif}
        return resultat

    requetes["interventions"] = interventions_cles

    def interventions_sur_les_lignes():
        return interventions(tout, periodes=periodes).aggregate(
            **{
                f"{mesure}_{i}": agregat
                for i, per in rangs
                for mesure, agregat in (
                    ("total", Count("pk", filter=_dans("date", per))),
                    ("minutes", Coalesce(Sum("duree_minutes", filter=_dans("date", per)), 0)),
                    (
                        "foyers",
                        Count("accompagnement__foyer", distinct=True, filter=_dans("date", per)),
                    ),
                )
            }
        )

    requetes["orientations"] = lambda: orientations(tout, periodes=periodes).aggregate(
        **{
            f"{mesure}_{i}": agregat
            for i, per in rangs
            for mesure, agregat in (
                ("total", Count("pk", filter=_dans("date", per))),
                (
                    "foyers",
                    Count("accompagnement__foyer", distinct=True, filter=_dans("date", per)),
                ),
            )
        }
    )
    requetes["non_recours"] = lambda: non_recours_sur(tout, periodes)
    requetes["seances"] = lambda: [
        participations(tout.avec_periode(per)).get(None, (compte(0), compte(0))) for _, per in rangs
    ]

    def assembler(r: dict) -> list[dict[str, Chiffre]]:
        p, foyers_vus, a = r["passages"], r["foyers_vus"], r["accompagnements"]
        interv, o, nr = r["interventions"], r["orientations"], r["non_recours"]
        resultats = []
        for i, _ in rangs:
            nb_seances, participants = r["seances"][i]
            resultats.append(
                {
                    "passages": compte(p[f"total_{i}"], p[f"personnes_{i}"] + p[f"anonymes_{i}"]),
                    "passages_anonymes": compte(p[f"anonymes_{i}"]),
                    "personnes_vues": compte(p[f"personnes_{i}"]),
                    "foyers_vus": compte(foyers_vus[f"foyers_{i}"]),
                    "accompagnements_ouverts": compte(a[f"ouverts_{i}"], a[f"foyers_ouverts_{i}"]),
                    "accompagnements_actifs": compte(a[f"actifs_{i}"], a[f"foyers_actifs_{i}"]),
                    "accompagnements_clos": compte(a[f"clos_{i}"], a[f"foyers_clos_{i}"]),
                    "interventions": compte(interv[f"total_{i}"], interv[f"foyers_{i}"]),
                    "heures_interventions": Chiffre(
                        interv[f"minutes_{i}"] / 60, interv[f"foyers_{i}"], "h"
                    ),
                    "orientations": compte(o[f"total_{i}"], o[f"foyers_{i}"]),
                    "seances": nb_seances,
                    "participants": participants,
                    **nr[i],
                }
            )
        return resultats

    return requetes, assembler


LIBELLES_CLES = {
    "passages": "Passages à l'accueil",
    "passages_anonymes": "dont passages anonymes",
    "personnes_vues": "Personnes reçues",
    "foyers_vus": "Foyers reçus",
    "accompagnements_ouverts": "Accompagnements ouverts",
    "accompagnements_actifs": "Accompagnements actifs",
    "accompagnements_clos": "Accompagnements clos",
    "interventions": "Interventions",
    "heures_interventions": "Temps d'intervention",
    "orientations": "Orientations vers un partenaire",
    "seances": "Séances d'actions collectives",
    "participants": "Participations aux actions collectives",
    "detectes": "Droits probables repérés (signalements)",
    "traites": "Signalements traités",
    "demandes": "Demandes déposées",
    "droits_ouverts": "Droits ouverts",
    "refus": "Non éligibles ou refus de la personne",
    "montant_droits_ouverts": "Montant de droits ouverts (mensuel estimé)",
}


def non_recours_agrege(f: Filtres) -> dict[str, Chiffre]:
    """La chaîne du non-recours : repérés, traités, demandes, droits ouverts, refus, montant."""
    return non_recours_sur(f, [f.periode])[0]


def non_recours_sur(f: Filtres, periodes: list[Periode]) -> list[dict[str, Chiffre]]:
    """La chaîne du non-recours pour chacune des périodes (trois requêtes en tout)."""
    rangs = list(enumerate(periodes))
    familles = {
        "traites": ETATS_TRAITES,
        "demandes": (EtatSignalement.DEMANDE_DEPOSEE,),
        "ouverts": (EtatSignalement.DROIT_OUVERT,),
        "refus": (EtatSignalement.NON_ELIGIBLE, EtatSignalement.REFUS),
    }
    if avec_agregats():
        d, agg = {}, {}
        for i, lecture in enumerate(lire(SIGNALEMENTS, f, periodes)):
            c = lecture.total()
            d |= {f"n_{i}": c.n, f"foyers_{i}": c.effectif}
        for i, lecture in enumerate(lire(CHANGEMENTS, f, periodes)):
            for nom, etats in familles.items():
                c = lecture.total(_etat(etats))
                agg |= {nom + f"_{i}": c.distincts, f"foyers_{nom}_{i}": c.effectif}
            agg[f"m_{i}"] = lecture.total(_etat((EtatSignalement.DROIT_OUVERT,))).somme
    else:
        d, agg = _non_recours_sql(f, periodes, familles)
    return [
        {
            "detectes": compte(d[f"n_{i}"], d[f"foyers_{i}"]),
            "traites": compte(agg[f"traites_{i}"], agg[f"foyers_traites_{i}"]),
            "demandes": compte(agg[f"demandes_{i}"], agg[f"foyers_demandes_{i}"]),
            "droits_ouverts": compte(agg[f"ouverts_{i}"], agg[f"foyers_ouverts_{i}"]),
            "refus": compte(agg[f"refus_{i}"], agg[f"foyers_refus_{i}"]),
            "montant_droits_ouverts": Chiffre(m, agg[f"foyers_ouverts_{i}"], "€"),
        }
        for i, m in ((i, agg[f"m_{i}"]) for i, _ in rangs)
    ]


def _non_recours_sql(f: Filtres, periodes: list[Periode], familles: dict) -> tuple[dict, dict]:
    rangs = list(enumerate(periodes))
    d = (
        signalements(f)
        .filter(_dans_l_une("cree_le", periodes, horodate=True))
        .aggregate(
            **{
                f"{mesure}_{i}": agregat
                for i, per in rangs
                for mesure, agregat in (
                    ("n", Count("pk", filter=_dans("cree_le", per, horodate=True))),
                    (
                        "foyers",
                        Count("foyer", distinct=True, filter=_dans("cree_le", per, horodate=True)),
                    ),
                )
            }
        )
    )
    # Seuls les changements vers un état de traitement comptent (pas la création « nouveau »).
    c = changements_signalements(f, periodes=periodes).filter(nouveau__in=ETATS_TRAITES)
    champ_montant = Signalement._meta.get_field("montant_estime")
    agg = c.aggregate(
        **{
            f"{prefixe}{nom}_{i}": Count(
                champ,
                distinct=True,
                filter=Q(nouveau__in=etats) & _dans("le", per, horodate=True),
            )
            for i, per in rangs
            for nom, etats in familles.items()
            for prefixe, champ in (("", "signalement"), ("foyers_", "signalement__foyer"))
        },
        # Un signalement clos ne change plus (droits/services.py) : il passe au plus une fois
        # à « droit ouvert », son montant n'est compté qu'une fois.
        **{
            f"m_{i}": Coalesce(
                Sum(
                    "signalement__montant_estime",
                    filter=Q(nouveau=EtatSignalement.DROIT_OUVERT)
                    & _dans("le", per, horodate=True),
                ),
                0,
                output_field=champ_montant,
            )
            for i, per in rangs
        },
    )
    return d, agg


# --- Tableaux de la vue d'ensemble -----------------------------------------------------------


def _libelles_types_intervention() -> dict[str, str]:
    libelles = dict(TypeIntervention.choices)
    for axe in AXES.values():
        libelles.update(dict(axe.types_intervention))
    return libelles


def comparaison(
    f: Filtres, cles: dict[str, Chiffre], avant: dict[str, Chiffre] | None = None
) -> Tableau:
    if avant is None:
        avant = chiffres_cles(f.avec_periode(f.periode.un_an_avant()))
    t = Tableau(
        "comparaison",
        "Comparaison avec la même période un an avant",
        [f.periode.libelle.capitalize(), f"Un an avant ({f.periode.un_an_avant().libelle})"],
        # Pas de graphique : nombres, heures et euros n'ont pas la même échelle ; le tableau
        # est affiché ouvert, et les cartes des chiffres clés donnent déjà l'année d'avant.
        repartition=False,  # des chiffres différents, pas les parts d'un total
    )
    for code, libelle in LIBELLES_CLES.items():
        t.ajouter(libelle, cles[code], avant[code])
    return t


def par_site(f: Filtres, cles: dict[str, Chiffre] | None = None) -> Tableau:
    """Passages, personnes, accompagnements, interventions et repérages par site. Un seul site
    retenu : sa ligne est faite des chiffres clés (`cles`, mêmes définitions), sans requête."""
    if cles is not None and f.sites_effectifs is not None and len(f.sites_effectifs) == 1:
        return _par_site_unique(f, cles)
    sites = (
        Site.objects.filter(pk__in=f.sites_effectifs)
        if f.sites_effectifs is not None
        else Site.objects.all()
    )
    noms = dict(sites.values_list("pk", "nom"))
    lignes: dict[int, dict[str, Chiffre]] = {pk: {} for pk in noms}
    if avec_agregats():
        (lecture,) = lire(PASSAGES, f, [f.periode])
        par_site_lus = [
            {"site": site, "n": c.n, "personnes": c.effectif, "anonymes": int(c.somme)}
            for site, c in lecture.par(lambda site, axe, cle: site).items()
            if c.n
        ]
    else:
        par_site_lus = (
            passages(f)
            .values("site")
            .annotate(
                n=Count("pk"),
                personnes=Count("habitant", distinct=True),
                anonymes=Count("pk", filter=Q(habitant__isnull=True)),
            )
        )
    for r in par_site_lus:
        if r["site"] in lignes:
            lignes[r["site"]]["passages"] = compte(r["n"], r["personnes"] + r["anonymes"])
            lignes[r["site"]]["personnes"] = compte(r["personnes"])
    for r in (
        accompagnements_actifs(f)
        .values("foyer__site")
        .annotate(n=Count("pk"), foyers=Count("foyer", distinct=True))
    ):
        if r["foyer__site"] in lignes:
            lignes[r["foyer__site"]]["accompagnements"] = compte(r["n"], r["foyers"])
    if avec_agregats():
        for source, code in ((INTERVENTIONS, "interventions"), (SIGNALEMENTS, "detectes")):
            (lecture,) = lire(source, f, [f.periode])
            for site, c in lecture.par(lambda site, axe, cle: site).items():
                if site in lignes:
                    lignes[site][code] = compte(c.n, c.effectif)
    else:
        for r in (
            interventions(f)
            .values("accompagnement__foyer__site")
            .annotate(n=Count("pk"), foyers=Count("accompagnement__foyer", distinct=True))
        ):
            if r["accompagnement__foyer__site"] in lignes:
                lignes[r["accompagnement__foyer__site"]]["interventions"] = compte(
                    r["n"], r["foyers"]
                )
        for r in (
            signalements(f)
            .filter(f.dans_periode("cree_le", horodate=True))
            .values("foyer__site")
            .annotate(n=Count("pk"), foyers=Count("foyer", distinct=True))
        ):
            if r["foyer__site"] in lignes:
                lignes[r["foyer__site"]]["detectes"] = compte(r["n"], r["foyers"])
    t = _tableau_par_site()
    zero = compte(0)
    for pk, nom in sorted(noms.items(), key=lambda x: x[1]):
        c = lignes[pk]
        if not c:
            continue
        t.ajouter(
            nom,
            *(
                c.get(k, zero)
                for k in ("passages", "personnes", "accompagnements", "interventions", "detectes")
            ),
        )
    return t


def _tableau_par_site() -> Tableau:
    return Tableau(
        "par_site",
        "Par site",
        [
            "Passages",
            "Personnes reçues",
            "Accompagnements actifs",
            "Interventions",
            "Droits probables repérés",
        ],
        graphique="barres",
    )


def _par_site_unique(f: Filtres, cles: dict[str, Chiffre]) -> Tableau:
    t = _tableau_par_site()
    (pk,) = f.sites_effectifs
    codes = ("passages", "personnes_vues", "accompagnements_actifs", "interventions", "detectes")
    if any(cles[c].valeur for c in codes):  # comme pour plusieurs sites : pas de ligne vide
        t.ajouter(Site.objects.get(pk=pk).nom, *(cles[c] for c in codes))
    return t


def par_tranche_d_age(f: Filtres) -> Tableau:
    fin = f.periode.fin
    if avec_agregats():
        vus, accompagnes = _par_tranche_d_age_des_ensembles(f)
    else:
        vus, accompagnes = _par_tranche_d_age_sur_les_lignes(f)
    t = Tableau(
        "par_age",
        f"Par tranche d'âge (âge au {fin:%d/%m/%Y})",
        ["Passages", "Personnes reçues", "Personnes accompagnées"],
        graphique="barres",
    )
    for code, libelle in TRANCHES:
        v, a = vus.get(code, {}), accompagnes.get(code, {})
        t.ajouter(
            libelle,
            # Un passage anonyme compte pour une personne (comme dans les chiffres clés).
            compte(v.get("n", 0), v.get("personnes", 0) + v.get("anonymes", 0)),
            compte(v.get("personnes", 0)),
            compte(a.get("personnes", 0)),
        )
    return t


def _par_tranche_d_age_sur_les_lignes(f: Filtres) -> tuple[dict, dict]:
    fin = f.periode.fin
    vus = {
        r["tranche"]: r
        for r in passages(f)
        .annotate(tranche=tranche_d_age("habitant__date_naissance", fin))
        .values("tranche")
        .annotate(
            n=Count("pk"),
            personnes=Count("habitant", distinct=True),
            anonymes=Count("pk", filter=Q(habitant__isnull=True)),
        )
    }
    accompagnes = {
        r["tranche"]: r
        for r in Accompagnement.membres.through.objects.filter(
            accompagnement__in=accompagnements_actifs(f).values("pk")
        )
        .annotate(tranche=tranche_d_age("habitant__date_naissance", fin))
        .values("tranche")
        .annotate(personnes=Count("habitant", distinct=True))
    }
    return vus, accompagnes


def _par_tranche_d_age_des_ensembles(f: Filtres) -> tuple[dict, dict]:
    """Les mêmes chiffres, tirés des personnes reçues (agrégats des passages, chacune avec son
    nombre de passages) et des personnes accompagnées, en identifiants, réparties par les
    dates de naissance lues une fois."""
    (lecture,) = lire(PASSAGES, f, [f.periode])
    c = lecture.total()
    recues, nombres = c.ponderes()
    membres = Accompagnement.membres.through.objects.filter(
        accompagnement__in=accompagnements_actifs(f).values("pk")
    ).aggregate(ids=Identifiants("habitant_id"))["ids"]
    accompagnees = np.unique(agregats.entiers(membres, np.uint32))
    tranches = personnes_par_tranche(f.periode.fin, agregats.reunion([recues, accompagnees]))
    vus, accompagnes = {}, {}
    reste = {"n": c.n, "personnes": recues.size, "accompagnees": accompagnees.size}
    for code, ids in tranches.items():
        dedans = np.isin(recues, ids, assume_unique=True)
        n, personnes = int(nombres[dedans].sum()), int(np.count_nonzero(dedans))
        accompagnees_ici = int(np.count_nonzero(np.isin(accompagnees, ids, assume_unique=True)))
        vus[code] = {"n": n, "personnes": personnes, "anonymes": 0}
        accompagnes[code] = {"personnes": accompagnees_ici}
        reste["n"] -= n
        reste["personnes"] -= personnes
        reste["accompagnees"] -= accompagnees_ici
    # Âge inconnu : date de naissance inconnue, et les passages anonymes.
    vus["inconnu"] = {"n": reste["n"], "personnes": reste["personnes"], "anonymes": int(c.somme)}
    accompagnes["inconnu"] = {"personnes": reste["accompagnees"]}
    return vus, accompagnes


def accompagnements_par_axe(f: Filtres) -> Tableau:
    par_axe = {
        r["axe"]: r
        for r in accompagnements_actifs(f)
        .values("axe")
        .annotate(
            actifs=Count("pk"),
            foyers=Count("foyer", distinct=True),
            ouverts=Count("pk", filter=f.dans_periode("date_ouverture")),
            foyers_ouverts=Count("foyer", distinct=True, filter=f.dans_periode("date_ouverture")),
            clos=Count("pk", filter=f.dans_periode("date_cloture")),
            foyers_clos=Count("foyer", distinct=True, filter=f.dans_periode("date_cloture")),
        )
    }
    t = Tableau(
        "accompagnements_axes",
        "Accompagnements par axe",
        ["Ouverts", "Actifs", "Clos"],
        graphique="barres",
    )
    for code, axe in AXES.items():
        if f.axes and code not in f.axes:
            continue
        r = par_axe.get(code, {})
        t.ajouter(
            axe.libelle_court,
            compte(r.get("ouverts", 0), r.get("foyers_ouverts", 0)),
            compte(r.get("actifs", 0), r.get("foyers", 0)),
            compte(r.get("clos", 0), r.get("foyers_clos", 0)),
        )
    return t


def motifs_de_cloture(f: Filtres) -> Tableau:
    par_motif = {
        r["motif_cloture"]: r
        for r in accompagnements(f)
        .filter(f.dans_periode("date_cloture"))
        .values("motif_cloture")
        .annotate(n=Count("pk"), foyers=Count("foyer", distinct=True))
    }
    t = Tableau(
        "motifs_cloture",
        "Motifs de clôture des accompagnements",
        ["Accompagnements clos"],
        graphique="barres",
    )
    for code, libelle in MotifCloture.choices:
        r = par_motif.get(code, {})
        t.ajouter(libelle, compte(r.get("n", 0), r.get("foyers", 0)))
    return t


def interventions_par_type(f: Filtres) -> Tableau:
    libelles = _libelles_types_intervention()
    t = Tableau(
        "interventions_types",
        "Interventions par type",
        ["Interventions", "Temps passé"],
        graphique="barres",
    )
    if avec_agregats():
        (lecture,) = lire(INTERVENTIONS, f, [f.periode])
        lignes = sorted(
            (
                {"type": type_, "n": c.n, "minutes": int(c.somme), "foyers": c.effectif}
                for type_, c in lecture.par(lambda site, axe, cle: cle).items()
            ),
            key=lambda r: (-r["n"], r["type"]),
        )
    else:
        lignes = (
            interventions(f)
            .values("type")
            .annotate(
                n=Count("pk"),
                minutes=Coalesce(Sum("duree_minutes"), 0),
                foyers=Count("accompagnement__foyer", distinct=True),
            )
            .order_by("-n", "type")
        )
    for r in lignes:
        t.ajouter(
            libelles.get(r["type"], r["type"]),
            compte(r["n"], r["foyers"]),
            Chiffre(r["minutes"] / 60, r["foyers"], "h"),
        )
    return t


def orientations_par_partenaire(f: Filtres) -> Tableau:
    statuts = StatutOrientation.choices
    lignes: dict[str, dict] = {}
    for r in (
        orientations(f)
        .values("partenaire__nom", "statut")
        .annotate(n=Count("pk"), foyers=Count("accompagnement__foyer", distinct=True))
    ):
        lignes.setdefault(r["partenaire__nom"], {})[r["statut"]] = compte(r["n"], r["foyers"])
    t = Tableau(
        "orientations",
        "Orientations par partenaire et suite donnée",
        [libelle for _, libelle in statuts],
        graphique="barres",
    )
    for nom in sorted(lignes):
        t.ajouter(nom, *(lignes[nom].get(code, compte(0)) for code, _ in statuts))
    return t


def actions_collectives_par_site(f: Filtres) -> Tableau:
    noms = dict(Site.objects.values_list("pk", "nom"))
    par_site = participations(f, par_site=True)
    t = Tableau(
        "actions_collectives",
        "Actions collectives par lieu",
        ["Séances", "Participations"],
        graphique="barres",
    )
    for pk in sorted(par_site, key=lambda pk: noms.get(pk, "")):
        t.ajouter(noms.get(pk, "?"), *par_site[pk])
    return t


def non_recours_par_prestation(f: Filtres) -> Tableau:
    libelles = dict(Prestation.objects.values_list("code", "libelle"))
    if avec_agregats():
        (lecture,) = lire(SIGNALEMENTS, f, [f.periode])
        reperes = {
            code: {"n": c.n, "foyers": c.effectif}
            for code, c in lecture.par(lambda site, axe, cle: cle).items()
        }
        (lecture,) = lire(CHANGEMENTS, f, [f.periode])
        ouvert = EtatSignalement.DROIT_OUVERT
        ouverts = {
            code: {"n": c.distincts, "foyers": c.effectif, "montant": c.somme}
            for code, c in lecture.par(
                lambda site, axe, cle: cle.split("|")[1] if cle.split("|")[0] == ouvert else None
            ).items()
        }
    else:
        reperes, ouverts = _non_recours_par_prestation_sql(f)
    t = Tableau(
        "non_recours",
        "Non-recours par prestation",
        ["Repérés", "Droits ouverts", "Montant de droits ouverts (mensuel)"],
        graphique="barres",
    )
    for code in sorted(set(reperes) | set(ouverts), key=lambda c: libelles.get(c, c)):
        r, o = reperes.get(code, {}), ouverts.get(code, {})
        t.ajouter(
            libelles.get(code, code),
            compte(r.get("n", 0), r.get("foyers", 0)),
            compte(o.get("n", 0), o.get("foyers", 0)),
            Chiffre(o.get("montant", 0), o.get("foyers", 0), "€"),
        )
    return t


def _non_recours_par_prestation_sql(f: Filtres) -> tuple[dict, dict]:
    reperes = {
        r["prestation"]: r
        for r in signalements(f)
        .filter(f.dans_periode("cree_le", horodate=True))
        .values("prestation")
        .annotate(n=Count("pk"), foyers=Count("foyer", distinct=True))
    }
    ouverts = {
        r["signalement__prestation"]: r
        for r in changements_signalements(f)
        .filter(nouveau=EtatSignalement.DROIT_OUVERT)
        .values("signalement__prestation")
        .annotate(
            n=Count("signalement", distinct=True),
            foyers=Count("signalement__foyer", distinct=True),
            montant=Coalesce(
                Sum("signalement__montant_estime"),
                0,
                output_field=Signalement._meta.get_field("montant_estime"),
            ),
        )
    }
    return reperes, ouverts


def tendances(f: Filtres) -> Tableau:
    """Mois par mois sur les 12 derniers mois (jusqu'au mois de la fin de période)."""
    requetes, assembler = preparer_tendances(f)
    return assembler({nom: requete() for nom, requete in requetes.items()})


def preparer_tendances(f: Filtres):
    """Les requêtes des tendances (une par série, indépendantes) et leur assemblage."""
    g = f.avec_periode(f.periode.douze_mois())
    tz = timezone.get_current_timezone()

    def par_mois(qs, champ, *, horodate=False, n="pk", effectif=None, anonymes=False):
        """{mois: Chiffre} ; `anonymes` : un passage anonyme compte pour une personne dans
        l'effectif (comme dans les chiffres clés)."""
        mois = TruncMonth(champ, tzinfo=tz) if horodate else TruncMonth(champ)
        mesures = {"n": Count(n, distinct=n != "pk"), "e": Count(effectif or n, distinct=True)}
        if anonymes:
            mesures["a"] = Count("pk", filter=Q(habitant__isnull=True))
        resultat = {}
        for r in qs.annotate(mois=mois).values("mois").annotate(**mesures):
            cle = r["mois"].date() if hasattr(r["mois"], "date") else r["mois"]
            resultat[cle] = compte(r["n"], r["e"] + r.get("a", 0))
        return resultat

    ouvert = _etat((EtatSignalement.DROIT_OUVERT,))
    if avec_agregats():
        lus = {
            "Passages": lambda: _par_mois(
                PASSAGES, g, lambda c: compte(c.n, c.effectif + int(c.somme))
            ),
            "Interventions": lambda: _par_mois(INTERVENTIONS, g, lambda c: compte(c.n, c.effectif)),
            "Droits probables repérés": lambda: _par_mois(
                SIGNALEMENTS, g, lambda c: compte(c.n, c.effectif)
            ),
            "Droits ouverts": lambda: _par_mois(
                CHANGEMENTS, g, lambda c: compte(c.distincts, c.effectif), ouvert
            ),
        }
    else:
        lus = {}
    requetes = {
        "Passages": lambda: par_mois(
            passages(g), "date_heure", horodate=True, effectif="habitant", anonymes=True
        ),
        "Accompagnements ouverts": lambda: par_mois(
            accompagnements(g).filter(g.dans_periode("date_ouverture")),
            "date_ouverture",
            effectif="foyer",
        ),
        "Interventions": lambda: par_mois(
            interventions(g), "date", effectif="accompagnement__foyer"
        ),
        "Droits probables repérés": lambda: par_mois(
            signalements(g).filter(g.dans_periode("cree_le", horodate=True)),
            "cree_le",
            horodate=True,
            effectif="foyer",
        ),
        "Droits ouverts": lambda: par_mois(
            changements_signalements(g).filter(nouveau=EtatSignalement.DROIT_OUVERT),
            "le",
            horodate=True,
            n="signalement",
            effectif="signalement__foyer",
        ),
    }
    requetes |= lus
    return requetes, lambda resultats: _tableau_des_tendances(g, list(resultats.items()))


def _tableau_des_tendances(g: Filtres, series: list) -> Tableau:
    t = Tableau(
        "tendances",
        f"Tendances, {g.periode.libelle}",
        [nom for nom, _ in series],
        graphique="courbes",
    )
    mois_en_cours = timezone.localdate().replace(day=1)
    for n, premier in enumerate(g.periode.mois_couverts()):
        libelle = f"{MOIS[premier.month - 1]} {premier.year}"
        if premier >= mois_en_cours:  # pas une chute : un mois pas encore fini
            t.partielles.append(n)
            libelle += " (mois en cours, partiel)" if premier == mois_en_cours else " (à venir)"
        t.ajouter(libelle, *(s.get(premier, compte(0)) for _, s in series))
    return t


def indicateurs_de_l_axe(f: Filtres, code_axe: str) -> Tableau:
    """Les indicateurs que l'axe déclare (droits/axes/<axe>.py) : une requête par source."""
    axe = AXES[code_axe]
    fa = Filtres(f.periode, f.sites, (code_axe,), f.sites_permis)
    fin = f.periode.fin
    sources = {
        "accompagnements": (accompagnements_actifs(fa), "foyer"),
        "clotures": (accompagnements(fa).filter(fa.dans_periode("date_cloture")), "foyer"),
        "interventions": (interventions(fa), "accompagnement__foyer"),
        "prestations": (
            PrestationFoyer.objects.filter(
                fa.dans_periode("date_debut"), fa.par_site("foyer__site")
            ),
            "foyer",
        ),
    }
    chiffres: dict[str, Chiffre] = {}
    for source, (qs, foyer) in sources.items():
        dus = [i for i in axe.indicateurs if i.source == source]
        if not dus:
            continue
        if (
            source == "interventions"
            and avec_agregats()
            and all(set(i.recherches(fin)) <= {"type", "type__in"} for i in dus)
        ):
            (lecture,) = lire(INTERVENTIONS, fa, [fa.periode])
            for i in dus:
                r = i.recherches(fin)
                types = {r["type"]} if "type" in r else set(r.get("type__in", ()))
                if "type__in" in r:
                    types &= set(r["type__in"])
                c = lecture.total(lambda cle, r=r, types=types: not r or cle in types)
                chiffres[i.code] = compte(c.n, c.effectif)
            continue
        agg = qs.aggregate(
            **{
                f"n_{i.code}": Count("pk", distinct=True, filter=Q(**i.recherches(fin)))
                for i in dus
            },
            **{
                f"e_{i.code}": Count(foyer, distinct=True, filter=Q(**i.recherches(fin)))
                for i in dus
            },
        )
        for i in dus:
            chiffres[i.code] = compte(agg[f"n_{i.code}"], agg[f"e_{i.code}"])
    if any(i.source in ("seances", "participants") for i in axe.indicateurs):
        total = participations(fa).get(None, (compte(0), compte(0)))
        chiffres["seances"], chiffres["participants"] = total
    t = Tableau(
        "indicateurs_axe",
        f"Indicateurs de l'axe « {axe.libelle_court} »",
        ["Nombre"],
        graphique="barres",
        repartition=False,  # des indicateurs différents (souvent emboîtés), pas des parts
    )
    for i in axe.indicateurs:
        t.ajouter(
            i.libelle, chiffres[i.code if i.source not in ("seances", "participants") else i.source]
        )
    return t
