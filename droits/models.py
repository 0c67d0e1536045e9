from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    DecimalField,
    F,
    FloatField,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Round
from django.utils.functional import cached_property

from ccas_portal import perms
from ccas_portal.formats import AVANT_UNITE, compte, euros, nombre
from droits.enums import (
    ETATS_OUVERTS,
    EtatSignalement,
    FormePrestation,
    NaturePrestation,
    PerimetreDetection,
    SourcePrestation,
    StatutExecution,
    StatutPrestation,
)
from habitants.acces import q_foyers_accessibles


class Prestation(models.Model):
    """Le catalogue : prestations légales (déclarées par les axes, `droits/axes/`) et aides
    facultatives du CCAS (ajoutées par un administrateur)."""

    code = models.SlugField("code", max_length=40, primary_key=True)
    libelle = models.CharField("intitulé", max_length=200)
    axe = models.ForeignKey("ccas_portal.Axe", on_delete=models.PROTECT, related_name="prestations")
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
    forme = models.CharField(
        "ce que le droit apporte",
        max_length=20,
        choices=FormePrestation.choices,
        default=FormePrestation.VERSEMENT,
    )
    valeur_couverture_annuelle = models.DecimalField(
        "valeur annuelle de la couverture par personne (€)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=(
            "Couvertures seulement : range la file de travail (valeur − participation), "
            "voir docs/detection.md."
        ),
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
    """Une exécution de la détection du non-recours : qui l'a lancée, sur quoi, où elle en est.
    (Un « passage » est une venue à l'accueil : le mot n'est jamais employé ici.)"""

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
    #: Ce que sont devenus les droits probables (la somme des `comptes`) : {"deja_demandes":
    #: prestation déjà demandée, à instruire, accordée ou perçue ; "deja_signales" :
    #: signalement ouvert déjà là (mis à jour s'il a changé) ; "clos_memes_faits" : signalement
    #: clos (non éligible, refus, droit ouvert) sur les mêmes faits ; "hors_catalogue" :
    #: prestation retirée du catalogue ; "nouveaux" : signalements créés} ; et
    #: "plus_detectes" : signalements ouverts que l'exécution ne retrouve plus. Vide pour une
    #: exécution antérieure à ce décompte.
    bilan = models.JSONField("devenir des droits probables", default=dict, blank=True)
    erreurs = models.JSONField("erreurs", default=list, blank=True)
    #: Fois où la surveillance a renvoyé au broker les lots non faits d'une exécution sans
    #: activité (messages perdus : redémarrage du broker, voir ADR 0021).
    relances = models.PositiveSmallIntegerField("relances", default=0)
    relancee_le = models.DateTimeField("dernière relance le", null=True, blank=True)
    cree_le = models.DateTimeField("demandée le", auto_now_add=True)
    debut = models.DateTimeField("commencée le", null=True, blank=True)
    fin = models.DateTimeField("terminée le", null=True, blank=True)

    class Meta:
        verbose_name = "exécution de la détection"
        verbose_name_plural = "exécutions de la détection"
        ordering = ["-cree_le"]

    def __str__(self):
        return f"Détection du {self.cree_le:%d/%m/%Y %H:%M} ({self.get_statut_display()})"

    @property
    def progression(self) -> int:
        """Pourcentage de foyers traités (0 à 100) ; une exécution pas encore découpée en est à
        0, une exécution terminée sans foyer à 100."""
        if not self.total:
            return 100 if self.statut == StatutExecution.TERMINEE else 0
        return min(100, round(100 * self.traites / self.total))

    @property
    def droits_probables_total(self) -> int:
        return sum(self.comptes.values())

    def explication_du_bilan(self) -> str:
        """Pourquoi les droits probables ne sont pas tous de nouveaux signalements, en une
        phrase : « Droits probables : 120, dont 80 déjà demandés ou perçus, 25 déjà signalés,
        15 nouveaux signalements. »"""
        total = self.droits_probables_total
        nouveaux = compte(
            self.signalements_crees,
            "nouveau signalement",
            "nouveaux signalements",
            zero="aucun nouveau signalement",
        )
        debut = f"Droits probables : {nombre(total)} (un par foyer et prestation)"
        if not total:
            return "Aucun droit probable : aucun nouveau signalement."
        if not self.bilan:
            return f"{debut} ; {nouveaux} (répartition non enregistrée pour cette exécution)."
        b = self.bilan
        parties = [
            compte(
                b.get("deja_demandes", 0),
                "déjà demandé ou perçu",
                "déjà demandés ou perçus",
            ),
            compte(b.get("deja_signales", 0), "déjà signalé", "déjà signalés"),
        ]
        if b.get("clos_memes_faits"):
            parties.append(
                compte(
                    b["clos_memes_faits"],
                    "déjà clos sur les mêmes faits",
                    "déjà clos sur les mêmes faits",
                )
            )
        if b.get("hors_catalogue"):
            parties.append(
                compte(
                    b["hors_catalogue"],
                    "pour une prestation retirée du catalogue",
                    "pour des prestations retirées du catalogue",
                )
            )
        texte = f"{debut}, dont {', '.join(parties)} et {nouveaux}."
        if b.get("plus_detectes"):
            texte += " " + compte(
                b["plus_detectes"],
                "signalement ouvert n'est plus détecté.",
                "signalements ouverts ne sont plus détectés.",
            )
        return texte

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
    """Un lot de foyers d'une exécution : l'unité de travail d'une tâche Celery, rejouable."""

    execution = models.ForeignKey(ExecutionDetection, on_delete=models.CASCADE, related_name="lots")
    numero = models.PositiveIntegerField()
    foyers = models.JSONField("identifiants des foyers")
    fait = models.BooleanField(default=False)
    tentatives = models.PositiveSmallIntegerField(default=0)
    #: Début de la dernière tentative (la surveillance y lit l'activité de l'exécution).
    commence_le = models.DateTimeField(null=True, blank=True)
    termine_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "lot de détection"
        verbose_name_plural = "lots de détection"
        constraints = [
            models.UniqueConstraint(fields=["execution", "numero"], name="lot_unique_par_execution")
        ]

    def __str__(self):
        return f"Lot {self.numero} — {self.execution}"


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
    #: L'exécution qui l'a écrit : une provenance, jamais un filtre. Sans contrainte ni index
    #: en base (ADR 0038) : chaque lot écrit 10 000 états, et PostgreSQL contrôlait la clé de
    #: chacun à la validation. La suppression d'une exécution par l'ORM remet toujours ce
    #: champ à vide (SET_NULL, fait par Django).
    execution = models.ForeignKey(
        ExecutionDetection,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    def __str__(self):
        return f"Foyer {self.foyer_id} simulé le {self.simule_le:%d/%m/%Y %H:%M}"


class SignalementQuerySet(models.QuerySet):
    def visibles_par(self, agent):
        """Le seul endroit qui dit quels signalements un agent voit : ceux des foyers
        accessibles à ses sites (rattachés ou partagés : `habitants.acces`), pour un
        travailleur social ; aucun pour les autres rôles."""
        if not perms.peut_accompagner(agent):
            return self.none()
        return self.filter(q_foyers_accessibles(agent.ids_sites, "foyer__"))

    def avec_apport(self):
        """Annote `apport_mensuel`, la valeur documentée qui range la file de travail
        (docs/detection.md) : le montant estimé d'un versement ; pour une couverture, sa
        valeur mensuelle (valeur annuelle par personne × personnes du foyer ÷ 12) moins la
        participation estimée."""
        # En virgule flottante puis arrondi au centime : SQLite diviserait des entiers en
        # entiers (416 × 1 / 12 = 34) ; Round repasse en numeric sur PostgreSQL.
        personnes = Coalesce(Cast(KT("explication__personnes"), IntegerField()), Value(1))
        montant = Cast("montant_estime", FloatField())
        valeur = (
            Cast(Coalesce("prestation__valeur_couverture_annuelle", Value(0)), FloatField())
            * personnes
            / Value(12.0)
            - montant
        )
        apport = Case(
            When(prestation__forme=FormePrestation.COUVERTURE, then=valeur),
            default=montant,
            output_field=FloatField(),
        )
        return self.annotate(apport_mensuel=Cast(Round(apport, 2), MONTANT))


MONTANT = DecimalField(max_digits=12, decimal_places=2)


class Signalement(models.Model):
    """Un droit probable non demandé ni perçu : le non-recours repéré pour un foyer."""

    foyer = models.ForeignKey(
        "habitants.Foyer", on_delete=models.CASCADE, related_name="signalements"
    )
    #: Index simple (`signalement_prestation`) : pas celui des recherches par préfixe que
    #: Django ajoute à une clé texte (ADR 0041).
    prestation = models.ForeignKey(
        Prestation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    montant_estime = models.DecimalField(
        "montant mensuel estimé (€)", max_digits=9, decimal_places=2
    )
    #: La dernière exécution qui l'a vu : une provenance, jamais un filtre ni un affichage.
    #: Sans contrainte ni index en base, comme celle de l'état d'un foyer (ADR 0038, 0041) ;
    #: la suppression d'une exécution par l'ORM remet ce champ à vide (SET_NULL, fait par
    #: Django).
    execution = models.ForeignKey(
        ExecutionDetection,
        verbose_name="dernière détection",
        null=True,
        on_delete=models.SET_NULL,
        related_name="signalements",
        db_constraint=False,
        db_index=False,
    )
    explication = models.JSONField("explication (principales données utilisées)", default=dict)
    empreinte = models.CharField("empreinte des faits", max_length=64)
    etat = models.CharField(
        "état", max_length=20, choices=EtatSignalement.choices, default=EtatSignalement.NOUVEAU
    )
    toujours_detecte = models.BooleanField("détecté à la dernière exécution", default=True)
    #: Attribué à un travailleur social ; vide : le référent d'un accompagnement en cours du
    #: foyer, par défaut (`droits.file_de_travail.avec_responsable`).
    attribue_a = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="attribué à",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signalements_attribues",
        db_index=False,  # index partiel (`signalement_attribue`) : ADR 0041
    )
    #: La prestation du foyer enregistrée quand la demande est déposée ou le droit ouvert :
    #: l'estimé face à l'accordé.
    prestation_foyer = models.ForeignKey(
        PrestationFoyer,
        verbose_name="prestation enregistrée",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signalements",
        db_index=False,  # index partiel (`signalement_prestation_foyer`) : ADR 0041
    )
    cree_le = models.DateTimeField("repéré le", auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    objects = SignalementQuerySet.as_manager()

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
        indexes = [
            models.Index(fields=["etat", "-montant_estime"], name="signalement_etat"),
            models.Index(fields=["prestation"], name="signalement_prestation"),
            # Partiels : la détection crée ses signalements sans attribution ni prestation
            # enregistrée, ces index ne sont tenus que pour les lignes qui en ont (ADR 0041).
            models.Index(
                fields=["attribue_a"],
                condition=Q(attribue_a__isnull=False),
                name="signalement_attribue",
            ),
            models.Index(
                fields=["prestation_foyer"],
                condition=Q(prestation_foyer__isnull=False),
                name="signalement_prestation_foyer",
            ),
        ]

    def __str__(self):
        return (
            f"{self.prestation} — {euros(self.montant_estime)} par mois ({self.get_etat_display()})"
        )

    @property
    def ouvert(self) -> bool:
        return self.etat in ETATS_OUVERTS

    @property
    def mois_simule(self) -> date | None:
        """Le mois simulé par la détection qui a repéré ou revu ce signalement en dernier : celui
        de son explication (« 11/2026 », écrite avec lui : voir detection.decision.explication),
        None s'il manque."""
        try:
            mois, annee = str(self.explication["mois"]).split("/")
            return date(int(annee), int(mois), 1)
        except (KeyError, TypeError, ValueError):
            return None

    @cached_property
    def explication_lisible(self):
        """L'explication propre au signalement, en français (`detection.explication.lire`) :
        prestation exacte, entrées du calcul, seuil proche et ce qu'il faut vérifier."""
        from droits.detection.explication import lire  # noqa: PLC0415 (cycle : l'explication lit ces modèles)

        return lire(self.explication, self.prestation_id, self.montant_estime)

    @property
    def est_couverture(self) -> bool:
        return self.prestation.forme == FormePrestation.COUVERTURE

    @property
    def personnes_couvertes(self) -> int:
        return int((self.explication or {}).get("personnes") or 1)

    @property
    def valeur_couverture_mensuelle(self):
        """La valeur documentée de la couverture pour le foyer, par mois (None : inconnue)."""
        annuelle = self.prestation.valeur_couverture_annuelle
        if annuelle is None:
            return None
        return round(annuelle * self.personnes_couvertes / 12, 2)

    @property
    def montant_accorde(self):
        """Le montant mensuel accordé d'un droit ouvert (la prestation du foyer enregistrée au
        changement d'état vers « droit ouvert ») ; None : pas de droit ouvert, ou montant non saisi."""
        p = self.prestation_foyer
        if self.etat != EtatSignalement.DROIT_OUVERT or p is None:
            return None
        return p.montant_mensuel

    def ecart_accorde(self) -> str:
        """L'écart du montant accordé à l'estimation, en clair : « +50,00 € par mois
        (+10 %) », « −20,00 € par mois (−4 %) », « aucun écart » ; vide sans montant
        accordé."""
        accorde = self.montant_accorde
        if accorde is None:
            return ""
        ecart = accorde - self.montant_estime
        if not ecart:
            return "aucun écart"
        signe = "+" if ecart > 0 else "\u2212"
        texte = f"{signe}{euros(abs(ecart))} par mois"
        if self.montant_estime:
            pourcent = round(abs(ecart) * 100 / self.montant_estime)
            texte += (
                f" ({signe}{pourcent}{AVANT_UNITE}%)"
                if pourcent
                else f" (moins de 1{AVANT_UNITE}%)"
            )
        return texte

    def apport(self) -> str:
        """Ce que le droit apporte, en clair : « 573,49 € par mois » ; « couverture santé de
        3 personnes (valeur 104,00 € par mois), participation 0,00 € par mois »."""
        if not self.est_couverture:
            return f"{euros(self.montant_estime)} par mois"
        valeur = self.valeur_couverture_mensuelle
        texte = "couverture de " + compte(self.personnes_couvertes, "personne")
        if valeur is not None:
            texte += f" (valeur {euros(valeur)} par mois)"
        if self.montant_estime:
            return f"{texte}, participation {euros(self.montant_estime)} par mois"
        return f"{texte}, sans participation"


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
    #: « Contacté » sans consentement au contact n'est permis que si la personne est venue
    #: d'elle-même : c'est noté ici.
    venue_d_elle_meme = models.BooleanField(
        "la personne est venue d'elle-même", default=False, db_default=False
    )
    le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "changement d'état de signalement"
        verbose_name_plural = "changements d'état de signalement"
        ordering = ["le", "id"]

    def __str__(self):
        return f"{self.ancien or '—'} → {self.nouveau}"


# L'instruction des demandes (règlement, budget, commission, paiements) : un sous-paquet,
# ses modèles déclarés dans cette application.
from droits.instruction.models import *  # noqa: E402, F403
from droits.models_documents import Document  # noqa: E402, F401  (les pièces jointes)
