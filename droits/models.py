from django.conf import settings
from django.db import models
from django.db.models import F, Q

from droits.enums import (
    ETATS_OUVERTS,
    EtatSignalement,
    NaturePrestation,
    PerimetreDetection,
    SourcePrestation,
    StatutExecution,
    StatutPrestation,
)


class Axe(models.Model):
    """Un axe de droits fondamentaux, copie en base de sa déclaration dans `droits/axes/`."""

    code = models.SlugField("code", max_length=30, primary_key=True)
    ordre = models.PositiveSmallIntegerField("ordre")
    libelle = models.CharField("intitulé", max_length=200)
    libelle_court = models.CharField("intitulé court", max_length=60)
    description = models.TextField("description")
    actif = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "axe de droits"
        verbose_name_plural = "axes de droits"
        ordering = ["ordre"]

    def __str__(self):
        return self.libelle_court


class Prestation(models.Model):
    """Le catalogue : prestations légales (déclarées par les axes, `droits/axes/`) et aides
    facultatives du CCAS (ajoutées par un administrateur)."""

    code = models.SlugField("code", max_length=40, primary_key=True)
    libelle = models.CharField("intitulé", max_length=200)
    axe = models.ForeignKey(Axe, on_delete=models.PROTECT, related_name="prestations")
    nature = models.CharField("nature", max_length=20, choices=NaturePrestation.choices)
    variables_openfisca = models.JSONField(
        "variables OpenFisca", default=list, blank=True, help_text="Prestations légales seulement."
    )
    description = models.TextField("description", blank=True)
    montant_indicatif = models.DecimalField(
        "montant mensuel indicatif (€)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Aides facultatives : le montant porté sur les signalements des règles locales.",
    )
    actif = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "prestation"
        verbose_name_plural = "prestations"
        ordering = ["axe__ordre", "libelle"]

    def __str__(self):
        return self.libelle


class PrestationFoyer(models.Model):
    """Une prestation demandée ou perçue par un foyer (ou l'un de ses membres)."""

    foyer = models.ForeignKey(
        "habitants.Foyer", on_delete=models.CASCADE, related_name="prestations"
    )
    prestation = models.ForeignKey(Prestation, on_delete=models.PROTECT, related_name="+")
    beneficiaire = models.ForeignKey(
        "habitants.Habitant",
        verbose_name="bénéficiaire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    statut = models.CharField("statut", max_length=20, choices=StatutPrestation.choices)
    date_demande = models.DateField("demandée le", null=True, blank=True)
    date_debut = models.DateField("versée depuis le", null=True, blank=True)
    date_fin = models.DateField("jusqu'au", null=True, blank=True)
    montant_mensuel = models.DecimalField(
        "montant mensuel (€)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    source = models.CharField("source", max_length=20, choices=SourcePrestation.choices)
    note = models.CharField("note", max_length=300, blank=True)
    saisi_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "prestation du foyer"
        verbose_name_plural = "prestations du foyer"
        ordering = ["prestation__axe__ordre", "prestation__libelle", "-date_demande"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant_mensuel__isnull=True) | Q(montant_mensuel__gte=0),
                name="prestation_foyer_montant_positif",
            ),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True)
                | Q(date_debut__isnull=True)
                | Q(date_fin__gte=F("date_debut")),
                name="prestation_foyer_fin_apres_debut",
            ),
        ]

    def __str__(self):
        return f"{self.prestation} — {self.get_statut_display()}"


class ExecutionDetection(models.Model):
    """Un passage de la détection du non-recours : qui l'a lancé, sur quoi, où il en est."""

    lance_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="lancée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    declencheur = models.CharField("déclencheur", max_length=100)
    perimetre = models.CharField("périmètre", max_length=20, choices=PerimetreDetection.choices)
    site = models.ForeignKey(
        "ccas_portal.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    foyer = models.ForeignKey(
        "habitants.Foyer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mois_cible = models.DateField("mois simulé")
    statut = models.CharField(
        "statut",
        max_length=20,
        choices=StatutExecution.choices,
        default=StatutExecution.EN_ATTENTE,
    )
    total = models.PositiveIntegerField("foyers à traiter", default=0)
    traites = models.PositiveIntegerField("foyers traités", default=0)
    incomplets = models.PositiveIntegerField("foyers incomplets (non simulés)", default=0)
    comptes = models.JSONField("droits probables par prestation", default=dict, blank=True)
    signalements_crees = models.PositiveIntegerField("signalements créés", default=0)
    erreurs = models.JSONField("erreurs", default=list, blank=True)
    cree_le = models.DateTimeField("demandée le", auto_now_add=True)
    debut = models.DateTimeField("commencée le", null=True, blank=True)
    fin = models.DateTimeField("terminée le", null=True, blank=True)

    class Meta:
        verbose_name = "passage de détection"
        verbose_name_plural = "passages de détection"
        ordering = ["-cree_le"]

    def __str__(self):
        return f"Détection du {self.cree_le:%d/%m/%Y %H:%M} ({self.get_statut_display()})"

    @property
    def progression(self) -> int:
        """Pourcentage de foyers traités (0 à 100) ; un passage pas encore découpé en est à 0,
        un passage terminé sans foyer à 100."""
        if not self.total:
            return 100 if self.statut == StatutExecution.TERMINEE else 0
        return min(100, round(100 * self.traites / self.total))

    @property
    def duree(self):
        if self.debut and self.fin:
            return self.fin - self.debut
        return None

    @property
    def duree_lisible(self) -> str:
        """« 2 min 19 s », « 1 h 05 min », « 8 s »."""
        if self.duree is None:
            return "—"
        secondes = round(self.duree.total_seconds())
        heures, reste = divmod(secondes, 3600)
        minutes, secondes = divmod(reste, 60)
        if heures:
            return f"{heures} h {minutes:02d} min"
        return f"{minutes} min {secondes:02d} s" if minutes else f"{secondes} s"


class LotDetection(models.Model):
    """Un lot de foyers d'un passage : l'unité de travail d'une tâche Celery, rejouable."""

    execution = models.ForeignKey(ExecutionDetection, on_delete=models.CASCADE, related_name="lots")
    numero = models.PositiveIntegerField()
    foyers = models.JSONField("identifiants des foyers")
    fait = models.BooleanField(default=False)
    tentatives = models.PositiveSmallIntegerField(default=0)
    termine_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "lot de détection"
        verbose_name_plural = "lots de détection"
        constraints = [
            models.UniqueConstraint(fields=["execution", "numero"], name="lot_unique_par_execution")
        ]

    def __str__(self):
        return f"Lot {self.numero} de {self.execution}"


class EtatDetectionFoyer(models.Model):
    """La dernière simulation d'un foyer : quand, et l'empreinte des faits simulés."""

    foyer = models.OneToOneField(
        "habitants.Foyer", on_delete=models.CASCADE, primary_key=True, related_name="detection"
    )
    simule_le = models.DateTimeField()
    empreinte = models.CharField(max_length=64)
    mois_cible = models.DateField("mois simulé", null=True)
    #: {prestation: montant mensuel estimé} de la dernière simulation (droits probables,
    #: demandés ou non) ; vide pour un foyer incomplet.
    estimations = models.JSONField("droits estimés", default=dict)
    execution = models.ForeignKey(
        ExecutionDetection, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"Foyer {self.foyer_id} simulé le {self.simule_le:%d/%m/%Y %H:%M}"


class Signalement(models.Model):
    """Un droit probable non demandé ni perçu : le non-recours repéré pour un foyer."""

    foyer = models.ForeignKey(
        "habitants.Foyer", on_delete=models.CASCADE, related_name="signalements"
    )
    prestation = models.ForeignKey(Prestation, on_delete=models.PROTECT, related_name="+")
    montant_estime = models.DecimalField(
        "montant mensuel estimé (€)", max_digits=9, decimal_places=2
    )
    execution = models.ForeignKey(
        ExecutionDetection,
        verbose_name="dernière détection",
        null=True,
        on_delete=models.SET_NULL,
        related_name="signalements",
    )
    explication = models.JSONField("explication (principales données utilisées)", default=dict)
    empreinte = models.CharField("empreinte des faits", max_length=64)
    etat = models.CharField(
        "état", max_length=20, choices=EtatSignalement.choices, default=EtatSignalement.NOUVEAU
    )
    toujours_detecte = models.BooleanField("détecté au dernier passage", default=True)
    cree_le = models.DateTimeField("repéré le", auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "signalement"
        verbose_name_plural = "signalements"
        ordering = ["-montant_estime", "-cree_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["foyer", "prestation"],
                condition=Q(etat__in=ETATS_OUVERTS),
                name="un_signalement_ouvert_par_foyer_et_prestation",
            ),
            models.CheckConstraint(
                condition=Q(montant_estime__gte=0), name="signalement_montant_positif"
            ),
        ]
        indexes = [models.Index(fields=["etat", "-montant_estime"], name="signalement_etat")]

    def __str__(self):
        return f"{self.prestation} — {self.montant_estime} €/mois ({self.get_etat_display()})"

    @property
    def ouvert(self) -> bool:
        return self.etat in ETATS_OUVERTS


class ChangementSignalement(models.Model):
    """Qui a fait passer le signalement de quel état à quel autre, et quand. Sa création
    (« nouveau », par la détection) n'y est pas répétée : elle est sur le signalement (date de
    repérage)."""

    signalement = models.ForeignKey(
        Signalement, on_delete=models.CASCADE, related_name="changements"
    )
    ancien = models.CharField(max_length=20, choices=EtatSignalement.choices, blank=True)
    nouveau = models.CharField(max_length=20, choices=EtatSignalement.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    commentaire = models.CharField("commentaire", max_length=500, blank=True)
    le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "changement d'état de signalement"
        verbose_name_plural = "changements d'état de signalement"
        ordering = ["le", "id"]

    def __str__(self):
        return f"{self.ancien or '—'} → {self.nouveau}"
