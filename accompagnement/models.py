from django.conf import settings
from django.db import models
from django.db.models import Q

from accompagnement.enums import MotifCloture, StatutAccompagnement


class AccompagnementQuerySet(models.QuerySet):
    def visibles_par(self, agent):
        """Les accompagnements dont l'agent (travailleur social) est référent ou co-intervenant."""
        from ccas_portal import perms

        if not perms.peut_accompagner(agent):
            return self.none()
        return self.filter(Q(referent=agent) | Q(co_intervenants=agent)).distinct()


class Accompagnement(models.Model):
    """Un accompagnement social d'un foyer (et de certains de ses membres) sur un axe."""

    foyer = models.ForeignKey(
        "habitants.Foyer", on_delete=models.PROTECT, related_name="accompagnements"
    )
    membres = models.ManyToManyField(
        "habitants.Habitant", verbose_name="personnes concernées", related_name="accompagnements"
    )
    axe = models.ForeignKey("droits.Axe", on_delete=models.PROTECT, related_name="+")
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="référent",
        on_delete=models.PROTECT,
        related_name="accompagnements_referent",
    )
    co_intervenants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="co-intervenants",
        blank=True,
        related_name="accompagnements_co_intervenant",
    )
    statut = models.CharField(
        "statut",
        max_length=20,
        choices=StatutAccompagnement.choices,
        default=StatutAccompagnement.OUVERT,
    )
    date_ouverture = models.DateField("ouvert le")
    date_cloture = models.DateField("clos le", null=True, blank=True)
    motif_cloture = models.CharField(
        "motif de clôture", max_length=30, choices=MotifCloture.choices, blank=True
    )
    faits = models.JSONField("faits propres à l'axe", default=dict, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    objects = AccompagnementQuerySet.as_manager()

    class Meta:
        verbose_name = "accompagnement"
        verbose_name_plural = "accompagnements"
        ordering = ["-date_ouverture", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(statut=StatutAccompagnement.CLOS, date_cloture__isnull=False)
                    & ~Q(motif_cloture="")
                )
                | (
                    ~Q(statut=StatutAccompagnement.CLOS)
                    & Q(date_cloture__isnull=True, motif_cloture="")
                ),
                name="accompagnement_cloture_coherente",
            ),
            models.CheckConstraint(
                condition=Q(date_cloture__isnull=True)
                | Q(date_cloture__gte=models.F("date_ouverture")),
                name="accompagnement_cloture_apres_ouverture",
            ),
        ]

    def __str__(self):
        return f"{self.axe} — {self.foyer} ({self.get_statut_display()})"


class ChangementStatut(models.Model):
    """L'historique des statuts d'un accompagnement : qui, quand, de quoi à quoi."""

    accompagnement = models.ForeignKey(
        Accompagnement, on_delete=models.CASCADE, related_name="changements"
    )
    ancien = models.CharField(max_length=20, choices=StatutAccompagnement.choices, blank=True)
    nouveau = models.CharField(max_length=20, choices=StatutAccompagnement.choices)
    date = models.DateField("date")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    commentaire = models.CharField("commentaire", max_length=500, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.ancien or '—'} → {self.nouveau} le {self.date:%d/%m/%Y}"
