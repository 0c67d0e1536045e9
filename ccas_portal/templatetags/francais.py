"""Filtres du français des gabarits (chargés partout : réglage `builtins` de TEMPLATES). Chacun
appelle la fonction de `ccas_portal.formats` que les textes écrits en Python utilisent aussi.

    {{ n|compte:"personne trouvée,personnes trouvées" }}      0 personne trouvée, 2 personnes…
    {{ n|compte:"nouveau signalement,nouveaux signalements,aucun nouveau signalement" }}
    {{ n|accord:"foyer" }}                                    foyer, foyers (le mot seul)
    {{ habitant|genre:"né,née" }}                             né, née ; né(e) si inconnu
    {{ habitant.prenoms|de }}                                 de Martin, d'Antoine, d'Hélène
    {{ montant|euros }}                                       1 250,00 €
    {{ n|nombre }}                                            1 250
    {{ "2024-03-01"|date_courte }}                            01/03/2024
    {{ moment|il_y_a }}                                       à l'instant, il y a 3 minutes
    {{ echeance|jours_de_retard }}                            12 (0 si pas en retard)
"""

from datetime import date
from decimal import Decimal

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from ccas_portal import formats

register = template.Library()


def _sur(texte: str, *entrees) -> str:
    """Sûr si rien ne vient de l'utilisateur : les formes sont écrites dans le gabarit, les
    entrées sont des nombres ou des dates ; sinon, échappé."""
    if all(e is None or isinstance(e, (int, float, Decimal, date)) for e in entrees):
        return mark_safe(texte)
    return conditional_escape(texte)


def _formes(arg: str) -> list[str]:
    formes = [f.strip() for f in str(arg).split(",")]
    return formes + [None] * (3 - len(formes))


@register.filter
def compte(n, formes):
    singulier, pluriel, zero = _formes(formes)[:3]
    return _sur(formats.compte(n, singulier, pluriel or None, zero or None), n)


@register.filter
def accord(n, formes):
    singulier, pluriel, _ = _formes(formes)[:3]
    return formats.accord(n, singulier, pluriel or None)


@register.filter
def genre(personne, formes):
    """`personne` : un objet qui a un `sexe` (Habitant) ou le code du sexe lui-même."""
    masculin, feminin, neutre = _formes(formes)[:3]
    sexe = getattr(personne, "sexe", personne)
    return formats.genre(
        sexe if isinstance(sexe, str) else "", masculin, feminin or masculin, neutre
    )


@register.filter(needs_autoescape=True)
def de(nom, autoescape=True):
    texte = "" if nom is None else str(nom).strip()
    if not texte:
        return ""
    echappe = conditional_escape(texte) if autoescape else texte
    return mark_safe(f"d'{echappe}" if formats.commence_par_voyelle(texte) else f"de {echappe}")


@register.filter
def euros(montant, decimales=2):
    return formats.euros(montant, int(decimales))


@register.filter
def nombre(valeur, decimales=0):
    return formats.nombre(valeur, int(decimales))


@register.filter
def date_courte(valeur):
    return formats.date_courte(valeur)


@register.filter
def il_y_a(moment):
    return _sur(formats.il_y_a(moment), moment)


@register.filter
def jours_de_retard(echeance):
    return formats.retard_en_jours(echeance)
