from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone

from habitants.communes import commune


def pas_dans_le_futur(valeur: date) -> None:
    if valeur and valeur > timezone.localdate():
        raise ValidationError("Cette date est dans le futur.", code="futur")


def naissance_plausible(valeur: date) -> None:
    pas_dans_le_futur(valeur)
    if valeur and valeur.year < 1900:
        raise ValidationError("Date de naissance invraisemblable (avant 1900).", code="ancienne")


def code_insee_connu(valeur: str) -> None:
    if not commune(valeur):
        raise ValidationError(
            "Code INSEE inconnu : « %(valeur)s » n'est pas une commune française actuelle.",
            code="insee_inconnu",
            params={"valeur": valeur},
        )


telephone_francais = RegexValidator(
    r"^(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}$",
    "Numéro de téléphone attendu au format 06 12 34 56 78 ou +33 6 12 34 56 78.",
)
