"""Lecture des variables d'environnement : une seule façon de faire pour tous les réglages."""

import os

from django.core.exceptions import ImproperlyConfigured

_VRAI = {"1", "true", "yes", "on", "oui", "vrai"}
_FAUX = {"0", "false", "no", "off", "non", "faux", ""}


def texte(nom: str, defaut: str | None = None) -> str:
    valeur = os.environ.get(nom, defaut)
    if valeur is None:
        raise ImproperlyConfigured(f"La variable d'environnement {nom} est obligatoire.")
    return valeur


def booleen(nom: str, defaut: bool) -> bool:
    valeur = os.environ.get(nom)
    if valeur is None:
        return defaut
    valeur = valeur.strip().lower()
    if valeur in _VRAI:
        return True
    if valeur in _FAUX:
        return False
    raise ImproperlyConfigured(f"{nom}={valeur!r} : valeur booléenne attendue (true/false).")


def entier(nom: str, defaut: int) -> int:
    valeur = os.environ.get(nom)
    if valeur is None or not valeur.strip():
        return defaut
    try:
        return int(valeur)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{nom}={valeur!r} : nombre entier attendu.") from exc


def liste(nom: str, defaut: list[str]) -> list[str]:
    valeur = os.environ.get(nom)
    if valeur is None:
        return defaut
    return [element.strip() for element in valeur.split(",") if element.strip()]
