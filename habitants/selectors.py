"""Lectures composées du registre : recherche tolérante, doublons probables, accueil du jour."""

import re
from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from habitants.models import Habitant, MembreFoyer, Passage
from habitants.normalisation import normaliser

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


def _filtre_nom_simple(texte: str) -> Q:
    """SQLite : chaque mot (ou, pour un mot long, son début) figure dans les noms."""
    filtre = Q()
    for mot in texte.split():
        variante = Q(recherche__contains=mot)
        if len(mot) >= 5:
            variante |= Q(recherche__contains=mot[:4])
        filtre &= variante
    return filtre


def _nom_repandu(qs: QuerySet[Habitant], mot: str) -> bool:
    return qs.filter(nom_normalise=mot).order_by()[:SEUIL_NOM_REPANDU].count() >= (
        SEUIL_NOM_REPANDU
    )


def rechercher_habitants(agent, criteres: CriteresRecherche) -> QuerySet[Habitant]:
    """Les personnes visibles par l'agent qui répondent aux critères, les plus proches d'abord.

    PostgreSQL : similarité trigramme (pg_trgm, index GIN) sur les noms normalisés, ce qui
    tolère accents, casse et fautes de frappe. SQLite : correspondance normalisée plus simple.
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
        if _postgresql():
            # Chaque mot doit ressembler à un mot des noms (index GIN à chaque fois) : sinon
            # « martin lea » ramènerait tous les Martin, le nom seul passant le seuil.
            for mot in texte.split():
                qs = qs.filter(recherche__trigram_word_similar=mot)
            qs = qs.annotate(score=TrigramWordSimilarity(texte, "recherche"))
            ordre = ["-score", *ordre]
        else:
            qs = qs.filter(_filtre_nom_simple(texte))
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

    Même nom et prénoms normalisés (et même date si elle est connue), ou, à date de naissance
    identique, un nom très proche.
    """
    nom_n, prenoms_n = normaliser(nom), normaliser(prenoms)
    qs = Habitant.objects.visibles_par(agent)
    meme_nom = Q(nom_normalise=nom_n, prenoms_normalises=prenoms_n)
    if date_naissance is None:
        return list(avec_foyer_actuel(qs.filter(meme_nom))[:10])
    meme_date = qs.filter(date_naissance=date_naissance)
    if _postgresql():
        candidats = (
            meme_date.annotate(score=TrigramSimilarity("recherche", f"{nom_n} {prenoms_n}"))
            .filter(Q(score__gte=SEUIL_DOUBLON) | meme_nom)
            .order_by("-score")
        )
    else:
        proche = Q(nom_normalise__startswith=nom_n[:3]) & Q(
            prenoms_normalises__startswith=prenoms_n[:3]
        )
        candidats = meme_date.filter(meme_nom | proche)
    return list(avec_foyer_actuel(candidats)[:10])


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
