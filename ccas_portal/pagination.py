"""Pagination en une requête, pour toutes les listes du portail."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window


class _Total:
    """Ce que Paginator attend d'une liste dont on ne connaît que la taille."""

    def __init__(self, total: int):
        self.total = total

    def count(self) -> int:
        return self.total


def paginer(qs: QuerySet, numero, *, par_page: int) -> Page:
    """La page `numero` et le nombre total de résultats, en une seule requête.

    Le total vient d'une fonction de fenêtre (COUNT(*) OVER ()) : la recherche n'est pas
    refaite pour compter, comme le ferait Paginator.
    """
    try:
        numero = max(1, int(numero))
    except (TypeError, ValueError):
        numero = 1
    debut = (numero - 1) * par_page
    lignes = list(qs.annotate(total_resultats=Window(Count("pk")))[debut : debut + par_page])
    if not lignes and numero > 1:
        return paginer(qs, 1, par_page=par_page)
    total = lignes[0].total_resultats if lignes else 0
    return Page(lignes, numero, Paginator(_Total(total), par_page))
