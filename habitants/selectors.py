"""Lectures composées du registre : recherche tolérante, doublons probables, accueil du jour."""

import re
from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
from django.db.models import Case, FloatField, Func, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from habitants.models import Habitant, MembreFoyer, Passage
from habitants.normalisation import (
    cle_phonetique,
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
    helene »), assez précises pour chercher (deux consonnes au moins, ou un mot court)."""
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
        # Chaque mot doit ressembler à un mot des noms (index GIN trigrammes) ou en avoir le
        # son (index B-tree des clés) : sinon « martin lea » ramènerait tous les Martin.
        for mot in mots:
            cle = cle_phonetique(mot)
            meme_son = Q(cle_nom=cle) | Q(cle_prenom=cle) if len(cle) >= 2 else Q()
            qs = qs.filter(Q(recherche__trigram_word_similar=mot) | meme_son)
        bonus = [
            Case(When(**{f"{champ}__in": cles}, then=Value(0.1)), default=Value(0.0))
            for champ in ("cle_nom", "cle_prenom")
        ]
        score = TrigramWordSimilarity(" ".join(mots), "recherche") + bonus[0] + bonus[1]
        return qs.annotate(score=score), ["-score"]
    # SQLite : candidats par les index (même clé phonétique du nom ou du premier prénom, ou
    # nom commençant par un mot tapé), puis chaque mot comparé en Python (faute de frappe,
    # son, début de mot), comme PostgreSQL le fait par trigrammes.
    candidats = Q(cle_nom__in=cles) | Q(cle_prenom__in=cles)
    for mot in mots:
        candidats |= Q(nom_normalise__gte=mot, nom_normalise__lt=_suivant(mot))
    qs = qs.filter(candidats).annotate(score=Ressemblance(Value("\t".join(mots)), "recherche"))
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


def doublons_probables(*, agent, nom: str, prenoms: str, date_naissance: date | None):
    """Personnes déjà connues qui ressemblent à celle qu'on va inscrire (10 au plus).

    Même nom et prénoms, aux accents près ou écrits autrement (même clé phonétique du nom et
    du premier prénom, confirmée par `normalisation.variante_probable`) quand l'une des deux
    dates de naissance manque ou qu'elles sont égales ; à date de naissance identique, aussi
    un nom très proche (trigrammes sur PostgreSQL, mêmes trois premières lettres sur SQLite).
    """
    nom_n, prenoms_n = normaliser(nom), normaliser(prenoms)
    qs = Habitant.objects.visibles_par(agent)
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


def passages_du_jour(site) -> QuerySet[Passage]:
    """Les passages du jour (heure de Paris) d'un site, les plus récents d'abord."""
    debut = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Passage.objects.filter(site=site, date_heure__gte=debut)
        .select_related("habitant", "agent")
        .prefetch_related("motifs")
        .order_by("-date_heure")
    )


def passages_de(habitant) -> QuerySet[Passage]:
    return (
        habitant.passages.select_related("site", "agent")
        .prefetch_related("motifs")
        .order_by("-date_heure")
    )
