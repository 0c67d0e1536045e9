import uuid

from django import forms

from ccas_portal.forms import FormulairePortail
from ccas_portal.validation import NAISSANCE, DatePlausible
from habitants.enums import ModePassage, ReponsePassage, Sexe
from habitants.models import Habitant, Motif


class ChampDate(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RechercheForm(forms.Form):
    q = forms.CharField(label="Nom et prénom", required=False, max_length=100)
    date_naissance = DatePlausible(label="Date de naissance", required=False, plage=NAISSANCE)
    telephone = forms.CharField(label="Téléphone", required=False, max_length=20)
    adresse = forms.CharField(label="Adresse du foyer", required=False, max_length=100)


class InscriptionForm(FormulairePortail):
    ident = "inscription"
    bouton = "Inscrire la personne"

    nom_usage = forms.CharField(label="Nom d'usage", max_length=100)
    prenoms = forms.CharField(label="Prénom(s)", max_length=150)
    date_naissance = forms.DateField(
        label="Date de naissance",
        required=False,
        widget=ChampDate(),
        help_text="Facultative, mais elle aide à éviter les doublons.",
    )
    sexe = forms.ChoiceField(label="Sexe", choices=Sexe.choices, required=False)
    nom_naissance = forms.CharField(label="Nom de naissance", max_length=100, required=False)
    telephone = forms.CharField(label="Téléphone", max_length=20, required=False)
    courriel = forms.EmailField(label="Courriel", required=False)
    confirmer_nouveau = forms.BooleanField(
        label="Aucune de ces personnes : inscrire une nouvelle personne", required=False
    )

    def __init__(self, *args, avec_confirmation=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not avec_confirmation:
            del self.fields["confirmer_nouveau"]


class PassageForm(forms.Form):
    """Rendu à la main (habitants/partials/formulaire_passage.html) pour grouper les motifs par
    axe ; même résumé des erreurs et même jeton que les formulaires crispy du portail."""

    habitant = forms.ModelChoiceField(
        label="Personne",
        queryset=Habitant.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "Cette personne est introuvable parmi celles de vos sites : "
            "cherchez-la à nouveau."
        },
    )
    jeton = forms.UUIDField(widget=forms.HiddenInput, required=False)
    mode = forms.ChoiceField(
        label="Mode",
        choices=ModePassage.choices,
        initial=ModePassage.PHYSIQUE,
        widget=forms.RadioSelect,
    )
    motifs = forms.ModelMultipleChoiceField(
        label="Motifs",
        queryset=Motif.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins un motif."},
    )
    reponse = forms.ChoiceField(label="Réponse apportée", choices=ReponsePassage.choices)
    heure = forms.TimeField(
        label="Heure du passage",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Laissez vide pour maintenant ; sinon l'heure, aujourd'hui.",
    )
    note = forms.CharField(
        label="Note (facultative)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Quelques mots sur la demande. Pas de donnée de santé.",
    )

    ident = "passage"

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["jeton"] = uuid.uuid4()
        self.fields["habitant"].queryset = Habitant.objects.visibles_par(agent)
        self.fields["motifs"].queryset = Motif.objects.filter(actif=True).select_related("axe")

    def date_heure(self):
        """Aujourd'hui à l'heure saisie (heure de Paris), ou None pour maintenant."""
        from datetime import datetime

        from django.utils import timezone

        heure = self.cleaned_data.get("heure")
        if heure is None:
            return None
        return timezone.make_aware(datetime.combine(timezone.localdate(), heure))

    def motifs_par_axe(self):
        """[(axe, [case à cocher, …]), …] pour afficher les motifs groupés par axe."""
        groupes: dict = {}
        motifs = {str(m.pk): m for m in self.fields["motifs"].queryset}
        for case in self["motifs"]:
            motif = motifs[str(case.data["value"])]
            groupes.setdefault(motif.axe, []).append(case)
        return list(groupes.items())


class InformationForm(forms.Form):
    consentement_contact = forms.BooleanField(
        label="La personne accepte d'être contactée par le CCAS au sujet de droits repérés",
        required=False,
    )
