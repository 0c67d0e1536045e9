from datetime import date

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from ccas_portal import perms
from ccas_portal.enums import Role
from ccas_portal.forms import ChampDate, DatePlausible, FormulairePortail
from ccas_portal.models import Agent, Site
from ccas_portal.periodes import Periode, ajouter_mois
from ccas_portal.validation import DEPUIS, EVENEMENT
from droits.detection.execution import mois_courant
from droits.documents import libelle_types, types_acceptes, verifier_fichier
from droits.enums import (
    EtatSignalement,
    PerimetreDetection,
    SourcePrestation,
    StatutPrestation,
    TypePiece,
)
from droits.models import Prestation
from habitants.models import Habitant

#: Les mois qu'on peut simuler : le mois courant et les 11 précédents.
MOIS_PROPOSES = 12


def mois_proposes() -> list[tuple[str, str]]:
    """Les choix du « Mois simulé », du plus récent au plus ancien : (« 2026-12 »,
    « décembre 2026 »). Relus à chaque formulaire : la liste suit le changement de mois."""
    courant = mois_courant()
    mois = (ajouter_mois(courant, -n) for n in range(MOIS_PROPOSES))
    return [(f"{m:%Y-%m}", Periode.mois(m).libelle) for m in mois]


class ChampMoisSimule(forms.TypedChoiceField):
    """Le mois simulé par la détection (premier jour du mois), parmi `mois_proposes` ; vide
    (formulaire posté sans ce champ) : le mois courant."""

    def __init__(self, **kwargs):
        super().__init__(
            label="Mois simulé",
            choices=mois_proposes,
            coerce=lambda valeur: date.fromisoformat(f"{valeur}-01"),
            required=False,
            empty_value=None,
            error_messages={
                "invalid_choice": (
                    "Choisissez un mois de la liste : le mois en cours ou l'un des "
                    f"{MOIS_PROPOSES - 1} précédents."
                )
            },
            **kwargs,
        )

    def clean(self, value):
        return super().clean(value) or mois_courant()


def _mois_courant_par_defaut(form) -> None:
    form.fields["mois_cible"].initial = f"{mois_courant():%Y-%m}"


class LancerDetectionForm(forms.Form):
    ident = "detection"

    perimetre = forms.ChoiceField(
        label="Périmètre",
        choices=[
            (PerimetreDetection.TOUS, "Tous les foyers"),
            (PerimetreDetection.MODIFIES, "Seulement les foyers modifiés depuis leur simulation"),
            (PerimetreDetection.SITE, "Un site"),
        ],
    )
    site = forms.ModelChoiceField(label="Site", queryset=Site.objects.none(), required=False)
    mois_cible = ChampMoisSimule(
        help_text="Les droits sont estimés pour ce mois (par défaut : le mois en cours)."
    )

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        _mois_courant_par_defaut(self)
        # Les sites dont il suit les chiffres (un responsable de la direction : tous).
        sites = perms.sites_pilotables(agent)
        self.fields["site"].queryset = sites
        #: ses sites quand il ne les suit pas tous, sinon None (voir perms.perimetre_restreint)
        self.perimetre = perms.perimetre_des_sites(sites)
        if self.perimetre is not None:
            # Un responsable de Maison des Habitants : ses sites seulement (voir
            # lancer_detection) ; tous les foyers, c'est la direction ou un admin.
            self.fields["perimetre"].choices = [(PerimetreDetection.SITE, "Un de mes sites")]
            self.fields["perimetre"].initial = PerimetreDetection.SITE
            if len(sites) == 1:
                self.fields["site"].initial = sites[0]
        self.helper = FormHelper()
        self.helper.template = "components/formulaire.html"
        self.helper.add_input(Submit("lancer", "Lancer la détection maintenant"))

    def clean(self):
        donnees = super().clean()
        if donnees.get("perimetre") == PerimetreDetection.SITE and not donnees.get("site"):
            self.add_error("site", "Choisissez le site.")
        return donnees


class SimulerFoyerForm(FormulairePortail):
    """« Simuler maintenant » sur le dossier d'un foyer, pour le mois choisi."""

    ident = "simulation"
    bouton = "Simuler maintenant"

    mois_cible = ChampMoisSimule()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _mois_courant_par_defaut(self)


class ReprendreDetectionForm(FormulairePortail):
    """« Reprendre » une exécution échouée : seuls ses lots manquants sont refaits. Aucun
    champ à saisir ; le jeton rend un double clic sans effet."""

    bouton = "Reprendre"

    def __init__(self, *args, execution, **kwargs):
        self.ident = f"reprise-{execution.pk}"  # un formulaire par exécution échouée
        self.execution_pk = execution.pk
        super().__init__(
            *args, action=reverse("droits:reprendre_detection", args=[execution.pk]), **kwargs
        )


def formulaire_de_simulation(foyer, donnees=None) -> SimulerFoyerForm:
    """Le formulaire « Simuler maintenant » du dossier de `foyer` (vide, ou lié à `donnees`) :
    il poste vers `droits:simuler_foyer`, et htmx remplace le bloc « Droits estimés »."""
    action = reverse("droits:simuler_foyer", args=[foyer.pk])
    return SimulerFoyerForm(donnees, action=action, cible="simulation")


class PrestationFoyerForm(FormulairePortail):
    ident = "prestation"
    bouton = "Enregistrer la prestation"

    prestation = forms.ModelChoiceField(
        label="Prestation", queryset=Prestation.objects.filter(actif=True)
    )
    statut = forms.ChoiceField(label="Statut", choices=StatutPrestation.choices)
    source = forms.ChoiceField(label="Source", choices=SourcePrestation.choices)
    beneficiaire = forms.ModelChoiceField(
        label="Bénéficiaire", queryset=Habitant.objects.none(), required=False
    )
    date_demande = forms.DateField(label="Demandée le", required=False, widget=ChampDate())
    date_debut = forms.DateField(label="Versée depuis le", required=False, widget=ChampDate())
    date_fin = forms.DateField(label="Jusqu'au", required=False, widget=ChampDate())
    montant_mensuel = forms.DecimalField(
        label="Montant mensuel (€)",
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
        localize=True,
    )
    note = forms.CharField(label="Note", max_length=300, required=False)

    def __init__(self, *args, foyer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiaire"].queryset = Habitant.objects.filter(
            appartenances__foyer=foyer, appartenances__date_fin__isnull=True
        )


class EtatSignalementForm(FormulairePortail):
    """Faire avancer un signalement : un seul geste. « Droit ouvert » demande le montant
    accordé et la date de début, et enregistre la prestation perçue du foyer."""

    bouton = "Enregistrer le nouvel état"
    ident = "etat"

    etat = forms.ChoiceField(label="Nouvel état", choices=EtatSignalement.choices)
    venue_d_elle_meme = forms.BooleanField(
        label="La personne est venue d'elle-même",
        required=False,
        help_text=(
            "Pour « personne contactée » sans accord au contact recueilli à l'accueil : "
            "c'est la personne qui est venue, le CCAS ne l'a pas sollicitée."
        ),
    )
    montant_accorde = forms.DecimalField(
        label="Montant mensuel accordé (€), pour « droit ouvert »",
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
        localize=True,
        help_text="Pour une couverture santé : la participation mensuelle (0 si gratuite).",
    )
    date_debut = DatePlausible(
        label="Versé depuis le, pour « droit ouvert »", required=False, plage=EVENEMENT
    )
    source = forms.ChoiceField(
        label="Source de l'information",
        choices=SourcePrestation.choices,
        initial=SourcePrestation.DECLARATION,
        required=False,
        help_text="Pour « demande déposée » et « droit ouvert » (par défaut : la personne).",
    )
    commentaire = forms.CharField(label="Commentaire", max_length=500, required=False)

    def clean_source(self):
        return self.cleaned_data["source"] or SourcePrestation.DECLARATION

    def __init__(self, *args, signalement, **kwargs):
        kwargs.setdefault("auto_id", f"signalement-{signalement.pk}-%s")
        super().__init__(*args, **kwargs)
        self.fields["etat"].choices = [
            (code, libelle) for code, libelle in EtatSignalement.choices if code != signalement.etat
        ]


class AttributionForm(FormulairePortail):
    """Attribuer le signalement à un travailleur social du site du foyer."""

    bouton = "Attribuer"
    ident = "attribution"

    attribue_a = forms.ModelChoiceField(
        label="Attribué à",
        queryset=Agent.objects.none(),
        required=False,
        empty_label="Par défaut : le référent du foyer",
    )

    def __init__(self, *args, signalement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attribue_a"].queryset = Agent.objects.filter(
            role=Role.TRAVAILLEUR_SOCIAL, is_active=True, sites=signalement.foyer.site_id
        ).order_by("last_name", "first_name", "pk")
        if not self.is_bound:
            self.initial["attribue_a"] = signalement.attribue_a_id


class PieceForm(FormulairePortail):
    """Déposer une pièce au dossier du foyer : le fichier est contrôlé sur son contenu
    (droits/documents.py), les erreurs dites à côté du champ."""

    ident = "piece"
    bouton = "Déposer la pièce"

    fichier = forms.FileField(
        label="Fichier",
        error_messages={
            "required": "Choisissez le fichier à déposer.",
            "empty": "Le fichier est vide.",
            "invalid": "Ce fichier n'a pas pu être lu : déposez-le à nouveau.",
        },
    )
    type_piece = forms.ChoiceField(
        label="Type de pièce",
        error_messages={"required": "Choisissez le type de pièce."},
    )
    personne = forms.ModelChoiceField(
        label="Personne concernée",
        queryset=Habitant.objects.none(),
        required=False,
        empty_label="Le foyer (aucune personne en particulier)",
        error_messages={"invalid_choice": "Choisissez une personne du foyer."},
    )
    date_document = DatePlausible(
        label="Date du document",
        plage=DEPUIS,
        error_messages={"required": "Indiquez la date du document (celle qu'il porte)."},
    )
    intitule = forms.CharField(
        label="Intitulé (facultatif)",
        max_length=150,
        required=False,
        help_text="Par exemple « Avis d'imposition 2025 » ou « Bulletins de salaire de mars ».",
    )

    def __init__(self, *args, foyer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type_piece"].choices = [("", "—"), *TypePiece.choices]
        self.fields["personne"].queryset = Habitant.objects.filter(
            appartenances__foyer=foyer, appartenances__date_fin__isnull=True
        ).order_by("nom_usage", "prenoms")
        acceptes = types_acceptes()
        self.fields[
            "fichier"
        ].help_text = f"{libelle_types()}, {settings.DOCUMENTS_TAILLE_MAX_MO} Mo au plus."
        self.fields["fichier"].widget.attrs["accept"] = ",".join(
            [e for t in acceptes for e in t.extensions] + [t.mime for t in acceptes]
        )

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        try:
            verifier_fichier(fichier)
        except ValidationError as erreur:
            raise ValidationError(erreur.messages) from None
        return fichier


class SuppressionPieceForm(FormulairePortail):
    """Confirmer la suppression d'une pièce (définitive)."""

    ident = "suppression-piece"
    bouton = "Supprimer la pièce"

    confirmer = forms.BooleanField(
        label="Je confirme la suppression définitive de cette pièce et de son fichier",
        error_messages={"required": "Cochez la case pour confirmer la suppression."},
    )
