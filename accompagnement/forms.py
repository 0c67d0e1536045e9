"""Formulaires des accompagnements (crispy-forms) ; les règles métier restent dans services.py."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils import timezone

from accompagnement.enums import (
    TRANSITIONS,
    MotifCloture,
    StatutAccompagnement,
    StatutAction,
    StatutOrientation,
    TypeActionCollective,
)
from accompagnement.models import Objectif
from accompagnement.services import PARTICIPANT_D_UN_AUTRE_SITE, types_intervention
from ccas_portal.enums import Role
from ccas_portal.forms import ChampDate, ChoixMultiples, DatePlausible, FormulairePortail
from ccas_portal.models import Agent, Axe, Partenaire, Site
from ccas_portal.validation import EVENEMENT, entier_borne
from droits.axes import AXES
from droits.axes.base import lire_montant
from habitants.acces import q_personnes_accessibles, sites_ayant_acces
from habitants.models import Habitant


def _membres_actuels(foyer):
    return Habitant.objects.filter(
        appartenances__foyer=foyer, appartenances__date_fin__isnull=True
    ).order_by("date_naissance", "pk")


class OuvertureForm(FormulairePortail):
    ident = "ouverture"
    bouton = "Ouvrir l'accompagnement"

    axe = forms.ModelChoiceField(label="Axe", queryset=Axe.objects.order_by("ordre"))
    membres = ChoixMultiples(
        label="Personnes concernées",
        queryset=Habitant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une personne du foyer."},
    )
    co_intervenants = ChoixMultiples(
        label="Co-intervenants (facultatif)",
        queryset=Agent.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    date_ouverture = forms.DateField(label="Date d'ouverture", widget=ChampDate())
    malgre_accompagnement_ouvert = forms.BooleanField(
        label="Ouvrir quand même un second accompagnement sur cet axe", required=False
    )

    def __init__(self, *args, foyer, agent, deja_ouvert=False, **kwargs):
        kwargs.setdefault("initial", {"date_ouverture": timezone.localdate()})
        super().__init__(*args, **kwargs)
        if not (deja_ouvert or (self.data.get("malgre_accompagnement_ouvert"))):
            # La confirmation n'apparaît qu'après l'avertissement d'un accompagnement ouvert.
            del self.fields["malgre_accompagnement_ouvert"]
        self.fields["membres"].queryset = _membres_actuels(foyer)
        self.fields["co_intervenants"].queryset = (
            # Les travailleurs sociaux des sites qui ont accès au foyer (habitants.acces).
            Agent.objects.filter(
                role=Role.TRAVAILLEUR_SOCIAL, is_active=True, sites__in=sites_ayant_acces(foyer)
            )
            .distinct()
            .exclude(pk=agent.pk)
            .order_by("last_name", "first_name")
        )


class StatutForm(FormulairePortail):
    ident = "statut"
    bouton = "Changer le statut"

    statut = forms.ChoiceField(label="Nouveau statut")
    date_effet = forms.DateField(label="À compter du", widget=ChampDate())
    motif_cloture = forms.ChoiceField(
        label="Motif de clôture (si clos)",
        choices=[("", "—"), *MotifCloture.choices],
        required=False,
    )
    commentaire = forms.CharField(label="Commentaire", max_length=500, required=False)

    def __init__(self, *args, accompagnement, **kwargs):
        kwargs.setdefault("initial", {"date_effet": timezone.localdate()})
        super().__init__(*args, **kwargs)
        possibles = TRANSITIONS[StatutAccompagnement(accompagnement.statut)]
        self.fields["statut"].choices = [
            (code, libelle) for code, libelle in StatutAccompagnement.choices if code in possibles
        ]


class FaitsForm(FormulairePortail):
    """Les faits propres à l'axe, un champ facultatif par `Fait` de sa déclaration
    (droits/axes/) selon son type : date (plage des événements), montant (bornes du fait),
    oui / non / non renseigné, choix, texte (500 caractères). La validation qui compte est
    celle du service (`DefinitionAxe.valider_faits`) : un champ laissé vide n'y efface pas la
    valeur déjà enregistrée."""

    ident = "faits"
    bouton = "Enregistrer les faits"

    def __init__(self, *args, axe: str, **kwargs):
        super().__init__(*args, **kwargs)
        for fait in AXES[axe].faits:
            if fait.type == "date":
                champ = DatePlausible(plage=EVENEMENT)
            elif fait.type == "montant":
                champ = forms.DecimalField(
                    min_value=fait.minimum,
                    max_value=fait.maximum,
                    decimal_places=2,
                    localize=True,
                    error_messages={"invalid": "Montant en euros attendu, par exemple 350,50."},
                )
                # « 450.00 » gardé en base -> « 450,00 » ; un texte d'avant le type montant
                # (« environ 300 ») reste tel quel, à corriger par l'agent.
                montant = lire_montant(self.initial.get(fait.code) or "")
                if montant is not None:
                    self.initial[fait.code] = montant
            elif fait.type == "booleen":
                champ = forms.NullBooleanField(
                    widget=forms.Select(
                        choices=[("unknown", "Non renseigné"), ("true", "Oui"), ("false", "Non")]
                    )
                )
            elif fait.type == "choix":
                champ = forms.ChoiceField(choices=[("", "Non renseigné"), *fait.choix])
            else:
                champ = forms.CharField(max_length=500)
            champ.label, champ.required = fait.libelle, False
            self.fields[fait.code] = champ

    def faits(self) -> dict:
        """Les valeurs pour le service : dates en ISO, les autres telles que lues (booléen ou
        None, montant décimal, texte), champs vides compris."""
        return {
            code: valeur.isoformat() if hasattr(valeur, "isoformat") else valeur
            for code, valeur in self.donnees.items()
        }


class ObjectifForm(FormulairePortail):
    ident = "objectif"
    bouton = "Ajouter l'objectif"

    modele = forms.ChoiceField(label="Objectif proposé pour l'axe", required=False)
    libelle = forms.CharField(label="ou objectif libre", max_length=300, required=False)

    def __init__(self, *args, axe: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["modele"].choices = [("", "—")] + [(m, m) for m in AXES[axe].modeles_objectifs]

    def clean(self):
        donnees = super().clean()
        if not (donnees.get("libelle") or "").strip() and not donnees.get("modele"):
            raise forms.ValidationError("Choisissez un objectif proposé ou écrivez-en un.")
        return donnees

    def objectif(self) -> str:
        return (self.cleaned_data.get("libelle") or "").strip() or self.cleaned_data["modele"]


class ActionForm(FormulairePortail):
    ident = "action"
    bouton = "Ajouter l'action"

    objectif = forms.ModelChoiceField(label="Objectif", queryset=Objectif.objects.none())
    libelle = forms.CharField(label="Action", max_length=300)
    echeance = forms.DateField(label="Échéance", required=False, widget=ChampDate())

    def __init__(self, *args, accompagnement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objectif"].queryset = accompagnement.objectifs.all()
        self.fields["objectif"].empty_label = None  # le dernier objectif, choisi d'office
        dernier = accompagnement.objectifs.order_by("-ordre", "-id").values_list("pk", flat=True)
        self.initial.setdefault("objectif", dernier.first())


class StatutActionForm(forms.Form):
    statut = forms.ChoiceField(label="Statut de l'action", choices=StatutAction.choices)


class InterventionForm(FormulairePortail):
    ident = "intervention"
    bouton = "Enregistrer l'intervention"

    type = forms.ChoiceField(label="Type")
    date = forms.DateField(label="Date", widget=ChampDate())
    duree_minutes = forms.IntegerField(
        label="Durée (minutes)", required=False, min_value=1, max_value=600
    )
    lieu = forms.CharField(label="Lieu", max_length=200, required=False)
    participants = ChoixMultiples(
        label="Personnes présentes",
        queryset=Habitant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    compte_rendu = forms.CharField(
        label="Compte rendu", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    confidentiel = forms.BooleanField(
        label="Note confidentielle (lisible par vous et le référent seulement)", required=False
    )

    def __init__(self, *args, accompagnement, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = list(types_intervention(accompagnement.axe_id).items())
        self.fields["participants"].queryset = _membres_actuels(accompagnement.foyer_id)


class OrientationForm(FormulairePortail):
    ident = "orientation"
    bouton = "Orienter"

    partenaire = forms.ModelChoiceField(
        label="Partenaire", queryset=Partenaire.objects.filter(actif=True)
    )
    motif = forms.CharField(label="Motif de l'orientation", max_length=300)
    date = forms.DateField(label="Date", widget=ChampDate())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class SuiviOrientationForm(forms.Form):
    statut = forms.ChoiceField(label="Statut", choices=StatutOrientation.choices)
    resultat = forms.CharField(label="Résultat", max_length=500, required=False)


# --- Actions collectives ------------------------------------------------------------------


class ActionCollectiveForm(FormulairePortail):
    ident = "action-collective"
    bouton = "Créer l'action collective"

    titre = forms.CharField(label="Intitulé", max_length=200)
    type = forms.ChoiceField(label="Type", choices=TypeActionCollective.choices)
    site = forms.ModelChoiceField(label="Site porteur", queryset=Site.objects.none())
    date_debut = forms.DateField(label="Depuis le", widget=ChampDate())
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, agent, **kwargs):
        kwargs.setdefault("initial", {"date_debut": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = agent.sites.filter(actif=True).order_by("nom")


def services_participant_ailleurs(action) -> str:
    return PARTICIPANT_D_UN_AUTRE_SITE.format(site=action.site)


class SeanceForm(forms.Form):
    """Rendu à la main (gabarit) : les participants se choisissent par une recherche."""

    date = forms.DateField(label="Date de la séance", widget=ChampDate())
    theme = forms.CharField(label="Thème", max_length=200)
    site = forms.ModelChoiceField(label="Lieu", queryset=Site.objects.none())
    participants = ChoixMultiples(
        label="Participants inscrits au registre",
        queryset=Habitant.objects.none(),
        required=False,
    )
    participants_anonymes = forms.IntegerField(
        label="Participants non inscrits (nombre)", min_value=0, max_value=1000, initial=0
    )

    def __init__(self, *args, agent, action, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate(), "site": action.site_id})
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = agent.sites.filter(actif=True).order_by("nom")
        # Personnes connues du site porteur : ses agents liront leurs noms (ADR 0025).
        self.fields["participants"].queryset = Habitant.objects.visibles_par(agent).filter(
            q_personnes_accessibles({action.site_id})
        )
        self.fields["participants"].error_messages["invalid_choice"] = (
            services_participant_ailleurs(action)
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("date", "theme", "site", "participants_anonymes")

    def participants_choisis(self):
        """Les personnes déjà cochées (formulaire renvoyé avec ses erreurs)."""
        if not self.is_bound:
            return []
        ids = list(filter(None, map(entier_borne, self.data.getlist("participants"))))
        return list(self.fields["participants"].queryset.filter(pk__in=ids))


# --- Passation d'un accompagnement ----------------------------------------------------------


class PassationForm(FormulairePortail):
    """Le référent et les co-intervenants d'un accompagnement, choisis parmi les travailleurs
    sociaux des sites qui ont accès au foyer (`possibles`, calculés par la vue pour toute la
    page) ; les intervenants actuels qui n'y ont plus accès restent cochés pour qu'on les
    retire (le service refuse de les garder)."""

    bouton = "Enregistrer la passation"

    referent = forms.TypedChoiceField(label="Référent", coerce=int)
    co_intervenants = forms.TypedMultipleChoiceField(
        label="Co-intervenants",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Le référent choisi n'est pas compté parmi les co-intervenants.",
    )

    def __init__(self, *args, accompagnement, possibles, **kwargs):
        self.ident = f"passation-{accompagnement.pk}"
        kwargs.setdefault("prefix", f"a{accompagnement.pk}")
        actuels = list(accompagnement.co_intervenants.all())
        kwargs.setdefault(
            "initial",
            {
                "referent": accompagnement.referent_id,
                "co_intervenants": [a.pk for a in actuels],
            },
        )
        super().__init__(*args, **kwargs)
        ids_possibles = {a.pk for a in possibles}

        def libelle(agent):
            return str(agent) if agent.pk in ids_possibles else f"{agent} (n'a plus accès)"

        self.agents = {a.pk: a for a in [*possibles, accompagnement.referent, *actuels]}
        self.fields["referent"].choices = [
            *([] if accompagnement.referent_id in ids_possibles else [("", "— à choisir —")]),
            *((a.pk, str(a)) for a in possibles),
        ]
        self.fields["co_intervenants"].choices = [
            *((a.pk, str(a)) for a in possibles),
            *((a.pk, libelle(a)) for a in actuels if a.pk not in ids_possibles),
        ]
        self.fields["referent"].error_messages["required"] = "Choisissez le nouveau référent."
        self.fields["referent"].error_messages["invalid_choice"] = (
            "Choisissez le référent dans la liste : un travailleur social d'un site qui a accès "
            "à ce foyer."
        )
        self.fields["co_intervenants"].error_messages["invalid_choice"] = (
            "Choisissez les co-intervenants dans la liste."
        )

    @property
    def donnees(self) -> dict:
        d = self.cleaned_data
        return {
            "referent": self.agents[d["referent"]],
            "co_intervenants": [self.agents[pk] for pk in d["co_intervenants"]],
        }
