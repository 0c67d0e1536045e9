from django.conf import settings
from django.db import models
from django.db.models import Q

from accompagnement.enums import (
    MotifCloture,
    StatutAccompagnement,
    StatutAction,
    StatutOrientation,
    TypeActionCollective,
)
from ccas_portal import perms
from ccas_portal.formats import retard_en_jours
from habitants.acces import q_foyers_accessibles


class AccompagnementQuerySet(models.QuerySet):
    def visibles_par(self, agent):
        """Les accompagnements dont l'agent (travailleur social) est référent ou co-intervenant,
        sur les foyers auxquels ses sites ACTUELS ont accès (`habitants.acces`, ADR 0025)."""
        if not perms.peut_accompagner(agent):
            return self.none()
        # Une sous-requête UNION plutôt qu'un OR : chaque moitié suit son index (référent,
        # co-intervenant) et PostgreSQL estime bien le nombre de lignes (quelques centaines) ;
        # avec « referent = … OR id IN (…) », il parcourait toute la table. Pas de jointure :
        # pas de doublons.
        co = Accompagnement.co_intervenants.through.objects.filter(agent_id=agent.pk)
        siens = (
            Accompagnement.objects.filter(referent_id=agent.pk)
            .order_by()
            .values("pk")
            .union(co.order_by().values("accompagnement_id"))
        )
        return self.filter(q_foyers_accessibles(agent.ids_sites, "foyer__"), pk__in=siens)


class Accompagnement(models.Model):
    """Un accompagnement social d'un foyer (et de certains de ses membres) sur un axe."""

    foyer = models.ForeignKey(
        "habitants.Foyer", on_delete=models.PROTECT, related_name="accompagnements"
    )
    membres = models.ManyToManyField(
        "habitants.Habitant", verbose_name="personnes concernées", related_name="accompagnements"
    )
    axe = models.ForeignKey("ccas_portal.Axe", on_delete=models.PROTECT, related_name="+")
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


class Objectif(models.Model):
    accompagnement = models.ForeignKey(
        Accompagnement, on_delete=models.CASCADE, related_name="objectifs"
    )
    libelle = models.CharField("objectif", max_length=300)
    ordre = models.PositiveSmallIntegerField(default=0)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "objectif"
        verbose_name_plural = "objectifs"
        ordering = ["ordre", "id"]

    def __str__(self):
        return self.libelle


class Action(models.Model):
    objectif = models.ForeignKey(Objectif, on_delete=models.CASCADE, related_name="actions")
    libelle = models.CharField("action", max_length=300)
    statut = models.CharField(
        "statut", max_length=20, choices=StatutAction.choices, default=StatutAction.A_FAIRE
    )
    echeance = models.DateField("échéance", null=True, blank=True)
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "action"
        verbose_name_plural = "actions"
        ordering = ["echeance", "id"]

    def __str__(self):
        return self.libelle

    @property
    def jours_de_retard(self) -> int:
        """Jours écoulés depuis l'échéance d'une action pas encore faite (0 sinon)."""
        faite = self.statut not in (
            StatutAction.A_FAIRE,
            StatutAction.EN_COURS,
            StatutAction.EN_ATTENTE,
        )
        return 0 if faite else retard_en_jours(self.echeance)


class Intervention(models.Model):
    accompagnement = models.ForeignKey(
        Accompagnement, on_delete=models.CASCADE, related_name="interventions"
    )
    type = models.CharField("type", max_length=40)
    date = models.DateField("date")
    duree_minutes = models.PositiveSmallIntegerField("durée (minutes)", null=True, blank=True)
    lieu = models.CharField("lieu", max_length=200, blank=True)
    participants = models.ManyToManyField(
        "habitants.Habitant", verbose_name="personnes présentes", blank=True, related_name="+"
    )
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interventions"
    )
    compte_rendu = models.TextField("compte rendu", blank=True)
    confidentiel = models.BooleanField(
        "note confidentielle",
        default=False,
        help_text="Lisible par son auteur et le référent seulement.",
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "intervention"
        verbose_name_plural = "interventions"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["accompagnement", "-date"], name="intervention_date")]

    def __str__(self):
        return f"{self.type} du {self.date:%d/%m/%Y}"


class Orientation(models.Model):
    accompagnement = models.ForeignKey(
        Accompagnement, on_delete=models.CASCADE, related_name="orientations"
    )
    partenaire = models.ForeignKey(
        "ccas_portal.Partenaire", on_delete=models.PROTECT, related_name="+"
    )
    motif = models.CharField("motif", max_length=300)
    date = models.DateField("date")
    statut = models.CharField(
        "statut",
        max_length=20,
        choices=StatutOrientation.choices,
        default=StatutOrientation.ENVOYEE,
    )
    resultat = models.CharField("résultat", max_length=500, blank=True)
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "orientation"
        verbose_name_plural = "orientations"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.partenaire} le {self.date:%d/%m/%Y}"


# --- Actions collectives (axe participation) ----------------------------------------------


class ActionCollectiveQuerySet(models.QuerySet):
    def visibles_par(self, agent):
        return self.filter(site_id__in=agent.ids_sites)


class ActionCollective(models.Model):
    """Une initiative collective ou une instance de participation, portée par un site."""

    titre = models.CharField("intitulé", max_length=200)
    type = models.CharField("type", max_length=20, choices=TypeActionCollective.choices)
    site = models.ForeignKey(
        "ccas_portal.Site",
        verbose_name="site porteur",
        on_delete=models.PROTECT,
        related_name="actions_collectives",
    )
    description = models.TextField("description", blank=True)
    date_debut = models.DateField("depuis le")
    active = models.BooleanField("en cours", default=True)
    animateurs = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="animateurs", related_name="+"
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    objects = ActionCollectiveQuerySet.as_manager()

    class Meta:
        verbose_name = "action collective"
        verbose_name_plural = "actions collectives"
        ordering = ["-active", "titre"]

    def __str__(self):
        return self.titre


class Seance(models.Model):
    """Une séance d'action collective : date, lieu, thème, présents nommés et anonymes."""

    action = models.ForeignKey(ActionCollective, on_delete=models.CASCADE, related_name="seances")
    date = models.DateField("date")
    site = models.ForeignKey(
        "ccas_portal.Site", verbose_name="lieu", on_delete=models.PROTECT, related_name="seances"
    )
    theme = models.CharField("thème", max_length=200)
    participants = models.ManyToManyField(
        "habitants.Habitant", verbose_name="participants inscrits", blank=True, related_name="+"
    )
    participants_anonymes = models.PositiveIntegerField(
        "participants non inscrits",
        default=0,
        help_text="Personnes présentes sans être inscrites au registre.",
    )
    animateurs = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="animateurs", related_name="+"
    )
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "séance"
        verbose_name_plural = "séances"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["site", "-date"], name="seance_site_date")]

    def __str__(self):
        return f"{self.action} — {self.date:%d/%m/%Y}"
