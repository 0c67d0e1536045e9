from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.formats import de, euros
from ccas_portal.models import Site, code_postal
from habitants.communes import commune
from habitants.enums import (
    Activite,
    EtatConsentement,
    ModePassage,
    ReponsePassage,
    RoleMembre,
    Sexe,
    StatutMarital,
    StatutOccupation,
    TypeBailleur,
    TypeRessource,
)
from habitants.validators import (
    code_insee_connu,
    naissance_plausible,
    pas_dans_le_futur,
    telephone_francais,
)

montant_positif = MinValueValidator(Decimal("0"), "Le montant ne peut pas être négatif.")


def _verifier_periode(objet, debut="date_debut", fin="date_fin"):
    d, f = getattr(objet, debut), getattr(objet, fin)
    if d and f and f < d:
        raise ValidationError({fin: "La date de fin précède la date de début."})


class ParSiteQuerySet(models.QuerySet):
    """Périmètre des lectures nominatives : les objets des sites de l'agent, pour les rôles qui
    tiennent l'accueil ou accompagnent ; rien pour les autres (responsables, admin)."""

    def visibles_par(self, agent):
        if not perms.peut_tenir_le_guichet(agent):
            return self.none()
        return self.filter(self.perimetre(agent.ids_sites))

    def perimetre(self, ids_sites) -> Q:
        """Les objets de ces sites (les personnes et les foyers suivent `habitants.acces`)."""
        return Q(site_id__in=ids_sites)


class HabitantQuerySet(ParSiteQuerySet):
    def perimetre(self, ids_sites) -> Q:
        from habitants.acces import q_personnes_accessibles  # noqa: PLC0415 (cycle : acces lit ces modèles)

        # Une fiche anonymisée (rgpd.py) ne se lit plus : elle ne sert qu'aux statistiques.
        return q_personnes_accessibles(ids_sites) & Q(anonymise_le__isnull=True)


class Habitant(models.Model):
    """Une personne connue du CCAS. Les données de santé sont à part (SituationSante)."""

    nom_usage = models.CharField("nom d'usage", max_length=100)
    nom_naissance = models.CharField("nom de naissance", max_length=100, blank=True)
    prenoms = models.CharField("prénoms", max_length=150)
    date_naissance = models.DateField(
        "date de naissance", null=True, blank=True, validators=[naissance_plausible]
    )
    sexe = models.CharField("sexe", max_length=1, choices=Sexe.choices, blank=True)
    telephone = models.CharField(
        "téléphone", max_length=20, blank=True, validators=[telephone_francais]
    )
    courriel = models.EmailField("courriel", blank=True)
    adresse_contact = models.CharField(
        "adresse de contact (si différente de celle du foyer)", max_length=200, blank=True
    )
    site = models.ForeignKey(
        Site,
        verbose_name="site de rattachement",
        on_delete=models.PROTECT,
        related_name="habitants",
    )
    # Champ de recherche : noms et prénoms sans accents ni casse (index trigramme sur PostgreSQL).
    recherche = models.CharField(max_length=400, editable=False)
    nom_normalise = models.CharField(max_length=200, editable=False)
    prenoms_normalises = models.CharField(max_length=150, editable=False)
    telephone_chiffres = models.CharField(max_length=20, editable=False, blank=True)
    # Clés phonétiques (normalisation.cle_phonetique) du nom d'usage et du premier prénom.
    cle_nom = models.CharField(max_length=100, editable=False, blank=True, default="")
    cle_prenom = models.CharField(max_length=100, editable=False, blank=True, default="")

    # Information sur le traitement (RGPD art. 13) et consentement au contact.
    date_information = models.DateField(
        "informé(e) du traitement le", null=True, blank=True, validators=[pas_dans_le_futur]
    )
    informe_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="informé(e) par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: Trois états : « non demandé » (la question n'a jamais été posée), « refusé », « accepté » ;
    #: les deux réponses sont datées. Une case laissée vide n'est jamais lue comme une réponse :
    #: le formulaire exige de choisir (ADR 0023).
    consentement = models.CharField(
        "contact au sujet de droits repérés",
        max_length=12,
        choices=EtatConsentement.choices,
        default=EtatConsentement.NON_DEMANDE,
    )
    date_consentement = models.DateField(
        "date de la réponse", null=True, blank=True, validators=[pas_dans_le_futur]
    )
    #: Posé quand la fiche est anonymisée (conservation échue ou effacement demandé) : la fiche
    #: ne garde que ce qui sert aux statistiques et sort de toutes les listes (`rgpd.py`).
    anonymise_le = models.DateTimeField("anonymisée le", null=True, blank=True, editable=False)

    # Situation personnelle (dossier social, travailleur social) : lue par la détection. La
    # situation conjugale, datée, est dans SituationConjugale.
    activite = models.CharField(
        "situation d'activité", max_length=20, choices=Activite.choices, blank=True
    )

    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    # Vide pour les personnes reprises d'un autre fichier (démonstration, import) ou dont
    # l'agent a été supprimé : la fiche reste modifiable.
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = HabitantQuerySet.as_manager()

    class Meta:
        verbose_name = "habitant"
        verbose_name_plural = "habitants"
        ordering = ["nom_normalise", "prenoms_normalises"]
        indexes = [
            models.Index(fields=["site", "nom_normalise"], name="habitant_site_nom"),
            models.Index(
                fields=["nom_normalise", "prenoms_normalises", "id"], name="habitant_nom_prenoms"
            ),
            models.Index(fields=["date_naissance"], name="habitant_naissance"),
            models.Index(fields=["cle_nom", "prenoms_normalises"], name="habitant_cle_nom"),
            models.Index(fields=["cle_prenom", "nom_normalise"], name="habitant_cle_prenom"),
            models.Index(fields=["prenoms_normalises"], name="habitant_prenoms"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(consentement=EtatConsentement.NON_DEMANDE, date_consentement=None)
                | (
                    Q(consentement__in=[EtatConsentement.REFUSE, EtatConsentement.ACCEPTE])
                    & Q(date_consentement__isnull=False)
                ),
                name="consentement_date_coherente",
            ),
        ]

    def __str__(self):
        return f"{self.nom_usage.upper()} {self.prenoms}"

    def accessible_aux_sites(self, ids_sites) -> bool:
        """L'un de ces sites a-t-il accès à la personne ? (habitants/acces.py)"""
        from habitants.acces import personne_accessible  # noqa: PLC0415 (cycle : acces lit ces modèles)

        return personne_accessible(ids_sites, self)


class SituationSante(models.Model):
    """Données sensibles (santé, handicap) : jamais lues par l'accueil."""

    habitant = models.OneToOneField(
        Habitant, on_delete=models.CASCADE, primary_key=True, related_name="situation_sante"
    )
    taux_incapacite = models.PositiveSmallIntegerField(
        "taux d'incapacité (%)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100, "Le taux d'incapacité ne dépasse pas 100 %%.")],
    )
    reconnaissance_mdph = models.BooleanField("reconnaissance MDPH", default=False)
    date_reconnaissance_mdph = models.DateField(
        "date de la reconnaissance MDPH", null=True, blank=True, validators=[pas_dans_le_futur]
    )

    class Meta:
        verbose_name = "situation de santé"
        verbose_name_plural = "situations de santé"

    def __str__(self):
        return f"Situation de santé {de(self.habitant)}"


class FoyerQuerySet(ParSiteQuerySet):
    def perimetre(self, ids_sites) -> Q:
        from habitants.acces import q_foyers_accessibles  # noqa: PLC0415 (cycle : acces lit ces modèles)

        return q_foyers_accessibles(ids_sites)


class Foyer(models.Model):
    site = models.ForeignKey(
        Site, verbose_name="site de rattachement", on_delete=models.PROTECT, related_name="foyers"
    )
    adresse = models.CharField("adresse", max_length=200)
    complement_adresse = models.CharField("complément d'adresse", max_length=200, blank=True)
    code_postal = models.CharField("code postal", max_length=5, validators=[code_postal])
    commune = models.CharField("commune", max_length=100)
    code_insee = models.CharField(
        "code INSEE de la commune", max_length=5, validators=[code_insee_connu]
    )
    quartier = models.CharField("quartier", max_length=100, blank=True)
    statut_occupation = models.CharField(
        "statut d'occupation", max_length=30, choices=StatutOccupation.choices
    )
    # Loyer et charges, datés : PeriodeLoyer.
    type_bailleur = models.CharField(
        "type de bailleur", max_length=10, choices=TypeBailleur.choices, blank=True
    )
    adresse_normalisee = models.CharField(max_length=400, editable=False)
    #: Dernier changement des faits que simule la détection (composition, ressources, santé,
    #: logement, prestations) : posé par `services.marquer_faits_modifies`.
    faits_modifies_le = models.DateTimeField(
        "faits modifiés le", default=timezone.now, db_index=True, editable=False
    )
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = FoyerQuerySet.as_manager()

    class Meta:
        verbose_name = "foyer"
        verbose_name_plural = "foyers"

    def __str__(self):
        return f"{self.adresse}, {self.code_postal} {self.commune}"

    def clean(self):
        connue = commune(self.code_insee)
        if (
            connue
            and self.code_postal
            and connue.codes_postaux
            and (self.code_postal not in connue.codes_postaux)
        ):
            raise ValidationError(
                {
                    "code_postal": (
                        f"Le code postal {self.code_postal} ne correspond pas à {connue.nom} "
                        f"({', '.join(connue.codes_postaux)})."
                    )
                }
            )

    def accessible_aux_sites(self, ids_sites) -> bool:
        """L'un de ces sites a-t-il accès au foyer ? La règle unique (habitants/acces.py),
        que les prédicats de ccas_portal/perms.py demandent au foyer lui-même."""
        from habitants.acces import foyer_accessible  # noqa: PLC0415 (cycle : acces lit ces modèles)

        return foyer_accessible(ids_sites, self)


class MembreFoyer(models.Model):
    """Appartenance d'une personne à un foyer, datée : l'historique des foyers est gardé."""

    foyer = models.ForeignKey(Foyer, on_delete=models.CASCADE, related_name="membres")
    habitant = models.ForeignKey(Habitant, on_delete=models.CASCADE, related_name="appartenances")
    role = models.CharField("rôle dans le foyer", max_length=20, choices=RoleMembre.choices)
    date_debut = models.DateField("depuis le")
    date_fin = models.DateField("jusqu'au", null=True, blank=True)

    class Meta:
        verbose_name = "membre du foyer"
        verbose_name_plural = "membres du foyer"
        ordering = ["date_debut"]
        constraints = [
            models.UniqueConstraint(
                fields=["habitant"],
                condition=Q(date_fin__isnull=True),
                name="un_seul_foyer_actuel_par_habitant",
            ),
            models.UniqueConstraint(
                fields=["foyer"],
                condition=Q(date_fin__isnull=True, role=RoleMembre.DEMANDEUR),
                name="un_seul_demandeur_actuel_par_foyer",
            ),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True) | Q(date_fin__gte=models.F("date_debut")),
                name="membre_fin_apres_debut",
            ),
        ]

    def __str__(self):
        return f"{self.habitant} — {self.get_role_display()} depuis le {self.date_debut:%d/%m/%Y}"

    def clean(self):
        _verifier_periode(self)


class Ressource(models.Model):
    """Une ressource mensuelle d'une personne, datée : l'historique des revenus est gardé."""

    habitant = models.ForeignKey(Habitant, on_delete=models.CASCADE, related_name="ressources")
    type = models.CharField("type de ressource", max_length=30, choices=TypeRessource.choices)
    libelle = models.CharField(
        "précision", max_length=100, blank=True, help_text="Obligatoire pour « Autres ressources »."
    )
    montant_mensuel = models.DecimalField(
        "montant mensuel (€)", max_digits=10, decimal_places=2, validators=[montant_positif]
    )
    date_debut = models.DateField("perçue depuis le")
    date_fin = models.DateField("jusqu'au", null=True, blank=True)
    cree_le = models.DateTimeField("saisie le", auto_now_add=True)

    class Meta:
        verbose_name = "ressource"
        verbose_name_plural = "ressources"
        ordering = ["habitant", "type", "date_debut"]
        indexes = [models.Index(fields=["habitant", "date_debut"], name="ressource_periode")]
        constraints = [
            models.CheckConstraint(condition=Q(montant_mensuel__gte=0), name="ressource_positive"),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True) | Q(date_fin__gte=models.F("date_debut")),
                name="ressource_fin_apres_debut",
            ),
        ]

    def __str__(self):
        return f"{self.nature} : {euros(self.montant_mensuel)} par mois"

    @property
    def nature(self) -> str:
        if self.type == TypeRessource.AUTRE and self.libelle:
            return f"{self.get_type_display()} ({self.libelle})"
        return self.get_type_display()

    def clean(self):
        _verifier_periode(self)
        if self.type == TypeRessource.AUTRE and not self.libelle.strip():
            raise ValidationError({"libelle": "Précisez la nature de cette ressource."})


class EnVigueurQuerySet(models.QuerySet):
    def en_vigueur_le(self, jour):
        """Les périodes en vigueur ce jour-là (commencées, pas encore closes)."""
        return self.filter(date_debut__lte=jour).filter(
            Q(date_fin__isnull=True) | Q(date_fin__gte=jour)
        )


class PeriodeLoyer(models.Model):
    """Le loyer et les charges d'un foyer sur une période : un nouveau loyer clôt le précédent
    la veille de son début ; les périodes d'un foyer ne se chevauchent pas (services)."""

    foyer = models.ForeignKey(Foyer, on_delete=models.CASCADE, related_name="loyers")
    loyer_mensuel = models.DecimalField(
        "loyer mensuel (€)", max_digits=8, decimal_places=2, validators=[montant_positif]
    )
    charges_mensuelles = models.DecimalField(
        "charges mensuelles (€)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[montant_positif],
    )
    date_debut = models.DateField("depuis le")
    date_fin = models.DateField("jusqu'au", null=True, blank=True)
    cree_le = models.DateTimeField("saisi le", auto_now_add=True)

    objects = EnVigueurQuerySet.as_manager()

    class Meta:
        verbose_name = "période de loyer"
        verbose_name_plural = "périodes de loyer"
        ordering = ["foyer", "-date_debut"]
        constraints = [
            models.UniqueConstraint(
                fields=["foyer"], condition=Q(date_fin__isnull=True), name="un_seul_loyer_en_cours"
            ),
            models.UniqueConstraint(fields=["foyer", "date_debut"], name="loyer_debut_unique"),
            models.CheckConstraint(condition=Q(loyer_mensuel__gte=0), name="loyer_positif"),
            models.CheckConstraint(
                condition=Q(charges_mensuelles__isnull=True) | Q(charges_mensuelles__gte=0),
                name="charges_positives",
            ),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True) | Q(date_fin__gte=models.F("date_debut")),
                name="loyer_fin_apres_debut",
            ),
        ]

    def __str__(self):
        return f"Loyer de {euros(self.loyer_mensuel)} depuis le {self.date_debut:%d/%m/%Y}"

    def clean(self):
        _verifier_periode(self)


class SituationConjugale(models.Model):
    """La situation conjugale d'une personne depuis une date : elle vaut jusqu'à la suivante
    (pas de date de fin rangée, donc ni trou ni chevauchement)."""

    habitant = models.ForeignKey(
        Habitant, on_delete=models.CASCADE, related_name="situations_conjugales"
    )
    statut = models.CharField(
        "situation conjugale",
        max_length=20,
        choices=[c for c in StatutMarital.choices if c[0]],
    )
    date_debut = models.DateField("depuis le")
    cree_le = models.DateTimeField("saisie le", auto_now_add=True)

    class Meta:
        verbose_name = "situation conjugale"
        verbose_name_plural = "situations conjugales"
        ordering = ["habitant", "-date_debut"]
        constraints = [
            models.UniqueConstraint(
                fields=["habitant", "date_debut"], name="situation_conjugale_debut_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_statut_display()} depuis le {self.date_debut:%d/%m/%Y}"


class Motif(models.Model):
    """Motif de passage à l'accueil, rattaché à un axe (liste modifiable par un admin)."""

    code = models.SlugField("code", max_length=40, primary_key=True)
    libelle = models.CharField("intitulé", max_length=120)
    axe = models.ForeignKey("ccas_portal.Axe", on_delete=models.PROTECT, related_name="motifs")
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    actif = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "motif de passage"
        verbose_name_plural = "motifs de passage"
        ordering = ["axe__ordre", "ordre", "libelle"]

    def __str__(self):
        return self.libelle


class PassageQuerySet(ParSiteQuerySet):
    pass


class Passage(models.Model):
    """Un passage à l'accueil (sur place, téléphone ou courriel), nominatif ou anonyme."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="passages")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="passages"
    )
    habitant = models.ForeignKey(
        Habitant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="passages",
        verbose_name="personne",
    )
    date_heure = models.DateTimeField("date et heure")
    mode = models.CharField("mode", max_length=20, choices=ModePassage.choices)
    motifs = models.ManyToManyField(Motif, verbose_name="motifs", related_name="passages")
    reponse = models.CharField("réponse apportée", max_length=30, choices=ReponsePassage.choices)
    note = models.CharField("note", max_length=500, blank=True)
    #: Le partenaire de l'annuaire vers qui la personne est orientée (réponse « orientation vers
    #: un partenaire » seulement).
    partenaire = models.ForeignKey(
        "ccas_portal.Partenaire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="passages",
        verbose_name="partenaire",
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    objects = PassageQuerySet.as_manager()

    class Meta:
        verbose_name = "passage"
        verbose_name_plural = "passages"
        ordering = ["-date_heure"]
        indexes = [
            models.Index(fields=["site", "-date_heure"], name="passage_site_date"),
            models.Index(fields=["habitant", "-date_heure"], name="passage_habitant_date"),
        ]

    def __str__(self):
        return f"Passage du {self.date_heure:%d/%m/%Y %H:%M}"

    @property
    def anonyme(self) -> bool:
        return self.habitant_id is None


# Les demandes de partage ou de transfert d'un foyer entre sites : module à part.
from habitants.models_partage import DemandePartage  # noqa: E402, F401
