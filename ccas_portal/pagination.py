"""Pagination en une requête, pour toutes les listes du portail."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

from ccas_portal.validation import entier_borne

#: Au-delà, le décalage (numéro × taille de page) sortirait des entiers de la base : une page
#: si lointaine n'existe pas, et la liste revient à sa première page.
PAGE_MAX = 10**9


class _Total:
    """Ce que Paginator attend d'une liste dont on ne connaît que la taille."""

    def __init__(self, total: int):
        self.total = total

    def count(self) -> int:
        return self.total


def paginer(qs: QuerySet, numero, *, par_page: int) -> Page:
    """La page `numero` et le nombre total de résultats, en une seule requête.

    Le total vient d'une fonction de fenêtre (COUNT(*) OVER ()) : la recherche n'est pas
    refaite pour compter, comme le ferait Paginator. Un numéro illisible, nul ou démesuré
    (`?page=abc`, `?page=99999999999999999999`) donne la première page ; un numéro au-delà de
    la dernière page aussi.
    """
    numero = entier_borne(numero, maximum=PAGE_MAX) or 1
    debut = (numero - 1) * par_page
    lignes = list(qs.annotate(total_resultats=Window(Count("pk")))[debut : debut + par_page])
    if not lignes and numero > 1:
        return paginer(qs, 1, par_page=par_page)
    total = lignes[0].total_resultats if lignes else 0
    return Page(lignes, numero, Paginator(_Total(total), par_page))
