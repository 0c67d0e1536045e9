"""Lectures du journal des accès : les entrées qui concernent une personne, les libellés des
objets d'une page. Écran : ccas_portal/vues_journal.py ; règles : docs/journal.md."""

from django.db.models import Min, Q

from accompagnement.models import Accompagnement
from ccas_portal.dates import debut_du_jour
from ccas_portal.models import EntreeJournal
from ccas_portal.validation import entier_borne
from droits.models import Document, Signalement
from habitants.models import Habitant, MembreFoyer
from habitants.normalisation import normaliser

PERSONNE, FOYER = "habitants.habitant", "habitants.foyer"
ACCOMPAGNEMENT, SIGNALEMENT = "accompagnement.accompagnement", "droits.signalement"
DOCUMENT = "droits.document"
#: Au-delà, une recherche de personne est trop vague pour l'écran (le filtre le dit).
PERSONNES_MAX = 200

LIBELLES_OBJETS = {
    PERSONNE: "Fiche de la personne",
    FOYER: "Dossier du foyer",
    ACCOMPAGNEMENT: "Accompagnement",
    SIGNALEMENT: "Signalement",
    DOCUMENT: "Pièce du dossier",
    "droits.executiondetection": "Exécution de la détection",
    "ccas_portal.entreejournal": "Journal des accès",
    "tableau de bord": "Tableau de bord",
}


def personnes_designees(texte: str):
    """Les personnes que désigne un texte : un n° de fiche, ou des mots (sans accents ni
    casse) tous présents dans ses noms et prénoms."""
    texte = (texte or "").strip().lstrip("nN°º ").strip()
    if texte.isdigit():  # un numéro, même écrit « ² » ou « ① » (alors aucune fiche)
        numero = entier_borne(texte)
        return Habitant.objects.filter(pk=numero) if numero else Habitant.objects.none()
    mots = normaliser(texte).split()
    if not mots:
        return Habitant.objects.none()
    filtre = Q()
    for mot in mots:
        filtre &= Q(recherche__contains=mot)
    return Habitant.objects.filter(filtre)


def q_entrees_concernant(ids_personnes) -> Q:
    """Les entrées sur ces personnes : leur fiche, et le dossier, les accompagnements, les
    signalements et les pièces de tout foyer dont elles ont été membres (qui montrent leurs
    données), à partir du jour où elles y sont entrées (avant, le dossier ne les montrait pas ;
    après leur départ, il les garde dans son historique). Une seule définition, pour le filtre
    « personne » de l'écran du journal et pour les accès listés par le droit d'accès
    (habitants/export_personne.py)."""
    ids_personnes = list(ids_personnes)
    entree_dans = dict(
        MembreFoyer.objects.filter(habitant_id__in=ids_personnes)
        .values("foyer_id")
        .annotate(debut=Min("date_debut"))
        .values_list("foyer_id", "debut")
    )
    objets: dict[int, dict[str, list[str]]] = {f: {FOYER: [str(f)]} for f in entree_dans}
    for objet_type, modele in (
        (ACCOMPAGNEMENT, Accompagnement),
        (SIGNALEMENT, Signalement),
        (DOCUMENT, Document),
    ):
        for pk, foyer_id in modele.objects.filter(foyer_id__in=entree_dans).values_list(
            "pk", "foyer_id"
        ):
            objets[foyer_id].setdefault(objet_type, []).append(str(pk))

    q = Q(objet_type=PERSONNE, objet_id__in=[str(i) for i in ids_personnes])
    for foyer_id, par_type in objets.items():
        depuis = debut_du_jour(entree_dans[foyer_id])
        for objet_type, ids in par_type.items():
            q |= Q(objet_type=objet_type, objet_id__in=ids, horodatage__gte=depuis)
    return q


def libelles_des_objets(entrees: list[EntreeJournal]) -> None:
    """Pose `libelle_objet` sur chaque entrée : le type d'objet en français, et le nom de la
    personne pour une fiche (une requête pour toute la page)."""
    personnes = {e.pk: entier_borne(e.objet_id) for e in entrees if e.objet_type == PERSONNE}
    ids = {i for i in personnes.values() if i}
    noms = {h.pk: str(h) for h in Habitant.objects.filter(pk__in=ids)} if ids else {}
    for e in entrees:
        libelle = LIBELLES_OBJETS.get(e.objet_type, e.objet_type)
        if personnes.get(e.pk) in noms:
            libelle = f"{libelle} : {noms[personnes[e.pk]]}"
        e.libelle_objet = libelle
