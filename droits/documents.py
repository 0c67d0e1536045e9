"""Les pièces jointes d'un dossier : contrôles, stockage, écritures et lectures (ADR 0027).

- `verifier_fichier` : taille (`DOCUMENTS_TAILLE_MAX_MO`) et type réel, lu sur les premiers
  octets du contenu (signature), jamais sur l'extension ou le type annoncé par le navigateur ;
  PDF, JPEG, PNG (`DOCUMENTS_TYPES`) ; l'extension doit en plus correspondre au contenu.
- `stockage()` : le stockage « documents » de `settings.STORAGES` (disque hors de tout dossier
  servi par défaut, S3 compatible quand il est configuré).
- `deposer_piece`, `supprimer_piece` : les écritures, journalisées sur le foyer (la
  chronologie du dossier les relit) ; `ouvrir_piece` : la lecture, journalisée à chaque
  ouverture.
- `supprimer_les_fichiers` : efface des fichiers du stockage *après* la validation de la
  transaction (une purge à blanc, annulée, ne touche à aucun fichier).

Les contrôles d'accès sont ceux du dossier du foyer (`perms.peut_voir_foyer`, le prédicat du dossier
pour lire, `perms.peut_suivre_foyer` pour écrire) : la vue les fait avant tout appel ici, et
les services les refont.
"""

import hashlib
import logging
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.enums import ActionJournal
from ccas_portal.formats import nombre
from ccas_portal.journal import journaliser
from droits.enums import TypePiece
from droits.models_documents import Document
from habitants.services import CLE_FAIT

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TypeAccepte:
    code: str
    libelle: str
    mime: str
    extensions: tuple[str, ...]
    signature: bytes


#: Les types que le portail sait reconnaître à leur contenu (premiers octets).
TYPES = {
    t.code: t
    for t in (
        TypeAccepte("pdf", "PDF", "application/pdf", (".pdf",), b"%PDF-"),
        TypeAccepte("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
        TypeAccepte("png", "PNG", "image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
    )
}


def types_acceptes() -> list[TypeAccepte]:
    inconnus = set(settings.DOCUMENTS_TYPES) - set(TYPES)
    if inconnus:
        raise ValueError(f"DOCUMENTS_TYPES : types inconnus {sorted(inconnus)}")
    return [TYPES[c] for c in settings.DOCUMENTS_TYPES]


def taille_max() -> int:
    return settings.DOCUMENTS_TAILLE_MAX_MO * 1024 * 1024


def libelle_types() -> str:
    """« PDF, JPEG ou PNG »."""
    noms = [t.libelle for t in types_acceptes()]
    return noms[0] if len(noms) == 1 else ", ".join(noms[:-1]) + " ou " + noms[-1]


def taille_lisible(octets: int) -> str:
    """« 820 ko », « 2,4 Mo » (arrondi, pour un agent)."""
    if octets < 1024 * 1024:
        return f"{nombre(max(1, round(octets / 1024)))} ko"
    return f"{nombre(octets / (1024 * 1024), 1)} Mo"


def _extension(nom: str) -> str:
    point = nom.rfind(".")
    return nom[point:].lower() if point > 0 else ""


def verifier_fichier(fichier) -> TypeAccepte:
    """Refuse (ValidationError, message pour l'agent) un fichier vide, trop lourd, d'un type
    non accepté ou dont l'extension ne dit pas le contenu ; renvoie son type."""
    if not fichier.size:
        raise ValidationError("Le fichier est vide.", code="vide")
    if fichier.size > taille_max():
        raise ValidationError(
            f"Le fichier pèse {taille_lisible(fichier.size)} : "
            f"{settings.DOCUMENTS_TAILLE_MAX_MO} Mo au plus.",
            code="trop_lourd",
        )
    fichier.seek(0)
    debut = fichier.read(16)
    fichier.seek(0)
    reconnu = next((t for t in types_acceptes() if debut.startswith(t.signature)), None)
    extension = _extension(fichier.name or "")
    if reconnu is None:
        attendu = any(extension in t.extensions for t in types_acceptes())
        raise ValidationError(
            (
                f"Le contenu de ce fichier n'est pas un {extension[1:].upper()} valide"
                if attendu
                else "Ce type de fichier n'est pas accepté"
            )
            + f" : déposez un fichier {libelle_types()}.",
            code="type",
        )
    if extension not in reconnu.extensions:
        raise ValidationError(
            f"Le contenu de ce fichier est un {reconnu.libelle} mais son nom se termine par "
            f"« {extension or '(sans extension)'} » : renommez-le en "
            f"« {reconnu.extensions[0]} » ou déposez le bon fichier.",
            code="extension",
        )
    return reconnu


def nom_sur(nom: str) -> str:
    """Le nom déposé, réduit à un nom de fichier lisible : sans dossier, sans caractère de
    contrôle, 150 caractères au plus (extension gardée)."""
    nom = (nom or "").replace("\\", "/").rsplit("/", 1)[-1]
    nom = "".join(c for c in unicodedata.normalize("NFC", nom) if unicodedata.category(c)[0] != "C")
    nom = nom.strip().rstrip(".")
    if nom.startswith("."):  # « .pdf », «    .pdf » : un nom réduit à son extension
        nom = "piece." + nom.lstrip(".")
    nom = nom.strip(".") or "piece"
    if len(nom) > 150:
        extension = _extension(nom)[:10]
        nom = nom[: 150 - len(extension)] + extension
    return nom


def stockage():
    """Le stockage des pièces (`settings.STORAGES["documents"]`)."""
    return storages["documents"]


def supprimer_les_fichiers(noms: list[str]) -> None:
    """Efface ces fichiers du stockage une fois la transaction en cours validée (rien si elle
    est annulée). Un échec (stockage injoignable) est écrit par `logger` (console, réglages `LOGGING`) : la ligne
    est partie, le fichier reste orphelin (à effacer à la main, voir ADR 0027)."""

    def effacer():
        for nom in noms:
            try:
                stockage().delete(nom)
            except Exception:  # un fichier non effacé ne doit rien annuler
                logger.exception("Pièce jointe non effacée du stockage : %s", nom)

    if noms:
        transaction.on_commit(effacer)


def _details(document: Document) -> dict:
    details = {
        "document": document.pk,
        "type": document.get_type_piece_display(),
        "date": f"{document.date_document:%d/%m/%Y}",
        "personne": document.personne_id,
    }
    if document.objet_type_id:
        # L'objet auquel la pièce est jointe (une demande d'aide) : « droits.demande:12 ».
        ct = ContentType.objects.get_for_id(document.objet_type_id)
        details["rattachee_a"] = f"{ct.app_label}.{ct.model}:{document.objet_id}"
    return details


def _libelle(document: Document, fait: str) -> str:
    """« Pièce déposée : Avis d'imposition du 01/09/2025 », suivi de l'objet rattaché
    (« pour la demande n° 12 ») s'il y en a un."""
    texte = f"{fait} : {document}"
    objet = document.objet if document.objet_type_id else None
    if objet is not None:
        texte += f" (pour la {objet._meta.verbose_name} n° {objet.pk})"
    return texte


def _tracer(*, agent, document: Document, libelle: str, action: str, request=None) -> None:
    """Une entrée sur le foyer, que la chronologie du dossier relit (clé `fait`)."""
    apres = {
        "Type": document.get_type_piece_display(),
        "Date du document": f"{document.date_document:%d/%m/%Y}",
        "Personne concernée": str(document.personne) if document.personne_id else "le foyer",
        "Fichier": f"{document.nom_original} ({taille_lisible(document.taille)})",
    }
    journaliser(
        agent=agent,
        action=action,
        objet_type="habitants.foyer",
        objet_id=str(document.foyer_id),
        details={CLE_FAIT: libelle, "avant": {}, "apres": apres} | _details(document),
        request=request,
    )


def _verifier_ecriture(agent, foyer) -> None:
    if not perms.peut_suivre_foyer(agent, foyer):
        raise PermissionDenied("Les pièces du dossier sont tenues par ses travailleurs sociaux.")


def deposer_piece(
    *,
    agent,
    foyer,
    fichier,
    type_piece: str,
    date_document: date,
    personne=None,
    intitule: str = "",
    objet=None,
    request=None,
) -> Document:
    """Contrôle et range le fichier, puis enregistre la pièce (une transaction) ; journalisé.
    `objet` : l'objet du dossier auquel la rattacher (une demande d'aide), facultatif."""
    _verifier_ecriture(agent, foyer)
    erreurs = {}
    try:
        reconnu = verifier_fichier(fichier)
    except ValidationError as e:
        erreurs["fichier"] = e.messages
    if type_piece not in TypePiece.values:
        erreurs["type_piece"] = ["Choisissez un type de pièce."]
    if date_document and date_document > timezone.localdate():
        erreurs["date_document"] = ["La date du document ne peut pas être dans le futur."]
    if personne is not None and not foyer.membres.filter(habitant=personne).exists():
        erreurs["personne"] = ["Cette personne ne fait pas partie du foyer."]
    if objet is not None and getattr(objet, "foyer_id", foyer.pk) != foyer.pk:
        erreurs["objet"] = ["Cet objet n'appartient pas à ce foyer."]
    if erreurs:
        raise ValidationError(erreurs)

    empreinte = hashlib.sha256()
    for morceau in fichier.chunks():
        empreinte.update(morceau)
    fichier.seek(0)
    nom = nom_sur(fichier.name)
    # Un nom aléatoire, rangé par mois : rien de la personne dans le stockage.
    jour = timezone.localdate()
    chemin = f"{jour:%Y/%m}/{uuid.uuid4().hex}{reconnu.extensions[0]}"
    try:
        enregistre = stockage().save(chemin, fichier)
    except Exception:  # disque plein, S3 injoignable : un message, rien en base
        logger.exception("Pièce jointe non rangée dans le stockage : %s", chemin)
        try:
            stockage().delete(chemin)  # un fichier écrit à moitié
        except Exception:
            logger.exception("Pièce jointe à moitié écrite non effacée : %s", chemin)
        raise ValidationError(
            {
                "fichier": "Le fichier n'a pas pu être enregistré (stockage des pièces "
                "indisponible) : rien n'a été déposé, réessayez dans un moment."
            }
        ) from None
    try:
        with transaction.atomic():
            document = Document(
                foyer=foyer,
                personne=personne,
                objet=objet,
                type_piece=type_piece,
                intitule=intitule.strip(),
                date_document=date_document,
                fichier=enregistre,
                nom_original=nom,
                type_mime=reconnu.mime,
                taille=fichier.size,
                empreinte=empreinte.hexdigest(),
                depose_par=agent,
            )
            document.full_clean(exclude=["objet_type", "objet_id"])
            document.save()
            _tracer(
                agent=agent,
                document=document,
                libelle=_libelle(document, "Pièce déposée"),
                action=ActionJournal.CREATION,
                request=request,
            )
    except BaseException:
        # Rien en base : le fichier rangé ne doit pas rester orphelin.
        stockage().delete(enregistre)
        raise
    return document


@transaction.atomic
def supprimer_piece(*, agent, document: Document, request=None) -> None:
    """Supprime la pièce et, après validation, son fichier ; journalisé sur le foyer."""
    _verifier_ecriture(agent, document.foyer)
    document = (
        Document.objects.select_for_update(of=("self",))
        .select_related("personne")
        .get(pk=document.pk)
    )
    _tracer(
        agent=agent,
        document=document,
        libelle=_libelle(document, "Pièce supprimée"),
        action=ActionJournal.MODIFICATION,
        request=request,
    )
    nom = document.fichier
    document.delete()
    supprimer_les_fichiers([nom])


def ouvrir_piece(*, agent, document: Document, request=None):
    """Le fichier ouvert en lecture, après avoir journalisé l'ouverture (qui, quand, quelle
    pièce, de quel foyer). L'appelant a vérifié l'accès au dossier du foyer."""
    fichier = stockage().open(document.fichier, "rb")
    journaliser(
        agent=agent,
        action=ActionJournal.CONSULTATION,
        objet=document,
        details=_details(document) | {"foyer": document.foyer_id},
        request=request,
    )
    return fichier


def supprimer_pieces(documents) -> int:
    """Supprime ces pièces et (après validation) leurs fichiers : purge et effacement d'une
    personne, foyer entièrement anonymisé. Renvoie leur nombre."""
    noms = list(documents.values_list("fichier", flat=True))
    n = documents.delete()[0]
    supprimer_les_fichiers(noms)
    return n


def pieces_de(objet):
    """Les pièces jointes à un objet du dossier (une demande d'aide), les plus récentes
    d'abord (une requête)."""
    return (
        Document.rattachees_a(objet)
        .select_related("personne", "depose_par")
        .order_by("-depose_le", "-pk")
    )


def pieces_du_foyer(foyer):
    """Les pièces du dossier d'un foyer, les plus récentes d'abord (une requête)."""
    return (
        Document.objects.filter(foyer=foyer)
        .select_related("personne", "depose_par")
        .order_by("-depose_le", "-pk")
    )
