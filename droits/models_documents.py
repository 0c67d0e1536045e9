"""Les pièces jointes (justificatifs, courriers) du dossier d'un foyer et, plus tard, des
demandes d'aide : voir `droits/documents.py` (stockage, contrôles, services) et ADR 0027.

Le fichier lui-même est dans le stockage `documents` (`settings.STORAGES`) ; la ligne garde
son nom dans ce stockage (`fichier`), jamais servi directement : seule la vue
`droits.vues_documents.telecharger` le lit, après les contrôles du dossier du foyer.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from droits.enums import TypePiece


class Document(models.Model):
    #: Le foyer porte la règle d'accès (habitants/acces.py) : toute pièce en a un.
    foyer = models.ForeignKey(
        "habitants.Foyer", on_delete=models.PROTECT, related_name="documents", verbose_name="foyer"
    )
    #: La personne que la pièce concerne (son avis d'imposition, sa pièce d'identité) ; vide
    #: pour une pièce du foyer (quittance de loyer, facture d'énergie).
    personne = models.ForeignKey(
        "habitants.Habitant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name="personne concernée",
    )
    #: Rattachement facultatif à un objet du dossier (une demande d'aide, demain) : clé
    #: générique, l'objet rattaché déclare `GenericRelation(Document)` (ADR 0027).
    objet_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    objet_id = models.PositiveBigIntegerField(null=True, blank=True)
    objet = GenericForeignKey("objet_type", "objet_id")

    type_piece = models.CharField("type de pièce", max_length=30, choices=TypePiece.choices)
    intitule = models.CharField("intitulé", max_length=150, blank=True)
    date_document = models.DateField("date du document")
    #: Nom du fichier dans le stockage `documents` (aléatoire, sans rien de la personne).
    fichier = models.CharField("fichier", max_length=255, unique=True)
    nom_original = models.CharField("nom du fichier déposé", max_length=150)
    type_mime = models.CharField("type du contenu", max_length=50)
    taille = models.PositiveBigIntegerField("taille (octets)")
    empreinte = models.CharField("empreinte SHA-256", max_length=64)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="déposée par",
    )
    depose_le = models.DateTimeField("déposée le", default=timezone.now)

    class Meta:
        verbose_name = "pièce du dossier"
        verbose_name_plural = "pièces du dossier"
        ordering = ["-depose_le", "-id"]
        indexes = [
            models.Index(fields=["foyer", "-depose_le"], name="document_foyer_depot"),
            models.Index(fields=["objet_type", "objet_id"], name="document_objet"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(objet_type__isnull=True, objet_id__isnull=True)
                | Q(objet_type__isnull=False, objet_id__isnull=False),
                name="document_objet_complet_ou_absent",
            ),
            models.CheckConstraint(condition=Q(taille__gt=0), name="document_taille_positive"),
        ]

    def __str__(self):
        texte = self.intitule or self.get_type_piece_display()
        return f"{texte} du {self.date_document:%d/%m/%Y}"

    @property
    def taille_lisible(self) -> str:
        from droits.documents import taille_lisible  # noqa: PLC0415 (cycle : documents importe ce modèle)

        return taille_lisible(self.taille)

    @classmethod
    def rattachees_a(cls, objet: models.Model) -> models.QuerySet:
        """Les pièces rattachées à un objet (une demande d'aide…)."""
        return cls.objects.filter(
            objet_type=ContentType.objects.get_for_model(objet), objet_id=objet.pk
        )
