"""Lectures composées du registre : recherche tolérante, doublons probables, accueil du jour,
fiche d'une personne."""

import re
from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    FloatField,
    Func,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.models import Site
from habitants.acces import q_personnes_accessibles
from habitants.models import Foyer, Habitant, MembreFoyer, Passage
from habitants.normalisation import (
    cle_phonetique,
    fautes_tolerees,
    mots_de_recherche,
    normaliser,
    premier_mot,
    variante_probable,
)

#: Similarité trigramme minimale (0 à 1) d'un nom proche, date de naissance identique.
SEUIL_DOUBLON = 0.45
#: Un nom tapé seul que portent au moins autant de personnes est une recherche trop large pour
#: qu'une faute de frappe compte : on liste ces homonymes exacts par prénom (index B-tree),
#: au lieu de calculer la ressemblance de milliers de noms proches.
SEUIL_NOM_REPANDU = 100


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def avec_foyer_actuel(qs: QuerySet[Habitant]) -> QuerySet[Habitant]:
    """Joint le foyer actuel de chaque personne en une requête (attribut `appartenance`)."""
    return qs.select_related("site").prefetch_related(
        Prefetch(
            "appartenances",
            queryset=MembreFoyer.objects.filter(date_fin__isnull=True).select_related("foyer"),
            to_attr="appartenances_actuelles",
        )
    )


@dataclass
class CriteresRecherche:
    texte: str = ""
    date_naissance: date | None = None
    telephone: str = ""
    adresse: str = ""

    @property
    def vide(self) -> bool:
        return not (
            normaliser(self.texte)
            or self.date_naissance
            or self.telephone.strip()
            or normaliser(self.adresse)
        )


def _cles_tapees(mots: list[str]) -> list[str]:
    """Clés phonétiques des mots tapés et de leurs paires accolées (« ben ali », « marie
    helene »), d'au moins deux lettres (« L », la clé de Léa ou de Léo, est trop vague)."""
    groupes = mots + ["".join(mots[i : i + 2]) for i in range(len(mots) - 1)]
    return sorted({c for c in map(cle_phonetique, groupes) if len(c) >= 2})


def _suivant(mot: str) -> str:
    """Borne haute des mots qui commencent par `mot` (intervalle sur l'index B-tree)."""
    return mot[:-1] + chr(ord(mot[-1]) + 1)


class Ressemblance(Func):
    """SQLite : `normalisation.ressemblance` des mots tapés avec la colonne `recherche`,
    fonction Python déclarée à chaque connexion (habitants.apps)."""

    function = "habitants_ressemblance"
    output_field = FloatField()


def _candidats(mots: list[str]) -> Q:
    """PostgreSQL : les personnes que les index désignent, sûrement parmi celles qui répondent.

    Un mot « fort » a la clé phonétique du nom ou du premier prénom (B-tree) ou est contenu dans
    les noms (LIKE, GIN trigrammes). Avec plusieurs mots : deux mots forts (intersection
    d'index), ou un mot fort et un mot mal tapé dont l'initiale est celle de l'autre nom :
    index `(cle_nom, prenoms_normalises)` et `(cle_prenom, nom_normalise)`, qui ne lisent que
    les Hélène dont le nom commence par L pour « Lfevre Hélène ». Un mot seul : fort, ou proche
    par trigrammes.
    """
    forts = [
        Q(cle_nom=c) | Q(cle_prenom=c) | Q(recherche__contains=m)
        for m, c in zip(mots, map(cle_phonetique, mots), strict=True)
    ]
    if len(mots) == 1:
        return forts[0] | Q(recherche__trigram_word_similar=mots[0])
    bras = Q()
    for i, mot in enumerate(mots):
        cle = cle_phonetique(mot)
        for j, autre in enumerate(mots):
            if i == j:
                continue
            if i < j:
                bras |= forts[i] & forts[j]
            initiale = {"__gte": autre[0], "__lt": _suivant(autre[0])}
            bras |= Q(cle_nom=cle, **{f"prenoms_normalises{k}": v for k, v in initiale.items()})
            bras |= Q(cle_prenom=cle, **{f"nom_normalise{k}": v for k, v in initiale.items()})
    return bras


def _candidats_sqlite(mots: list[str], cles: list[str]) -> Q:
    """SQLite : comme `_candidats`, chaque bras servi par un seul index (union d'index).

    Un mot seul : même clé que le nom ou le premier prénom, ou début du nom ou des prénoms.
    Plusieurs mots : pour chaque mot et chacun des autres, clé de l'un et initiale de l'autre
    (index `(cle_nom, prenoms_normalises)` et `(cle_prenom, nom_normalise)`), ou début du nom
    et initiale des prénoms (index `(nom_normalise, prenoms_normalises)`).
    """

    def debut(champ, texte):
        return {f"{champ}__gte": texte, f"{champ}__lt": _suivant(texte)}

    if len(mots) == 1:
        (mot,) = mots
        toutes = sorted({*cles, cle_phonetique(mot)})
        return (
            Q(cle_nom__in=toutes)
            | Q(cle_prenom__in=toutes)
            | Q(**debut("nom_normalise", mot))
            | Q(**debut("prenoms_normalises", mot))
        )
    bras = Q()
    for i, mot in enumerate(mots):
        cle = cle_phonetique(mot)
        for j, autre in enumerate(mots):
            if i != j:
                bras |= Q(cle_nom=cle, **debut("prenoms_normalises", autre[0]))
                bras |= Q(cle_prenom=cle, **debut("nom_normalise", autre[0]))
                # LIKE (non indexé sur SQLite) : l'index du début du nom sert, pas celui des
                # prénoms, qui lirait tous les prénoms de cette initiale.
                bras |= Q(**debut("nom_normalise", mot), prenoms_normalises__startswith=autre[0])
    for i in range(len(mots) - 1):  # mots accolés : « ben ali », « marie helene »
        cle = cle_phonetique(mots[i] + mots[i + 1])
        bras |= Q(cle_nom=cle) | Q(cle_prenom=cle)
    return bras


def _faute_de_frappe(mot: str, fautes: int | None = None) -> RawSQL:
    """PostgreSQL : le nom ou le premier prénom est à `fautes_tolerees(mot)` modifications près
    du mot tapé (distance de Levenshtein), ou n'en diffère que par deux lettres voisines
    inversées."""
    fautes = fautes_tolerees(mot) if fautes is None else fautes
    if not fautes:
        return RawSQL("false", [], output_field=BooleanField())
    inversions = [mot[:i] + mot[i + 1] + mot[i] + mot[i + 2 :] for i in range(len(mot) - 1)]
    # La longueur, vérifiée d'abord, écarte à peu de frais la plupart des lignes.
    proche = (
        "(length({c}) BETWEEN %s AND %s"
        " AND (levenshtein_less_equal({c}, %s, %s) <= %s OR {c} = ANY(%s::text[])))"
    )
    parametres = [len(mot) - fautes, len(mot) + fautes, mot, fautes, fautes, inversions]
    return RawSQL(
        " OR ".join(
            proche.format(c=colonne)
            for colonne in (
                "habitants_habitant.nom_normalise",
                "split_part(habitants_habitant.prenoms_normalises, ' ', 1)",
            )
        ),
        parametres * 2,
        output_field=BooleanField(),
    )


def _nom_repandu(qs: QuerySet[Habitant], mot: str) -> bool:
    return qs.filter(nom_normalise=mot).order_by()[:SEUIL_NOM_REPANDU].count() >= (
        SEUIL_NOM_REPANDU
    )


def _filtrer_par_nom(qs: QuerySet[Habitant], texte: str) -> tuple[QuerySet[Habitant], list]:
    """Personnes dont chaque mot tapé ressemble à un nom : faute de frappe, variante
    d'orthographe (même clé phonétique), début de mot. Rend aussi l'ordre, du plus proche."""
    mots = mots_de_recherche(texte)
    cles = _cles_tapees(mots)
    if _postgresql():
        # Candidats par les index (voir `_candidats`), puis chaque mot tapé doit ressembler, du
        # moins coûteux au plus coûteux : même son, nom ou premier prénom à une faute de frappe
        # près (fuzzystrmatch), ou contenu dans les noms (début de mot, nom de naissance, autre
        # prénom).
        for mot in mots:
            cle = cle_phonetique(mot)
            meme_son = Q(cle_nom=cle) | Q(cle_prenom=cle)
            ressemble = Q(_faute_de_frappe(mot)) | Q(recherche__contains=mot)
            if len(cle) >= 2:
                qs = qs.filter(meme_son | ressemble)
            else:  # clé trop vague seule (« Théo ») : même son et une faute au plus
                qs = qs.filter((meme_son & Q(_faute_de_frappe(mot, 1))) | ressemble)
        qs = qs.filter(_candidats(mots))
        bonus = [
            Case(When(**{f"{champ}__in": cles}, then=Value(0.1)), default=Value(0.0))
            for champ in ("cle_nom", "cle_prenom")
        ]
        score = TrigramWordSimilarity(" ".join(mots), "recherche") + bonus[0] + bonus[1]
        return qs.annotate(score=score), ["-score"]
    # SQLite : candidats par les index (`_candidats_sqlite`), puis chaque mot comparé en Python
    # (faute de frappe, son, début de mot), comme PostgreSQL le fait en SQL.
    candidats = _candidats_sqlite(mots, cles)
    # En sous-requête : sans statistiques, SQLite parcourrait sinon tout le site par son index.
    qs = qs.filter(pk__in=Habitant.objects.filter(candidats).values("pk")).annotate(
        score=Ressemblance(Value("\t".join(mots)), "recherche")
    )
    return qs.filter(score__gt=0), ["-score"]


def rechercher_habitants(agent, criteres: CriteresRecherche) -> QuerySet[Habitant]:
    """Les personnes visibles par l'agent qui répondent aux critères, les plus proches d'abord.

    Chaque mot tapé doit ressembler à l'un des noms de la personne : même orthographe aux
    accents et à la casse près, faute de frappe, variante qui se prononce pareil (clé
    phonétique), début de mot. PostgreSQL : trigrammes (pg_trgm, index GIN) et clés phonétiques
    (index B-tree). SQLite : candidats par les index des clés et des noms, comparés en Python.
    """
    qs = Habitant.objects.visibles_par(agent)
    if criteres.vide:
        return qs.none()
    texte = normaliser(criteres.texte)
    ordre = ["nom_normalise", "prenoms_normalises", "id"]
    mots = texte.split()
    if len(mots) == 1 and _nom_repandu(qs, mots[0]):
        qs = qs.filter(nom_normalise=mots[0])
    elif texte:
        qs, tri = _filtrer_par_nom(qs, texte)
        ordre = [*tri, *ordre]
    if criteres.date_naissance:
        qs = qs.filter(date_naissance=criteres.date_naissance)
    chiffres = re.sub(r"\D", "", criteres.telephone or "")[-9:]
    if chiffres:
        qs = qs.filter(telephone_chiffres__endswith=chiffres)
    adresse = normaliser(criteres.adresse)
    if adresse:
        qs = qs.filter(
            appartenances__date_fin__isnull=True,
            appartenances__foyer__adresse_normalisee__contains=adresse,
        )
    return avec_foyer_actuel(qs.order_by(*ordre))


def doublons_probables(*, agent, nom: str, prenoms: str, date_naissance: date | None, parmi=None):
    """Personnes déjà connues qui ressemblent à celle qu'on va inscrire (10 au plus).

    Parmi les personnes visibles par l'agent, ou parmi `parmi` (un QuerySet de personnes).

    Même nom et prénoms, aux accents près ou écrits autrement (même clé phonétique du nom et
    du premier prénom, confirmée par `normalisation.variante_probable`) quand l'une des deux
    dates de naissance manque ou qu'elles sont égales ; à date de naissance identique, aussi
    un nom très proche (trigrammes sur PostgreSQL, mêmes trois premières lettres sur SQLite).
    """
    nom_n, prenoms_n = normaliser(nom), normaliser(prenoms)
    qs = Habitant.objects.visibles_par(agent) if parmi is None else parmi
    meme_nom = Q(nom_normalise=nom_n, prenoms_normalises=prenoms_n)
    meme_son = Q(cle_nom=cle_phonetique(nom_n), cle_prenom=cle_phonetique(premier_mot(prenoms_n)))
    identite = meme_nom | meme_son
    if date_naissance is None:
        candidats = qs.filter(identite)
    else:
        sans_date = Q(date_naissance__isnull=True) & identite
        meme_date = Q(date_naissance=date_naissance)
        if _postgresql():
            candidats = (
                qs.filter(meme_date | sans_date)
                .annotate(score=TrigramSimilarity("recherche", f"{nom_n} {prenoms_n}"))
                .filter(Q(score__gte=SEUIL_DOUBLON) | identite)
                .order_by("-score")
            )
        else:
            proche = Q(nom_normalise__startswith=nom_n[:3]) & Q(
                prenoms_normalises__startswith=prenoms_n[:3]
            )
            candidats = qs.filter((meme_date & (identite | proche)) | sans_date)
    trouves = []
    for h in avec_foyer_actuel(candidats)[:50]:
        exact = (h.nom_normalise, h.prenoms_normalises) == (nom_n, prenoms_n)
        variante = variante_probable(h.nom_normalise, nom_n) and variante_probable(
            premier_mot(h.prenoms_normalises), premier_mot(prenoms_n)
        )
        if exact or variante or (date_naissance and h.date_naissance == date_naissance):
            trouves.append(h)
    return trouves[:10]


def autres_fiches_semblables(agent, habitant: Habitant) -> list[Habitant]:
    """Les autres fiches des sites de l'agent qui ressemblent à celle-ci (mêmes règles que
    `doublons_probables`) : peut-être la même personne, inscrite deux fois."""
    return [
        h
        for h in doublons_probables(
            agent=agent,
            nom=habitant.nom_usage,
            prenoms=habitant.prenoms,
            date_naissance=habitant.date_naissance,
        )
        if h.pk != habitant.pk
    ]


def sites_connaissant_un_doublon(
    *, agent, nom: str, prenoms: str, date_naissance: date | None
) -> list[Site]:
    """Les autres sites du CCAS qui connaissent une personne semblable (mêmes règles que
    `doublons_probables`), par nom de site.

    Rien d'autre ne sort d'ici : ni la personne, ni son identifiant ; l'accueil apprend
    seulement qu'une personne semblable existe ailleurs et quel site contacter.
    """
    if not perms.peut_tenir_le_guichet(agent):
        return []
    semblables = doublons_probables(
        agent=agent,
        nom=nom,
        prenoms=prenoms,
        date_naissance=date_naissance,
        parmi=personnes_d_ailleurs(agent),
    )
    ids = {h.site_id for h in semblables}
    return list(Site.objects.filter(pk__in=ids).order_by("nom")) if ids else []


def personnes_d_ailleurs(agent) -> QuerySet[Habitant]:
    """Les personnes auxquelles les sites de l'agent n'ont pas accès (`habitants.acces`)."""
    return Habitant.objects.exclude(q_personnes_accessibles(agent.ids_sites))


def passages_du_jour(site) -> QuerySet[Passage]:
    """Les passages du jour (heure de Paris) d'un site, les plus récents d'abord."""
    debut = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Passage.objects.filter(site=site, date_heure__gte=debut)
        .select_related("habitant", "agent", "partenaire")
        .prefetch_related("motifs")
        .order_by("-date_heure")
    )


def passages_de(habitant) -> QuerySet[Passage]:
    return (
        habitant.passages.select_related("site", "agent", "partenaire")
        .prefetch_related("motifs")
        .order_by("-date_heure")
    )


def fiche_de(habitant) -> dict:
    """Les lectures de la fiche d'une personne (lue par `visibles_par` et `avec_foyer_actuel`) :
    son appartenance actuelle, les membres actuels de ce foyer et ses 50 derniers passages
    (requêtes faites par le gabarit, seulement pour les sections qu'il affiche)."""
    actuelles = habitant.appartenances_actuelles
    appartenance = actuelles[0] if actuelles else None
    membres = []
    if appartenance:
        membres = (
            appartenance.foyer.membres.filter(date_fin__isnull=True)
            .select_related("habitant")
            .order_by("role", "habitant__date_naissance")
        )
    return {
        "appartenance": appartenance,
        "membres": membres,
        "passages": passages_de(habitant)[:50],
    }


FOYERS_TROUVES_MAX = 10


def foyers_trouves(agent, recherche: str) -> QuerySet[Foyer]:
    """Les foyers des sites de l'agent dont l'adresse ou un membre actuel répond au texte
    (`FOYERS_TROUVES_MAX` au plus)."""
    texte = normaliser(recherche)
    if not texte:
        return Foyer.objects.none()
    ids = (
        Foyer.objects.visibles_par(agent)
        .filter(
            Q(adresse_normalisee__contains=texte)
            | Q(membres__date_fin__isnull=True, membres__habitant__recherche__contains=texte)
        )
        .values("pk")
    )
    return Foyer.objects.filter(pk__in=ids).order_by("adresse", "pk")[:FOYERS_TROUVES_MAX]
