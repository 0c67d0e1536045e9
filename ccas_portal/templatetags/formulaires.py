"""Filtres des formulaires : le résumé des erreurs de n'importe quel formulaire Django."""

from django import template

from ccas_portal.forms import resume_erreurs as _resume_erreurs

register = template.Library()


@register.filter
def resume_erreurs(form) -> dict:
    """{% with resume=form|resume_erreurs %} : erreurs générales, champs en erreur, nombre."""
    return _resume_erreurs(form)
