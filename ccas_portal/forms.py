import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.urls import reverse

from ccas_portal import connexions
from ccas_portal.formats import compte
from ccas_portal.idempotence import DejaTraite, une_seule_fois
from ccas_portal.services import changer_mot_de_passe
from ccas_portal.validation import RECHERCHE, Plage, entier_borne

#: Réponse à un formulaire renvoyé (double clic, réseau qui rejoue) : rien n'est écrit deux fois.
DEJA_ENREGISTRE = "Ce formulaire avait déjà été enregistré : il ne l'a pas été une seconde fois."


class ChampDate(forms.DateInput):
    """Le sélecteur de date du navigateur (AAAA-MM-JJ)."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DatePlausible(forms.DateField):
    """Un champ de date (sélecteur du navigateur, AAAA-MM-JJ) borné à une plage plausible."""

    def __init__(self, *, plage: Plage = RECHERCHE, **kwargs):
        kwargs.setdefault("widget", ChampDate())
        super().__init__(**kwargs)
        self.plage = plage

    def validate(self, valeur):
        super().validate(valeur)
        if valeur is not None:
            message = self.plage.erreur(valeur)
            if message:
                raise ValidationError(message, code="date_invraisemblable")


class ChoixMultiples(forms.ModelMultipleChoiceField):
    """Des cases à cocher d'objets (personnes, agents) : un identifiant qui n'est pas un
    entier de la base (« 99999999999999999999 », « abc ») est refusé en français avant la
    requête (qui échouerait sinon : SQLite et PostgreSQL refusent un entier hors plage)."""

    def _check_values(self, value):
        cle = self.to_field_name or "pk"
        champ = self.queryset.model._meta.pk if cle == "pk" else None
        if champ is not None and champ.get_internal_type().endswith("AutoField"):
            for valeur in value:
                if entier_borne(valeur) is None:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": str(valeur)[:50]},
                    )
        return super()._check_values(value)


class FormulairePortail(forms.Form):
    """Un formulaire d'écriture du portail, rendu par crispy dans `components/formulaire.html`.

    - `action` : l'URL où il poste ; `cible` : l'id de la section que htmx remplace par la
      réponse (sans `cible`, formulaire de page ordinaire). Ces attributs sont posés sur la
      balise `<form>` par le gabarit, jamais par `FormHelper.attrs` : crispy répète ces
      attributs-là sur l'enveloppe des cases à cocher et des boutons radio, et htmx postait
      alors le formulaire à moitié rempli au premier clic sur une case.
    - un résumé des erreurs en tête, qui prend le focus (RGAA 11.10, 11.11), et chaque erreur
      sous son champ ;
    - `jeton` : un identifiant caché, nouveau à chaque formulaire vide, qui rend l'écriture
      idempotente (voir ccas_portal/idempotence.py).
    """

    bouton = "Enregistrer"
    #: Préfixe des id HTML : plusieurs formulaires partagent une page (et des noms de champs).
    ident = "f"

    jeton = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, action: str = "", cible: str = "", **kwargs):
        kwargs.setdefault("auto_id", f"{self.ident}-%s")
        super().__init__(*args, **kwargs)
        self.action, self.cible = action, cible
        if not self.is_bound:
            self.initial["jeton"] = uuid.uuid4()
        self.helper = FormHelper()
        self.helper.template = "components/formulaire.html"
        self.helper.add_input(Submit("enregistrer", self.bouton, css_class="btn-primary"))

    @property
    def donnees(self) -> dict:
        """Les valeurs validées, sans le jeton (ce que reçoit le service)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "jeton"}


class ConnexionForm(AuthenticationForm):
    ident = "connexion"

    error_messages = {
        "invalid_login": (
            "Identifiant ou mot de passe incorrect. Vérifiez votre saisie "
            "(les majuscules comptent) et réessayez."
        ),
        "inactive": "Ce compte est désactivé. Adressez-vous à l'administrateur du portail.",
        "bloque": (
            "Trop de tentatives de connexion ont échoué pour cet identifiant. Réessayez dans "
            "%(attente)s, ou adressez-vous à l'administrateur du portail."
        ),
        "bloque_adresse": (
            "Trop de tentatives de connexion ont échoué depuis ce poste. Réessayez dans "
            "%(attente)s, ou adressez-vous à l'administrateur du portail."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Identifiant"
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].label = "Mot de passe"
        self.helper = FormHelper()
        self.helper.template = "components/formulaire.html"
        self.helper.add_input(Submit("connexion", "Se connecter"))

    def clean_username(self):
        return self.cleaned_data["username"].strip()

    def clean(self):
        """Refuse sans vérifier le mot de passe après trop d'échecs (ccas_portal/connexions.py) ;
        note chaque échec, efface ceux du compte après une connexion réussie."""
        identifiant = self.cleaned_data.get("username")
        if not identifiant or not self.cleaned_data.get("password"):
            return super().clean()
        self.tentative = connexions.Tentative.depuis(self.request, identifiant)
        blocage = connexions.blocage(self.tentative)
        if blocage:
            raise ValidationError(
                self.error_messages["bloque_adresse" if blocage.par_adresse else "bloque"],
                code="bloque",
                params={"attente": compte(blocage.minutes, "minute", "minutes")},
            )
        try:
            donnees = super().clean()
        except ValidationError as erreur:
            if any(e.code == "invalid_login" for e in erreur.error_list):
                connexions.noter_echec(self.tentative)
            raise
        connexions.effacer_echecs(self.tentative)
        return donnees


class CodeForm(forms.Form):
    """Le second facteur : les 6 chiffres de l'application, ou un code de secours."""

    code = forms.CharField(label="Code à 6 chiffres", max_length=40)

    def __init__(self, *args, secours: bool = False, bouton: str = "Valider", **kwargs):
        super().__init__(*args, **kwargs)
        champ = self.fields["code"]
        champ.widget.attrs.update({"autocomplete": "one-time-code", "autofocus": True})
        if secours:
            champ.label = "Code de secours"
            champ.help_text = "Un des 10 codes notés à l'activation (8 lettres et chiffres)."
        else:
            champ.widget.attrs.update({"inputmode": "numeric"})
            champ.help_text = "Le code que montre votre application d'authentification."
        self.helper = FormHelper()
        self.helper.template = "components/formulaire.html"
        self.helper.add_input(Submit("valider", bouton))


class ChangementMotDePasseForm(PasswordChangeForm):
    """Changer son mot de passe : l'actuel, puis le nouveau deux fois, vérifié par la politique
    des mots de passe du portail (AUTH_PASSWORD_VALIDATORS)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mot de passe actuel"
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password2"].label = "Nouveau mot de passe, une seconde fois"
        self.helper = FormHelper()
        self.helper.template = "components/formulaire.html"
        self.helper.add_input(Submit("changer", "Changer mon mot de passe"))

    def clean(self):
        donnees = super().clean()
        nouveau = donnees.get("new_password1")
        if nouveau and "new_password1" not in self.errors and self.user.check_password(nouveau):
            self.add_error(
                "new_password1",
                ValidationError(
                    "Choisissez un mot de passe différent de l'actuel.", code="identique"
                ),
            )
        return donnees

    def save(self, commit=True):
        return changer_mot_de_passe(
            agent=self.user, mot_de_passe=self.cleaned_data["new_password1"]
        )


class DesactivationForm(forms.Form):
    """Désactiver la double authentification (si elle n'est pas exigée) : le mot de passe."""

    mot_de_passe = forms.CharField(label="Votre mot de passe", widget=forms.PasswordInput)

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.agent = agent
        self.action = reverse("desactiver_double_authentification")
        self.fields["mot_de_passe"].widget.attrs.update({"autocomplete": "current-password"})
        self.helper = FormHelper()
        self.helper.template = "components/formulaire.html"
        self.helper.add_input(
            Submit("desactiver", "Désactiver la double authentification", css_class="btn-danger")
        )

    def clean_mot_de_passe(self):
        mot_de_passe = self.cleaned_data["mot_de_passe"]
        if not self.agent.check_password(mot_de_passe):
            raise ValidationError("Mot de passe incorrect.")
        return mot_de_passe


def resume_erreurs(form) -> dict:
    """Le résumé des erreurs d'un formulaire (components/resume_erreurs.html) : les erreurs
    générales, puis les champs visibles en erreur dans l'ordre du formulaire. L'erreur d'un
    champ caché (personne choisie, jeton) y est une erreur générale, faute de champ où la
    montrer."""
    generales = list(form.non_field_errors())
    champs = []
    for champ in form:
        if not champ.errors:
            continue
        if champ.is_hidden:
            generales.extend(f"{champ.label} : {e}" for e in champ.errors)
        else:
            champs.append(champ)
    return {"generales": generales, "champs": champs, "nombre": len(generales) + len(champs)}


def erreurs_en_messages(request, form) -> None:
    """Les erreurs d'un formulaire que la page ne montre pas (geste refusé sur une demande
    d'un autre type, exécution hors de la liste…) dans ses messages : le refus se lit quand
    même, en français (« Libellé : erreur » pour un champ)."""
    resume = resume_erreurs(form)
    for erreur in resume["generales"]:
        messages.error(request, erreur)
    for champ in resume["champs"]:
        messages.error(request, f"{champ.label} : {' '.join(champ.errors)}")


def ecrire_une_fois(form, *, agent, ecrire, succes: str) -> str | None:
    """Le déroulé commun d'un formulaire d'écriture : valider `form`, appeler
    `ecrire(cleaned_data)` une seule fois pour son jeton (ccas_portal/idempotence.py), et
    renvoyer le message à annoncer (`succes`, ou « déjà enregistré » pour un formulaire
    renvoyé) ; None si le formulaire est refusé, ses erreurs reportées sous ses champs. Les
    autres exceptions du service (un doublon probable…) remontent à la vue."""
    if not form.is_valid():
        return None
    try:
        une_seule_fois(
            jeton=form.cleaned_data.get("jeton"),
            agent=agent,
            ecrire=lambda: ecrire(form.cleaned_data),
        )
    except ValidationError as erreur:
        reporter_erreurs(form, erreur)
        return None
    except DejaTraite:
        return DEJA_ENREGISTRE
    return succes


def reporter_erreurs(form, erreur) -> None:
    """Reporte une ValidationError d'un service sur le formulaire, champ par champ.

    Une erreur sans champ, ou sur un champ que le formulaire n'a pas, devient une erreur
    générale, telle quelle (sans le nom du champ : le service écrit un message lisible seul).
    """
    if not hasattr(erreur, "error_dict"):
        form.add_error(None, erreur)
        return
    for champ, erreurs in erreur.error_dict.items():
        for e in erreurs:
            if champ in form.fields:
                form.add_error(champ, e)
            else:
                form.add_error(None, e)
