from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.functional import cached_property

from ccas_portal.enums import ActionJournal, Role, TypeSite

code_insee = RegexValidator(
    r"^(\d{5}|2[AB]\d{3})$", "Code INSEE de commune à 5 caractères attendu."
)
code_postal = RegexValidator(r"^\d{5}$", "Code postal à 5 chiffres attendu.")


class SiteQuerySet(models.QuerySet):
    def actifs(self):
        return self.filter(actif=True)

    def maisons_des_habitants(self):
        return self.filter(type=TypeSite.MAISON_DES_HABITANTS)


class Site(models.Model):
    """Un lieu d'accueil du CCAS : Maison des Habitants ou service central."""

    code = models.SlugField("code", max_length=40, unique=True)
    nom = models.CharField("nom", max_length=120, unique=True)
    type = models.CharField("type de site", max_length=30, choices=TypeSite.choices)
    secteur = models.PositiveSmallIntegerField("secteur", null=True, blank=True)
    adresse = models.CharField("adresse", max_length=200)
    code_postal = models.CharField("code postal", max_length=5, validators=[code_postal])
    commune = models.CharField("commune", max_length=100)
    code_insee = models.CharField("code INSEE de la commune", max_length=5, validators=[code_insee])
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    actif = models.BooleanField("actif", default=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = "site"
        verbose_name_plural = "sites"
        ordering = ["type", "nom"]

    def __str__(self):
        return self.nom


# Les référentiels communs aux applications : les axes (reflet en base de leurs déclarations,
# droits/axes/) et l'annuaire des partenaires (accueil et accompagnement y orientent). Ils sont
# en bas de la pile (docs/architecture.md, « Couches ») ; leurs tables gardent le nom qu'elles
# avaient dans leur application d'origine (ADR 0034).


class Axe(models.Model):
    """Un axe de droits fondamentaux, copie en base de sa déclaration dans `droits/axes/`."""

    code = models.SlugField("code", max_length=30, primary_key=True)
    ordre = models.PositiveSmallIntegerField("ordre")
    libelle = models.CharField("intitulé", max_length=200)
    libelle_court = models.CharField("intitulé court", max_length=60)
    description = models.TextField("description")
    actif = models.BooleanField("actif", default=True)

    class Meta:
        db_table = "droits_axe"
        verbose_name = "axe de droits"
        verbose_name_plural = "axes de droits"
        ordering = ["ordre"]

    def __str__(self):
        return self.libelle_court


class Partenaire(models.Model):
    """L'annuaire des partenaires (CAF, CPAM, PMI, SIAO, CLIC, France Travail, associations…)."""

    code = models.SlugField("code", max_length=40, unique=True)
    nom = models.CharField("nom", max_length=200)
    type = models.CharField("type", max_length=100, blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    courriel = models.EmailField("courriel", blank=True)
    actif = models.BooleanField("actif", default=True)

    class Meta:
        db_table = "accompagnement_partenaire"
        verbose_name = "partenaire"
        verbose_name_plural = "partenaires"
        ordering = ["nom"]

    def __str__(self):
        return self.nom


class AgentManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` de Django : un super-utilisateur est un agent de rôle admin.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class Agent(AbstractUser):
    """Un agent du CCAS. Son rôle dit ce qu'il fait ; ses sites, où il le fait."""

    role = models.CharField("rôle", max_length=30, choices=Role.choices)
    sites = models.ManyToManyField(Site, verbose_name="sites", related_name="agents")
    mot_de_passe_provisoire = models.BooleanField(
        "mot de passe provisoire",
        default=False,
        help_text="Donné par un administrateur : l'agent le change à sa prochaine connexion.",
    )

    objects = AgentManager()

    class Meta:
        verbose_name = "agent"
        verbose_name_plural = "agents"
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="agent_role_connu"),
            # Seul le rôle admin ouvre l'administration technique : les drapeaux de Django
            # suivent le rôle, jamais l'inverse.
            models.CheckConstraint(
                condition=(
                    Q(role=Role.ADMIN, is_staff=True, is_superuser=True)
                    | (~Q(role=Role.ADMIN) & Q(is_staff=False, is_superuser=False))
                ),
                name="agent_droits_admin_selon_role",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def ids_sites(self) -> frozenset[int]:
        """Les sites de l'agent, lus une fois par requête (périmètre de toutes ses lectures)."""
        return frozenset(self.sites.values_list("id", flat=True))


class EntreeJournal(models.Model):
    """Le journal des accès et des écritures sensibles : on y ajoute, on n'y change rien.

    Écrit par `ccas_portal.journal.journaliser` seulement. Des déclencheurs en base refusent
    toute modification, et toute suppression d'une entrée de moins de 6 mois (migration 0003) ;
    l'horodatage est posé par la base (`DEFAULT`, et sous PostgreSQL un déclencheur l'impose au
    rôle du portail, qui ne peut ni antidater, ni vider la table : migration 0008, ADR 0022).
    """

    horodatage = models.DateTimeField("date et heure", db_default=Now(), db_index=True)
    agent = models.ForeignKey(
        Agent, verbose_name="agent", null=True, on_delete=models.PROTECT, related_name="+"
    )
    agent_libelle = models.CharField("agent (nom)", max_length=200)
    action = models.CharField("action", max_length=20, choices=ActionJournal.choices)
    objet_type = models.CharField("type d'objet", max_length=100)
    objet_id = models.CharField("identifiant de l'objet", max_length=64, blank=True)
    details = models.JSONField("détails", default=dict, blank=True)
    adresse_ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des accès"
        ordering = ["-horodatage", "-id"]
        indexes = [models.Index(fields=["objet_type", "objet_id"], name="journal_objet")]

    def __str__(self):
        return f"{self.horodatage:%d/%m/%Y %H:%M} {self.agent_libelle} {self.action}"


class InstantaneTableauDeBord(models.Model):
    """Les chiffres d'une page du tableau de bord pour des filtres donnés, calculés une fois
    (la nuit par Celery pour les périodes courantes, ou à la première demande) puis relus :
    voir ccas_portal/pilotage/instantanes.py. Rien que des agrégats."""

    cle = models.CharField("clé des filtres", max_length=64, unique=True)
    page = models.CharField("page", max_length=40)
    filtres = models.JSONField("filtres", default=dict)
    contenu = models.JSONField("chiffres et tableaux", default=dict)
    calcule_le = models.DateTimeField("calculé le")
    duree_ms = models.PositiveIntegerField("durée du calcul (ms)", default=0)

    class Meta:
        verbose_name = "instantané du tableau de bord"
        verbose_name_plural = "instantanés du tableau de bord"

    def __str__(self):
        return f"{self.page} {self.calcule_le:%d/%m/%Y %H:%M}"


class MoisAgrege(models.Model):
    """Un mois dont les agrégats du tableau de bord ont été calculés, et quand (voir
    ccas_portal/pilotage/agregats.py) : un mois clos entier, ou les jours passés du mois en
    cours jusqu'à `jusqu_au`."""

    source = models.CharField("source", max_length=30)
    mois = models.DateField("mois (premier jour)")
    calcule_le = models.DateTimeField("calculé le")
    #: Vide : le mois entier (clos) ; sinon, le dernier jour agrégé du mois en cours (la
    #: veille du calcul) : ses jours suivants sont comptés sur les lignes.
    jusqu_au = models.DateField("agrégé jusqu'au", null=True, blank=True)

    class Meta:
        verbose_name = "mois agrégé du tableau de bord"
        verbose_name_plural = "mois agrégés du tableau de bord"
        constraints = [
            models.UniqueConstraint(fields=["source", "mois"], name="mois_agrege_unique")
        ]

    def __str__(self):
        return f"{self.source} {self.mois:%m/%Y}"


class AgregatMensuel(models.Model):
    """Les lignes d'une source (passages, interventions, signalements, changements d'état,
    entonnoir du non-recours) d'un mois clos (ou d'un jour d'un mois clos ou du mois en
    cours), pour un site, un axe et une clé (axes des motifs, type, prestation, état ;
    étape atteinte et prestation) :
    leur nombre, leur somme (passages anonymes, minutes, euros) et les ensembles exacts des
    foyers (des personnes, pour les passages ; et des signalements) derrière elles, en
    tableaux triés d'identifiants (ccas_portal/pilotage/agregats.py). Rien de nominatif : des
    nombres et des identifiants internes, jamais affichés."""

    source = models.CharField("source", max_length=30)
    mois = models.DateField("mois (premier jour)")
    #: Vide : la cellule du mois entier ; sinon, celle d'un jour du mois (bords des périodes).
    jour = models.DateField("jour", null=True, blank=True)
    site = models.ForeignKey(
        Site, null=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    axe = models.CharField("axe", max_length=40, blank=True)
    cle = models.CharField("clé", max_length=200, blank=True)
    n = models.PositiveIntegerField("nombre de lignes")
    somme = models.DecimalField("somme", max_digits=16, decimal_places=2, default=0)
    elements = models.BinaryField("éléments comptés distincts (identifiants triés)", blank=True)
    foyers = models.BinaryField("foyers ou personnes (identifiants triés)")
    poids = models.BinaryField(
        "nombre de lignes de chaque foyer ou personne (dans l'ordre des identifiants)",
        blank=True,
        default=b"",
    )
    #: Une mesure par ligne, non réunie (entiers signés de 8 octets) : les délais du repérage
    #: au droit ouvert, en microsecondes, dont l'entonnoir du non-recours prend la médiane.
    valeurs = models.BinaryField("mesures de chaque ligne (entiers)", blank=True, default=b"")

    class Meta:
        verbose_name = "agrégat mensuel du tableau de bord"
        verbose_name_plural = "agrégats mensuels du tableau de bord"
        indexes = [
            models.Index(fields=["source", "mois"], name="agregat_source_mois"),
            models.Index(fields=["source", "jour"], name="agregat_source_jour"),
        ]

    def __str__(self):
        return f"{self.source} {self.mois:%m/%Y} {self.axe} {self.cle}"


class EchecConnexion(models.Model):
    """Une tentative de connexion refusée : de quoi freiner qui essaie des mots de passe
    (voir ccas_portal/connexions.py). Rien d'autre que l'identifiant saisi, l'adresse et
    l'heure ; effacé après une connexion réussie, purgé au bout d'un jour."""

    identifiant = models.CharField("identifiant saisi", max_length=150)
    adresse_ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    #: Vide pour un navigateur inconnu ; sinon le numéro du témoin « navigateur connu » de ce
    #: compte, dont les échecs sont comptés à part (ADR 0009).
    navigateur = models.CharField("navigateur connu", max_length=32, blank=True, default="")
    le = models.DateTimeField("le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "échec de connexion"
        verbose_name_plural = "échecs de connexion"
        indexes = [
            models.Index(fields=["identifiant", "navigateur", "le"], name="echec_connexion_compte"),
            models.Index(fields=["adresse_ip", "le"], name="echec_connexion_adresse"),
        ]

    def __str__(self):
        return f"{self.identifiant} {self.le:%d/%m/%Y %H:%M}"


class SoumissionTraitee(models.Model):
    """Un formulaire d'écriture déjà traité, repéré par le jeton qu'il portait : le même
    formulaire renvoyé (double clic, réseau qui rejoue) n'écrit pas deux fois. Écrit par
    `ccas_portal.idempotence.une_seule_fois` seulement, dans la transaction de l'écriture ;
    purgé au bout de 7 jours."""

    jeton = models.UUIDField("jeton du formulaire", unique=True)
    agent = models.ForeignKey(
        Agent, verbose_name="agent", on_delete=models.CASCADE, related_name="+"
    )
    le = models.DateTimeField("le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "formulaire traité"
        verbose_name_plural = "formulaires traités"

    def __str__(self):
        return f"{self.jeton} {self.le:%d/%m/%Y %H:%M}"


class RapportAcces(models.Model):
    """Le rapport quotidien des accès inhabituels d'un jour (ccas_portal/acces_inhabituels.py),
    établi chaque matin par Celery, lu sur l'écran du journal par l'administrateur."""

    jour = models.DateField("jour examiné", unique=True)
    etabli_le = models.DateTimeField("établi le")
    constats = models.JSONField("constats", default=list, blank=True)

    class Meta:
        verbose_name = "rapport des accès inhabituels"
        verbose_name_plural = "rapports des accès inhabituels"
        ordering = ["-jour"]

    def __str__(self):
        return f"Accès inhabituels du {self.jour:%d/%m/%Y}"
