"""Les formulaires de l'instruction : champs nommés comme les arguments des services, pour que
leurs erreurs s'affichent à côté du champ (`reporter_erreurs`)."""

from django import forms
from django.utils import timezone

from ccas_portal.forms import DatePlausible, FormulairePortail
from ccas_portal.validation import EVENEMENT, SUIVI
from droits.instruction.enums import (
    DispositifLegal,
    IssueLogement,
    ModePaiement,
    NatureDemande,
    SensDecision,
)
from droits.instruction.models import MotifRefus, Reglement, TypeAide
from habitants.models import Habitant


def _montant(label, *, required=True, min_value=0):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=min_value,
        max_digits=9,
        decimal_places=2,
        localize=True,
    )


class DemandeForm(FormulairePortail):
    """Une nouvelle demande ; les champs dépendent de son type (`nature`)."""

    ident = "demande"
    bouton = "Enregistrer la demande"

    beneficiaire = forms.ModelChoiceField(label="Bénéficiaire", queryset=Habitant.objects.none())
    type_aide = forms.ModelChoiceField(label="Type d'aide", queryset=TypeAide.objects.none())
    dispositif = forms.ChoiceField(label="Dispositif", choices=DispositifLegal.choices)
    montant_demande = _montant("Montant demandé (€)", min_value=0.01)
    objet = forms.CharField(label="Objet de la demande", max_length=500)
    date_depot = DatePlausible(label="Déposée le", plage=SUIVI)
    etablissement = forms.CharField(
        label="Établissement ou service concerné", max_length=200, required=False
    )
    obliges_alimentaires = forms.CharField(
        label="Obligés alimentaires connus", max_length=500, required=False
    )
    numero_unique = forms.CharField(label="Numéro unique de demande", max_length=40, required=False)
    typologie = forms.CharField(
        label="Typologie souhaitée (T1, T2…)", max_length=20, required=False
    )
    communes_souhaitees = forms.CharField(
        label="Communes souhaitées", max_length=300, required=False
    )
    autres_charges = _montant("Autres charges mensuelles non enregistrées (€)", required=False)
    ressources_complementaires = _montant(
        "Ressources mensuelles non enregistrées (€)", required=False
    )
    commentaire_evaluation = forms.CharField(
        label="Commentaire sur l'évaluation", max_length=500, required=False
    )

    PAR_NATURE = {
        NatureDemande.FACULTATIVE: [
            "beneficiaire",
            "type_aide",
            "montant_demande",
            "objet",
            "date_depot",
            "autres_charges",
            "ressources_complementaires",
            "commentaire_evaluation",
        ],
        NatureDemande.AIDE_SOCIALE_LEGALE: [
            "beneficiaire",
            "dispositif",
            "objet",
            "date_depot",
            "etablissement",
            "obliges_alimentaires",
        ],
        NatureDemande.LOGEMENT_SOCIAL: [
            "beneficiaire",
            "objet",
            "date_depot",
            "numero_unique",
            "typologie",
            "communes_souhaitees",
        ],
    }

    def __init__(self, *args, foyer, nature, **kwargs):
        super().__init__(*args, **kwargs)
        self.nature = nature
        garder = {"jeton", *self.PAR_NATURE[nature]}
        for nom in list(self.fields):
            if nom not in garder:
                del self.fields[nom]
        self.fields["beneficiaire"].queryset = Habitant.objects.filter(
            appartenances__foyer=foyer, appartenances__date_fin__isnull=True
        )
        if "type_aide" in self.fields:
            reglement = Reglement.en_vigueur(timezone.localdate())
            self.fields["type_aide"].queryset = (
                reglement.types.all() if reglement else TypeAide.objects.none()
            )
        self.initial.setdefault("date_depot", timezone.localdate())

    def arguments(self) -> dict:
        """Les arguments de `services.creer_demande`."""
        d = self.donnees
        champs = {
            k: d.pop(k)
            for k in (
                "etablissement",
                "obliges_alimentaires",
                "numero_unique",
                "typologie",
                "communes_souhaitees",
            )
            if k in d
        }
        return {**d, "nature": self.nature, "champs": champs}


class EvaluationForm(FormulairePortail):
    ident = "evaluation"
    bouton = "Recalculer l'évaluation"

    autres_charges = _montant("Autres charges mensuelles non enregistrées (€)")
    ressources_complementaires = _montant("Ressources mensuelles non enregistrées (€)")
    commentaire = forms.CharField(label="Commentaire", max_length=500, required=False)


class GesteForm(FormulairePortail):
    """Un geste sans saisie (présenter à la commission, clore la séance) : le jeton seul."""

    def __init__(self, *args, bouton: str, ident: str, **kwargs):
        self.bouton, self.ident = bouton, ident
        super().__init__(*args, **kwargs)


class TransmissionForm(FormulairePortail):
    ident = "transmission"
    bouton = "Enregistrer la transmission"

    date_transmission = DatePlausible(label="Transmis au Département le", plage=SUIVI)


class ClotureLogementForm(FormulairePortail):
    """Clore l'accompagnement d'une demande de logement social."""

    ident = "cloture-logement"
    bouton = "Clore la demande"

    issue = forms.ChoiceField(
        label="Issue de la demande",
        choices=IssueLogement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez l'issue de la demande."},
    )
    date_cloture = DatePlausible(
        label="Close le",
        plage=SUIVI,
        error_messages={"required": "Indiquez la date de clôture."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date_cloture", timezone.localdate())


class SeanceForm(FormulairePortail):
    ident = "seance"
    bouton = "Créer la séance"

    date = DatePlausible(label="Date de la séance", plage=EVENEMENT)
    lieu = forms.CharField(label="Lieu", max_length=200, required=False)
    membres = forms.CharField(
        label="Membres présents (un par ligne)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class DecisionForm(FormulairePortail):
    bouton = "Enregistrer la décision"

    sens = forms.ChoiceField(
        label="Décision", choices=SensDecision.choices, widget=forms.RadioSelect
    )
    montant = _montant("Montant accordé (€)", required=False, min_value=0.01)
    mode_paiement = forms.ChoiceField(
        label="Mode de paiement", choices=[("", "—"), *ModePaiement.choices], required=False
    )
    motif_refus = forms.ModelChoiceField(
        label="Motif du refus (règlement)", queryset=MotifRefus.objects.none(), required=False
    )
    complement = forms.CharField(
        label="Précisions (ajournement : ce qui manque)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    malgre_depassement = forms.BooleanField(
        label="Accorder même si le budget voté est dépassé", required=False
    )

    def __init__(self, *args, demande, **kwargs):
        self.ident = f"decision-{demande.pk}"
        super().__init__(*args, **kwargs)
        reglement = Reglement.en_vigueur(timezone.localdate())
        if reglement:
            self.fields["motif_refus"].queryset = reglement.motifs_refus.all()
        if demande.type_aide_id:
            self.fields["mode_paiement"].choices = [
                ("", "—"),
                *demande.type_aide.modes_disponibles(),
            ]
        if demande.montant_demande:
            self.initial.setdefault("montant", demande.montant_demande)


class PaiementForm(FormulairePortail):
    bouton = "Enregistrer le paiement"

    montant = _montant("Montant payé (€)", min_value=0.01)
    mode = forms.ChoiceField(label="Mode", choices=ModePaiement.choices)
    destinataire = forms.CharField(label="Bénéficiaire ou créancier", max_length=200)
    date_paiement = DatePlausible(label="Payé le", plage=SUIVI)
    reference = forms.CharField(label="Référence (mandat, virement…)", max_length=100)
    numeros_bons = forms.CharField(
        label="Numéros des bons (bons alimentaires)", max_length=300, required=False
    )
    malgre_depassement = forms.BooleanField(
        label="Payer même si le budget voté est dépassé", required=False
    )

    def __init__(self, *args, decision, reste, **kwargs):
        self.ident = f"paiement-{decision.pk}"
        super().__init__(*args, **kwargs)
        self.initial.setdefault("montant", reste)
        self.initial.setdefault("mode", decision.mode_paiement)
        self.initial.setdefault("date_paiement", timezone.localdate())
        b = decision.demande.beneficiaire
        if b is not None and decision.mode_paiement != "creancier":
            self.initial.setdefault("destinataire", f"{b.prenoms} {b.nom_usage}")
