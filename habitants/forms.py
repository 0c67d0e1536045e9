import uuid
from datetime import datetime

from django import forms
from django.utils import timezone

from ccas_portal.formats import genre
from ccas_portal.forms import ChampDate, DatePlausible, FormulairePortail
from ccas_portal.models import Partenaire, Site
from ccas_portal.validation import DEPUIS, EVENEMENT, FIN_DE_DROIT, NAISSANCE
from habitants.acces import q_personnes_accessibles
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
from habitants.models import Habitant, Motif
from habitants.services import verifier_commune


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
    partenaire = forms.ModelChoiceField(
        label="Partenaire (si orientation vers un partenaire)",
        queryset=Partenaire.objects.none(),
        required=False,
        empty_label="— aucun —",
        error_messages={
            "invalid_choice": "Ce partenaire n'est pas dans l'annuaire : choisissez-en un "
            "dans la liste."
        },
    )
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

    def __init__(self, *args, agent, site, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["jeton"] = uuid.uuid4()
        # Une personne connue du site du passage : ses agents liront son nom (ADR 0025).
        self.fields["habitant"].queryset = Habitant.objects.visibles_par(agent).filter(
            q_personnes_accessibles({site.pk})
        )
        self.fields["habitant"].error_messages["invalid_choice"] = (
            f"Cette personne est introuvable parmi celles connues de {site} : cherchez-la à "
            "nouveau, ou enregistrez son passage depuis l'accueil de son site (ici, sans nom)."
        )
        self.fields["motifs"].queryset = Motif.objects.filter(actif=True).select_related("axe")
        self.fields["partenaire"].queryset = Partenaire.objects.filter(actif=True)

    def date_heure(self):
        """Aujourd'hui à l'heure saisie (heure de Paris), ou None pour maintenant."""
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


class InformationForm(FormulairePortail):
    """L'information sur le traitement donnée aujourd'hui, et la réponse de la personne à la
    question du contact : un choix obligatoire (une case laissée vide n'est pas une réponse)."""

    ident = "information"
    bouton = "Enregistrer l'information et la réponse"

    consentement = forms.ChoiceField(
        label="La personne accepte-t-elle d'être contactée par le CCAS au sujet de droits repérés ?",
        choices=[
            (EtatConsentement.ACCEPTE, "Oui, elle accepte d'être contactée"),
            (EtatConsentement.REFUSE, "Non, elle refuse d'être contactée"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indiquez si la personne accepte ou refuse d'être contactée.",
            "invalid_choice": "Choisissez « oui » ou « non ».",
        },
    )


class RechercheAdminForm(forms.Form):
    q = forms.CharField(label="Nom ou prénom", max_length=100, required=False)


class EffacementForm(FormulairePortail):
    """L'effacement (RGPD art. 17) ou l'opposition (art. 21) : la fiche est anonymisée."""

    ident = "effacement"
    bouton = "Anonymiser la fiche"

    motif = forms.ChoiceField(
        label="Motif",
        choices=[
            ("effacement", "Demande d'effacement de la personne (RGPD, article 17)"),
            ("opposition", "Opposition de la personne au traitement (RGPD, article 21)"),
            ("deces", "Décès de la personne"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le motif de l'effacement."},
    )
    confirmation = forms.BooleanField(
        label="Je confirme : l'identité et les textes libres de cette personne seront effacés "
        "définitivement ; seules les données statistiques listées ci-dessus restent.",
        error_messages={"required": "Cochez la confirmation pour anonymiser la fiche."},
    )


# --- Le dossier social : formulaires d'écriture (FormulairePortail) ------------------------


class _FormulaireDossier(FormulairePortail):
    """Un formulaire répété sur la page (un par personne, par ressource) : `ident` propre à
    l'instance pour des id HTML uniques."""

    def __init__(self, *args, ident: str | None = None, **kwargs):
        if ident:
            self.ident = ident
        super().__init__(*args, **kwargs)


def _montant(label, required=False):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        localize=True,
        error_messages={"min_value": "Le montant ne peut pas être négatif."},
    )


def _avec_une_lettre(texte: str, message: str) -> str:
    """Une adresse nomme une voie ou un lieu : sans aucune lettre (« -1 », « 31/02/2026 »),
    c'est une saisie dans le mauvais champ."""
    if texte and not any(c.isalpha() for c in texte):
        raise forms.ValidationError(message)
    return texte


class ContactForm(_FormulaireDossier):
    ident = "contact"
    bouton = "Enregistrer les coordonnées"

    telephone = forms.CharField(label="Téléphone", max_length=20, required=False)
    courriel = forms.EmailField(label="Courriel", required=False)
    adresse_contact = forms.CharField(
        label="Adresse de contact (si différente de celle du foyer)",
        max_length=200,
        required=False,
    )

    def clean_adresse_contact(self):
        return _avec_une_lettre(
            self.cleaned_data["adresse_contact"],
            "L'adresse de contact doit contenir au moins une lettre (le nom de la voie).",
        )


class IdentiteForm(ContactForm):
    ident = "identite"
    bouton = "Enregistrer l'identité"

    nom_usage = forms.CharField(label="Nom d'usage", max_length=100)
    prenoms = forms.CharField(label="Prénom(s)", max_length=150)
    nom_naissance = forms.CharField(label="Nom de naissance", max_length=100, required=False)
    date_naissance = DatePlausible(label="Date de naissance", required=False, plage=NAISSANCE)
    sexe = forms.ChoiceField(label="Sexe", choices=Sexe.choices, required=False)

    field_order = [
        "nom_usage",
        "prenoms",
        "nom_naissance",
        "date_naissance",
        "sexe",
        "telephone",
        "courriel",
        "adresse_contact",
    ]


class AdresseForm(_FormulaireDossier):
    """Adresse d'un foyer : la commune est cherchée dans le référentiel INSEE par son code
    postal et son nom (services.verifier_commune)."""

    ident = "adresse"
    bouton = "Enregistrer l'adresse"

    adresse = forms.CharField(label="Adresse (numéro et voie)", max_length=200)
    complement_adresse = forms.CharField(
        label="Complément d'adresse", max_length=200, required=False
    )
    code_postal = forms.RegexField(
        label="Code postal",
        regex=r"^\d{5}$",
        error_messages={"invalid": "Le code postal compte 5 chiffres."},
    )
    commune = forms.CharField(
        label="Commune",
        max_length=100,
        required=False,
        help_text="Facultative si le code postal ne désigne qu'une commune.",
    )
    quartier = forms.CharField(label="Quartier", max_length=100, required=False)

    def clean_adresse(self):
        return _avec_une_lettre(
            self.cleaned_data["adresse"],
            "L'adresse doit contenir au moins une lettre (le nom de la voie ou du lieu-dit).",
        )

    def clean(self):
        donnees = super().clean()
        if donnees.get("code_postal") and "commune" not in self.errors:
            try:
                donnees["code_insee"] = verifier_commune(
                    donnees["code_postal"], donnees.get("commune", "")
                )
            except forms.ValidationError as erreur:
                for champ, erreurs in erreur.error_dict.items():
                    for e in erreurs:
                        self.add_error(champ, e)
        return donnees

    @property
    def adresse_pour_service(self) -> dict:
        d = self.cleaned_data
        return {c: d[c] for c in ("adresse", "complement_adresse", "code_postal", "quartier")} | {
            "code_insee": d["code_insee"]
        }


class LogementForm(AdresseForm):
    ident = "logement"
    bouton = "Enregistrer l'adresse et le logement"

    statut_occupation = forms.ChoiceField(label="Statut d'occupation", choices=())
    type_bailleur = forms.ChoiceField(label="Bailleur", choices=(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statut_occupation"].choices = StatutOccupation.choices
        self.fields["type_bailleur"].choices = TypeBailleur.choices


class NouveauFoyerForm(AdresseForm):
    ident = "nouveau-foyer"
    bouton = "Créer le foyer"

    statut_occupation = forms.ChoiceField(label="Statut d'occupation", choices=())
    date_debut = DatePlausible(label="Dans ce logement depuis le", plage=EVENEMENT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statut_occupation"].choices = [("", "—"), *StatutOccupation.choices]


def _role():
    return forms.ChoiceField(label="Rôle dans le foyer", choices=[("", "—"), *RoleMembre.choices])


class RattachementForm(_FormulaireDossier):
    """Rattacher la personne à un foyer existant de ses sites, choisi parmi les résultats
    d'une recherche (boutons radio)."""

    ident = "rattachement"
    bouton = "Rattacher à ce foyer"

    foyer = forms.ModelChoiceField(
        label="Foyer",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Cherchez puis choisissez un foyer.",
            "invalid_choice": "Ce foyer est introuvable parmi ceux de vos sites.",
        },
    )
    role = _role()
    date_debut = DatePlausible(label="Dans ce foyer depuis le", plage=EVENEMENT)

    def __init__(self, *args, foyers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["foyer"].queryset = foyers


class MembreExistantForm(_FormulaireDossier):
    ident = "membre-existant"
    bouton = "Ajouter au foyer"

    habitant = forms.ModelChoiceField(
        label="Personne",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Cherchez puis choisissez une personne.",
            "invalid_choice": "Cette personne est introuvable parmi celles de vos sites.",
        },
    )
    role = _role()
    date_debut = DatePlausible(label="Dans ce foyer depuis le", plage=EVENEMENT)

    def __init__(self, *args, habitants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["habitant"].queryset = habitants
        self.fields["habitant"].label_from_instance = self.libelle_personne

    @staticmethod
    def libelle_personne(h) -> str:
        if not h.date_naissance:
            return f"{h} — date de naissance non renseignée"
        return f"{h} — {genre(h.sexe, 'né', 'née')} le {h.date_naissance:%d/%m/%Y}"


class NouveauMembreForm(_FormulaireDossier):
    ident = "nouveau-membre"
    bouton = "Inscrire et ajouter au foyer"

    nom_usage = forms.CharField(label="Nom d'usage", max_length=100)
    prenoms = forms.CharField(label="Prénom(s)", max_length=150)
    date_naissance = DatePlausible(label="Date de naissance", required=False, plage=NAISSANCE)
    sexe = forms.ChoiceField(label="Sexe", choices=Sexe.choices, required=False)
    role = _role()
    date_debut = DatePlausible(label="Dans ce foyer depuis le", plage=EVENEMENT)
    confirmer_nouveau = forms.BooleanField(
        label="Ce n'est aucune des personnes déjà connues : l'inscrire", required=False
    )


class FinForm(_FormulaireDossier):
    ident = "fin"
    bouton = "Enregistrer la fin"

    date_fin = DatePlausible(label="Jusqu'au", plage=EVENEMENT)


class LoyerForm(_FormulaireDossier):
    """Un nouveau loyer à une date : le précédent est clos la veille (historique gardé)."""

    ident = "loyer"
    bouton = "Enregistrer le nouveau loyer"

    loyer_mensuel = _montant("Loyer mensuel, hors charges (€)", required=True)
    charges_mensuelles = _montant("Charges mensuelles (€)")
    date_debut = DatePlausible(label="Loyer et charges depuis le", plage=DEPUIS)


class CorrectionLoyerForm(LoyerForm):
    """Corriger une période du loyer (erreur de saisie), ou lui donner une fin."""

    ident = "correction-loyer"
    bouton = "Corriger ce loyer"

    date_fin = DatePlausible(label="Jusqu'au (facultatif)", required=False, plage=EVENEMENT)


def _statuts_maritaux():
    return [c for c in StatutMarital.choices if c[0]]


class SituationForm(_FormulaireDossier):
    ident = "situation"
    bouton = "Enregistrer la situation"

    statut_marital = forms.ChoiceField(
        label="Nouvelle situation conjugale",
        choices=(),
        required=False,
        help_text="Seulement si elle change : la précédente reste dans l'historique.",
    )
    statut_marital_depuis = DatePlausible(label="Depuis le", required=False, plage=NAISSANCE)
    activite = forms.ChoiceField(label="Situation d'activité", choices=(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statut_marital"].choices = [("", "— inchangée —"), *_statuts_maritaux()]
        self.fields["activite"].choices = Activite.choices

    def clean(self):
        donnees = super().clean()
        if (
            donnees.get("statut_marital")
            and not donnees.get("statut_marital_depuis")
            and "statut_marital_depuis" not in self.errors
        ):
            self.add_error("statut_marital_depuis", "Indiquez depuis quand dure cette situation.")
        return donnees


class CorrectionSituationForm(_FormulaireDossier):
    """Corriger une situation conjugale saisie (statut ou date)."""

    ident = "correction-situation"
    bouton = "Corriger cette situation"

    statut = forms.ChoiceField(label="Situation conjugale", choices=())
    date_debut = DatePlausible(label="Depuis le", plage=NAISSANCE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statut"].choices = [("", "—"), *_statuts_maritaux()]


class SanteForm(_FormulaireDossier):
    ident = "sante"
    bouton = "Enregistrer la santé"

    taux_incapacite = forms.IntegerField(
        label="Taux d'incapacité (%)",
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "max_value": "Le taux d'incapacité ne dépasse pas 100 %%.",
            "min_value": "Le taux d'incapacité ne peut pas être négatif.",
        },
    )
    reconnaissance_mdph = forms.BooleanField(label="Reconnaissance MDPH", required=False)
    date_reconnaissance_mdph = DatePlausible(
        label="Date de la reconnaissance MDPH", required=False, plage=EVENEMENT
    )


class RessourceForm(_FormulaireDossier):
    ident = "ressource"
    bouton = "Ajouter la ressource"

    type = forms.ChoiceField(label="Nature", choices=())
    libelle = forms.CharField(
        label="Précision (pour « Autres ressources »)", max_length=100, required=False
    )
    montant_mensuel = _montant("Montant mensuel net (€)", required=True)
    date_debut = DatePlausible(label="Perçue depuis le", plage=EVENEMENT)
    date_fin = DatePlausible(label="Jusqu'au (facultatif)", required=False, plage=FIN_DE_DROIT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "—"), *TypeRessource.choices]

    def clean(self):
        donnees = super().clean()
        if donnees.get("type") == "autre" and not (donnees.get("libelle") or "").strip():
            self.add_error("libelle", "Précisez la nature de cette ressource.")
        return donnees


class FoyerAUneDateForm(forms.Form):
    """`?au=` du dossier social : le foyer tel qu'il était ce jour-là."""

    au = DatePlausible(label="Date", required=False, plage=NAISSANCE)


class RecherchePersonneForm(forms.Form):
    """`?personne=` du dossier social : une personne de ses sites à ajouter au foyer."""

    personne = forms.CharField(label="Nom et prénom", required=False, max_length=100)


# --- Partage ou transfert d'un foyer entre sites (écrans : vues_partage.py) --------------------------------------------


def _champ_motif(libelle: str, aide: str, *, required: bool = True) -> forms.CharField:
    """Un motif court d'une demande de partage ou de sa décision."""
    return forms.CharField(
        label=libelle,
        max_length=300,
        required=required,
        help_text=f"{aide} (300 caractères au plus).",
        error_messages={
            "required": "Indiquez le motif de la demande.",
            "max_length": "Le motif tient en 300 caractères au plus.",
        },
    )


class DemandePartageForm(FormulairePortail):
    """Depuis l'avertissement « connue de la Maison des Habitants X » : l'identité tapée et le
    site nommé reviennent en champs cachés (rien d'autre n'est connu du demandeur)."""

    ident = "partage"
    bouton = "Demander le partage ou le transfert"

    nature = forms.ChoiceField(
        label="Vous demandez",
        choices=[
            ("partage", "Le partage du foyer : votre site le suit aussi, son site reste"),
            ("transfert", "Le transfert du foyer et de ses membres à votre site"),
        ],
        widget=forms.RadioSelect,
        initial="partage",
        error_messages={"required": "Choisissez le partage ou le transfert."},
    )
    motif = _champ_motif("Motif de la demande", "Lu par le site sollicité")
    site = forms.ModelChoiceField(
        label="Site sollicité", queryset=Site.objects.all(), widget=forms.HiddenInput
    )
    site_demandeur = forms.ModelChoiceField(
        label="Votre site", queryset=Site.objects.none(), widget=forms.HiddenInput
    )
    nom_usage = forms.CharField(label="Nom d'usage", max_length=100, widget=forms.HiddenInput)
    prenoms = forms.CharField(label="Prénom(s)", max_length=150, widget=forms.HiddenInput)
    date_naissance = forms.DateField(
        label="Date de naissance", required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, agent, suffixe: str = "", **kwargs):
        # Un formulaire par site nommé sur la page : des id distincts.
        self.ident = f"partage{suffixe}"
        super().__init__(*args, **kwargs)
        self.fields["site_demandeur"].queryset = agent.sites.all()


class DecisionPartageForm(FormulairePortail):
    """Accepter ou refuser une demande reçue ; un refus est motivé."""

    bouton = "Enregistrer la décision"

    decision = forms.ChoiceField(
        label="Décision",
        choices=[("accepter", "Accepter"), ("refuser", "Refuser")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez d'accepter ou de refuser."},
    )
    motif_refus = _champ_motif(
        "Motif du refus", "Obligatoire pour refuser ; lu par le site demandeur", required=False
    )

    def __init__(self, *args, demande, **kwargs):
        self.ident = f"decision-{demande.pk}"
        super().__init__(*args, **kwargs)
        self.demande = demande

    def clean(self):
        donnees = super().clean()
        if donnees.get("decision") == "refuser" and not donnees.get("motif_refus", "").strip():
            self.add_error("motif_refus", "Indiquez le motif du refus.")
        return donnees


class ClorePartageForm(FormulairePortail):
    """Retirer une demande en attente, ou mettre fin à un partage (le bouton seul)."""

    def __init__(self, *args, bouton: str, suffixe: str, **kwargs):
        self.ident, self.bouton = f"clore-{suffixe}", bouton
        super().__init__(*args, **kwargs)


class DemandeTransfertForm(FormulairePortail):
    """Depuis le dossier d'un foyer partagé avec le site de l'agent : en demander le transfert."""

    ident = "transfert"
    bouton = "Demander le transfert"

    motif = _champ_motif("Motif de la demande de transfert", "Lu par le site de rattachement")
