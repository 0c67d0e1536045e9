"""Les demandes de partage ou de transfert d'un foyer entre sites (Maisons des Habitants).

Le modèle vit à part de `models.py` (qui l'importe) ; ses écritures passent par
`habitants/partage.py`, ses lectures par `habitants/acces.py` (la règle d'accès à un foyer).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ccas_portal.models import Site


class NatureDemande(models.TextChoices):
    #: Le site demandeur voit et suit aussi le foyer ; le site de rattachement reste.
    PARTAGE = "partage", "Partage"
    #: Le foyer et ses membres actuels changent de site de rattachement.
    TRANSFERT = "transfert", "Transfert"


class StatutDemande(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    ACCEPTEE = "acceptee", "Acceptée"
    REFUSEE = "refusee", "Refusée"
    RETIREE = "retiree", "Retirée par le demandeur"
    TERMINEE = "terminee", "Partage terminé"


class DemandePartage(models.Model):
    """Une demande, par un site, de partager un foyer d'un autre site ou de se le voir
    transférer. Un partage accepté (et non terminé) donne au site demandeur le même accès au
    foyer que son site de rattachement (`habitants.acces`)."""

    foyer = models.ForeignKey(
        "habitants.Foyer", on_delete=models.CASCADE, related_name="demandes_partage"
    )
    #: La personne semblable trouvée à l'inscription, par qui la demande a été faite.
    habitant = models.ForeignKey(
        "habitants.Habitant",
        verbose_name="personne",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    site_demandeur = models.ForeignKey(
        Site, verbose_name="site demandeur", on_delete=models.PROTECT, related_name="+"
    )
    #: Le site de rattachement du foyer quand la demande a été faite (il décide).
    site_sollicite = models.ForeignKey(
        Site, verbose_name="site sollicité", on_delete=models.PROTECT, related_name="+"
    )
    #: L'identité telle que le demandeur l'a tapée (ce qu'il sait déjà, rien de plus).
    personne_cherchee = models.CharField("personne cherchée", max_length=200, blank=True)
    nature = models.CharField("nature", max_length=10, choices=NatureDemande.choices)
    motif = models.CharField("motif de la demande", max_length=300)
    statut = models.CharField(
        "statut", max_length=10, choices=StatutDemande.choices, default=StatutDemande.EN_ATTENTE
    )
    demandee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandée par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    demandee_le = models.DateTimeField("demandée le")
    decidee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidée par",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decidee_le = models.DateTimeField("décidée le", null=True, blank=True)
    motif_refus = models.CharField("motif du refus", max_length=300, blank=True)
    #: Retrait par le demandeur, ou fin d'un partage accepté.
    close_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="close par",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_le = models.DateTimeField("close le", null=True, blank=True)

    class Meta:
        verbose_name = "demande de partage d'un foyer"
        verbose_name_plural = "demandes de partage de foyers"
        ordering = ["-demandee_le", "-id"]
        indexes = [
            models.Index(fields=["site_demandeur", "statut"], name="partage_demandeur_statut"),
            models.Index(fields=["site_sollicite", "statut"], name="partage_sollicite_statut"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["foyer", "site_demandeur"],
                condition=Q(statut="en_attente"),
                name="une_demande_en_attente_par_foyer_et_site",
            ),
            models.UniqueConstraint(
                fields=["foyer", "site_demandeur"],
                condition=Q(statut="acceptee", nature="partage"),
                name="un_partage_en_cours_par_foyer_et_site",
            ),
            models.CheckConstraint(
                condition=Q(nature__in=NatureDemande.values), name="demande_partage_nature_connue"
            ),
            models.CheckConstraint(
                condition=Q(statut__in=StatutDemande.values),
                name="demande_partage_statut_connu",
            ),
            models.CheckConstraint(
                condition=~Q(motif=""), name="demande_partage_motif_obligatoire"
            ),
            models.CheckConstraint(
                condition=~Q(site_demandeur=models.F("site_sollicite")),
                name="demande_partage_autre_site",
            ),
            # Une demande décidée l'a été par quelqu'un, à une date ; une demande en attente ou
            # retirée ne l'a pas été.
            models.CheckConstraint(
                condition=(
                    Q(
                        statut__in=["acceptee", "refusee", "terminee"],
                        decidee_par__isnull=False,
                        decidee_le__isnull=False,
                    )
                    | Q(
                        statut__in=["en_attente", "retiree"],
                        decidee_par__isnull=True,
                        decidee_le__isnull=True,
                    )
                ),
                name="demande_partage_decision_datee",
            ),
            models.CheckConstraint(
                condition=~Q(statut="refusee") | ~Q(motif_refus=""),
                name="demande_partage_refus_motive",
            ),
            models.CheckConstraint(
                condition=Q(statut="refusee") | Q(motif_refus=""),
                name="demande_partage_motif_refus_si_refus",
            ),
            models.CheckConstraint(
                condition=(
                    Q(statut__in=["retiree", "terminee"], close_le__isnull=False)
                    | (~Q(statut__in=["retiree", "terminee"]) & Q(close_le__isnull=True))
                ),
                name="demande_partage_cloture_datee",
            ),
            models.CheckConstraint(
                condition=~Q(statut="terminee") | Q(nature="partage"),
                name="demande_partage_seul_un_partage_se_termine",
            ),
        ]

    def __str__(self):
        return f"{self.get_nature_display()} demandé par {self.site_demandeur}"

    @property
    def en_attente(self) -> bool:
        return self.statut == StatutDemande.EN_ATTENTE

    @property
    def partage_en_cours(self) -> bool:
        return self.statut == StatutDemande.ACCEPTEE and self.nature == NatureDemande.PARTAGE
