"""Calculs de dates partagés (mois civils), sans dépendance : la détection du non-recours et
les périodes du tableau de bord en lisent une seule définition."""

from datetime import date, timedelta


def ajouter_mois(jour: date, n: int) -> date:
    """Le premier du mois, `n` mois plus tard (ou plus tôt)."""
    total = jour.year * 12 + jour.month - 1 + n
    return date(total // 12, total % 12 + 1, 1)


def fin_du_mois(jour: date) -> date:
    """Le dernier jour du mois de `jour` (28, 29, 30 ou 31)."""
    return ajouter_mois(jour, 1) - timedelta(days=1)
