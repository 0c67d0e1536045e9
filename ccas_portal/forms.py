from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django.contrib.auth.forms import AuthenticationForm


class ConnexionForm(AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "Identifiant ou mot de passe incorrect. Vérifiez votre saisie "
            "(les majuscules comptent) et réessayez."
        ),
        "inactive": "Ce compte est désactivé. Adressez-vous à l'administrateur du portail.",
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
