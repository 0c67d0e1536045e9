"""L'instruction des demandes : règlement des aides facultatives (versionné), budget annuel,
demandes, séances de la commission, décisions, lettres, paiements.

Modèles déclarés dans l'application `droits` (importés par `droits/models.py`). Toutes les
écritures passent par `droits/instruction/services.py`."""

from calendar import monthrange
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q

from ccas_portal import perms
from droits.instruction.enums import (
    DispositifLegal,
    EtatDemande,
    IssueLogement,
    ModePaiement,
    NatureDemande,
    SensDecision,
)
from habitants.models import Foyer

VOIES_DE_RECOURS = (
    "Vous pouvez contester cette décision dans un délai de deux mois à compter de sa "
    "réception : par un recours gracieux adressé au président du conseil d'administration du "
    "CCAS, ou par un recours contentieux devant le tribunal administratif de Grenoble "
    "(2 place de Verdun, 38000 Grenoble, ou par l'application Télérecours citoyens : "
    "www.telerecours.fr). Un recours gracieux prolonge le délai du recours contentieux."
)


def un_mois_apres(jour: date) -> date:
    """Le même jour du mois suivant (le dernier jour du mois s'il n'existe pas)."""
    annee, mois = (jour.year + 1, 1) if jour.month == 12 else (jour.year, jour.month + 1)
    return date(annee, mois, min(jour.day, monthrange(annee, mois)[1]))


class Reglement(models.Model):
    """Une version du règlement des aides facultatives, votée par le conseil d'administration,
    en vigueur de sa date d'effet jusqu'à la date d'effet de la suivante. Une décision garde la
    version sous laquelle elle a été prise (`Decision.reglement`)."""

    libelle = models.CharField("intitulé", max_length=200)
    date_effet = models.DateField("en vigueur à partir du", unique=True)
    vote_le = models.DateField("voté par le conseil d'administration le")
    code_insee_commune = models.CharField(
        "code INSEE de la commune du CCAS",
        max_length=5,
        help_text="Pour la condition « résider dans la commune ».",
    )
    voies_de_recours = models.TextField(
        "voies de recours (lettres de refus)", default=VOIES_DE_RECOURS
    )

    class Meta:
        verbose_name = "règlement des aides facultatives (version)"
        verbose_name_plural = "règlement des aides facultatives (versions)"
        ordering = ["-date_effet"]

    def __str__(self):
        return f"{self.libelle} (en vigueur au {self.date_effet:%d/%m/%Y})"

    @classmethod
    def en_vigueur(cls, jour: date):
        return cls.objects.filter(date_effet__lte=jour).order_by("-date_effet").first()


class MotifRefus(models.Model):
    reglement = models.ForeignKey(Reglement, on_delete=models.CASCADE, related_name="motifs_refus")
    libelle = models.CharField("motif", max_length=300)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "motif de refus"
        verbose_name_plural = "motifs de refus"
        ordering = ["ordre", "pk"]

    def __str__(self):
        return self.libelle


class TypeAide(models.Model):
    """Un type d'aide du règlement : conditions d'éligibilité, plafonds, modes de paiement,
    qui décide. Le `code` relie les versions successives d'un même type (et son budget)."""

    reglement = models.ForeignKey(Reglement, on_delete=models.CASCADE, related_name="types")
    code = models.SlugField("code", max_length=40)
    libelle = models.CharField("intitulé", max_length=200)
    axe = models.ForeignKey("ccas_portal.Axe", on_delete=models.PROTECT, related_name="+")
    prestation = models.ForeignKey(
        "droits.Prestation",
        verbose_name="ligne du catalogue",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="types_aide",
    )
    remboursable = models.BooleanField("prêt remboursable", default=False)
    seuil_reste_a_vivre_uc = models.DecimalField(
        "reste à vivre mensuel par unité de consommation inférieur à (€)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
    )
    age_min = models.PositiveSmallIntegerField("âge minimal du bénéficiaire", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("âge maximal du bénéficiaire", null=True, blank=True)
    residence_commune = models.BooleanField("résider dans la commune", default=True)
    plafond_demande = models.DecimalField("plafond par demande (€)", max_digits=9, decimal_places=2)
    plafond_12_mois = models.DecimalField(
        "plafond par foyer sur 12 mois (€)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    modes_paiement = models.JSONField(
        "modes de paiement",
        default=list,
        help_text="Parmi : " + ", ".join(ModePaiement.values),
    )
    urgence_possible = models.BooleanField(
        "le directeur peut décider en urgence (avec compte rendu à la commission suivante)",
        default=False,
    )

    class Meta:
        verbose_name = "type d'aide"
        verbose_name_plural = "types d'aide"
        ordering = ["reglement", "libelle"]
        constraints = [
            models.UniqueConstraint(fields=["reglement", "code"], name="type_aide_unique"),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_max__gte=models.F("age_min")),
                name="type_aide_ages_ordonnes",
            ),
        ]

    def __str__(self):
        return self.libelle

    def modes_disponibles(self):
        return [(m, ModePaiement(m).label) for m in self.modes_paiement if m in ModePaiement]


class Budget(models.Model):
    """Le budget voté d'une année pour un type d'aide (son code), pour tout le CCAS ou pour un
    site. Engagé, payé et restant se calculent (`droits/instruction/budget.py`)."""

    annee = models.PositiveSmallIntegerField("année")
    code_type = models.SlugField("code du type d'aide", max_length=40)
    site = models.ForeignKey(
        "ccas_portal.Site",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Vide : tout le CCAS.",
    )
    vote = models.DecimalField("montant voté (€)", max_digits=11, decimal_places=2)

    class Meta:
        verbose_name = "budget annuel"
        verbose_name_plural = "budgets annuels"
        ordering = ["-annee", "code_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["annee", "code_type", "site"],
                name="budget_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(vote__gte=0), name="budget_vote_positif"),
        ]

    def __str__(self):
        return f"{self.code_type} {self.annee}" + (f" — {self.site}" if self.site_id else "")


class DemandeQuerySet(models.QuerySet):
    def visibles_par(self, agent):
        """Les demandes des foyers que l'agent peut suivre (travailleurs sociaux des sites qui
        ont accès au foyer) ; rien pour les autres rôles (ils passent par des vues dédiées)."""
        if not perms.peut_accompagner(agent):
            return self.none()
        return self.filter(foyer__in=Foyer.objects.visibles_par(agent))


class Demande(models.Model):
    """Une demande instruite par un travailleur social depuis le dossier du foyer. On y attache
    des documents (pièces justificatives) et les lettres de décision."""

    foyer = models.ForeignKey("habitants.Foyer", on_delete=models.CASCADE, related_name="demandes")
    site = models.ForeignKey("ccas_portal.Site", on_delete=models.PROTECT, related_name="+")
    beneficiaire = models.ForeignKey(
        "habitants.Habitant",
        verbose_name="bénéficiaire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demandes",
    )
    nature = models.CharField("type de demande", max_length=30, choices=NatureDemande.choices)
    type_aide = models.ForeignKey(
        TypeAide,
        verbose_name="type d'aide",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demandes",
    )
    dispositif = models.CharField(
        "dispositif", max_length=30, choices=DispositifLegal.choices, blank=True
    )
    montant_demande = models.DecimalField(
        "montant demandé (€)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    objet = models.CharField("objet", max_length=500)
    champs = models.JSONField("informations propres au type", default=dict, blank=True)
    evaluation = models.JSONField("évaluation budgétaire", default=dict, blank=True)
    eligibilite = models.JSONField("contrôle d'éligibilité", default=list, blank=True)
    etat = models.CharField(
        "état", max_length=20, choices=EtatDemande.choices, default=EtatDemande.EN_INSTRUCTION
    )
    date_depot = models.DateField("déposée le")
    date_transmission = models.DateField("transmise le", null=True, blank=True)
    #: Demande de logement social : comment et quand l'accompagnement s'est terminé.
    issue = models.CharField(
        "issue de la demande", max_length=30, choices=IssueLogement.choices, blank=True
    )
    date_cloture = models.DateField("close le", null=True, blank=True)
    signalement = models.ForeignKey(
        "droits.Signalement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)
    #: Les pièces justificatives jointes (`droits.Document` rattaché par sa clé générique,
    #: ADR 0027) ; déposées par `documents.deposer_piece(objet=demande)`.
    pieces = GenericRelation(
        "droits.Document", content_type_field="objet_type", object_id_field="objet_id"
    )

    objects = DemandeQuerySet.as_manager()

    class Meta:
        verbose_name = "demande"
        verbose_name_plural = "demandes"
        ordering = ["-date_depot", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant_demande__isnull=True) | Q(montant_demande__gt=0),
                name="demande_montant_positif",
            ),
            models.CheckConstraint(
                condition=Q(issue="", date_cloture__isnull=True)
                | Q(
                    nature=NatureDemande.LOGEMENT_SOCIAL,
                    etat=EtatDemande.CLOSE,
                    date_cloture__isnull=False,
                )
                & ~Q(issue=""),
                name="demande_issue_logement_close",
            ),
        ]

    def __str__(self):
        return f"Demande n° {self.pk} — {self.intitule}"

    @property
    def intitule(self) -> str:
        if self.nature == NatureDemande.FACULTATIVE and self.type_aide_id:
            return self.type_aide.libelle
        if self.nature == NatureDemande.AIDE_SOCIALE_LEGALE and self.dispositif:
            return self.get_dispositif_display()
        return self.get_nature_display()

    @property
    def pseudonyme(self) -> str:
        """L'identité montrée en commission : ni nom, ni adresse, ni date de naissance."""
        return f"Dossier D-{self.pk:05d}"

    @property
    def echeance_transmission(self) -> date | None:
        """Aide sociale légale : à transmettre au Département dans le mois du dépôt, quel que
        soit l'avis du CCAS (code de l'action sociale et des familles, art. L131-1)."""
        if self.nature != NatureDemande.AIDE_SOCIALE_LEGALE:
            return None
        return un_mois_apres(self.date_depot)

    def en_retard(self, aujourd_hui: date) -> bool:
        echeance = self.echeance_transmission
        return echeance is not None and self.date_transmission is None and aujourd_hui > echeance


class Seance(models.Model):
    """Une séance de la commission des aides facultatives."""

    date = models.DateField("date")
    lieu = models.CharField("lieu", max_length=200, blank=True)
    membres = models.TextField("membres présents", help_text="Un nom par ligne.")
    cloturee_le = models.DateTimeField("close le", null=True, blank=True)
    proces_verbal = models.TextField("procès-verbal", blank=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "séance de commission"
        verbose_name_plural = "séances de commission"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"Commission du {self.date:%d/%m/%Y}"

    @property
    def liste_membres(self) -> list[str]:
        return [m.strip() for m in self.membres.splitlines() if m.strip()]


class Decision(models.Model):
    """Une décision sur une demande : en séance, ou en urgence par le directeur (listée pour la
    séance suivante). Elle garde la version du règlement sous laquelle elle a été prise."""

    demande = models.ForeignKey(Demande, on_delete=models.CASCADE, related_name="decisions")
    seance = models.ForeignKey(
        Seance, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    urgence = models.BooleanField("décision d'urgence du directeur", default=False)
    sens = models.CharField("décision", max_length=20, choices=SensDecision.choices)
    montant = models.DecimalField(
        "montant accordé (€)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    mode_paiement = models.CharField(
        "mode de paiement", max_length=20, choices=ModePaiement.choices, blank=True
    )
    motif_refus = models.ForeignKey(
        MotifRefus, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complement = models.TextField("précisions (pour un ajournement : ce qui manque)", blank=True)
    reglement = models.ForeignKey(Reglement, on_delete=models.PROTECT, related_name="decisions")
    decide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decide_le = models.DateTimeField("décidée le")

    class Meta:
        verbose_name = "décision"
        verbose_name_plural = "décisions"
        ordering = ["decide_le", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sens=SensDecision.ACCORDEE) | Q(montant__gt=0),
                name="decision_accordee_avec_montant",
            ),
            models.CheckConstraint(
                condition=~Q(sens=SensDecision.REFUSEE) | Q(motif_refus__isnull=False),
                name="decision_refus_motive",
            ),
            models.CheckConstraint(
                condition=Q(seance__isnull=False) | Q(urgence=True),
                name="decision_en_seance_ou_urgence",
            ),
        ]

    def __str__(self):
        return f"{self.get_sens_display()} — {self.demande}"


class Lettre(models.Model):
    """Une lettre de décision générée (PDF), rangée sur la demande."""

    demande = models.ForeignKey(Demande, on_delete=models.CASCADE, related_name="lettres")
    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="lettre")
    nom_fichier = models.CharField("nom du fichier", max_length=200)
    contenu = models.BinaryField("PDF")
    creee_le = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "lettre de décision"
        verbose_name_plural = "lettres de décision"
        ordering = ["creee_le"]

    def __str__(self):
        return self.nom_fichier


class Paiement(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="paiements")
    montant = models.DecimalField("montant payé (€)", max_digits=9, decimal_places=2)
    mode = models.CharField("mode", max_length=20, choices=ModePaiement.choices)
    destinataire = models.CharField("bénéficiaire ou créancier", max_length=200)
    date_paiement = models.DateField("payé le")
    reference = models.CharField("référence (mandat, virement…)", max_length=100)
    numeros_bons = models.CharField("numéros des bons", max_length=300, blank=True)
    enregistre_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "paiement"
        verbose_name_plural = "paiements"
        ordering = ["date_paiement", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(montant__gt=0), name="paiement_montant_positif"),
        ]

    def __str__(self):
        return f"Paiement de {self.montant} € le {self.date_paiement:%d/%m/%Y}"


__all__ = [
    "Budget",
    "Decision",
    "Demande",
    "Lettre",
    "MotifRefus",
    "Paiement",
    "Reglement",
    "Seance",
    "TypeAide",
]
