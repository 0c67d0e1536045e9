from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from ccas_portal import connexions


class ConnexionForm(AuthenticationForm):
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
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Identifiant"
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].label = "Mot de passe"
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("connexion", "Se connecter"))

    def clean_username(self):
        return self.cleaned_data["username"].strip()

    def clean(self):
        """Refuse sans vérifier le mot de passe après trop d'échecs (ccas_portal/connexions.py) ;
        note chaque échec, efface les échecs après une connexion réussie."""
        identifiant = self.cleaned_data.get("username")
        if not identifiant or not self.cleaned_data.get("password"):
            return super().clean()
        adresse = self.request.META.get("REMOTE_ADDR") if self.request is not None else None
        minutes = connexions.minutes_de_blocage(identifiant, adresse)
        if minutes:
            raise ValidationError(
                self.error_messages["bloque"],
                code="bloque",
                params={"attente": f"{minutes} minute{'s' if minutes > 1 else ''}"},
            )
        try:
            donnees = super().clean()
        except ValidationError as erreur:
            if any(e.code == "invalid_login" for e in erreur.error_list):
                connexions.noter_echec(identifiant, adresse)
            raise
        connexions.effacer_echecs(identifiant, adresse)
        return donnees


def reporter_erreurs(form, erreur) -> None:
    """Reporte une ValidationError d'un service sur le formulaire, champ par champ.

    Une erreur sur un champ que le formulaire n'a pas devient une erreur générale, préfixée
    du nom lisible du champ.
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
