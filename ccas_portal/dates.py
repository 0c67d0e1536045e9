"""Calculs de dates partagés (mois civils, début d'un jour au fuseau du portail) : la
détection du non-recours, les périodes du tableau de bord, le dossier du foyer et le journal
en lisent une seule définition."""

import functools
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def ajouter_mois(jour: date, n: int) -> date:
    """Le premier du mois, `n` mois plus tard (ou plus tôt)."""
    total = jour.year * 12 + jour.month - 1 + n
    return date(total // 12, total % 12 + 1, 1)


@functools.lru_cache(maxsize=4096)
def fin_du_mois(jour: date) -> date:
    """Le dernier jour du mois de `jour` (28, 29, 30 ou 31). Mis en cache : la détection le
    demande pour chaque personne de chaque foyer d'un lot, presque toujours pour le même
    mois."""
    return ajouter_mois(jour, 1) - timedelta(days=1)


def debut_du_jour(jour: date) -> datetime:
    """Minuit au début de `jour`, au fuseau du portail (Europe/Paris)."""
    return timezone.make_aware(datetime.combine(jour, time.min))
