from datetime import date

import pytest

from ccas_portal.dates import ajouter_mois, fin_du_mois


@pytest.mark.parametrize(
    ("jour", "fin"),
    [
        (date(2024, 2, 1), date(2024, 2, 29)),  # bissextile
        (date(2025, 2, 14), date(2025, 2, 28)),
        (date(2025, 12, 31), date(2025, 12, 31)),  # décembre : pas de 13e mois
        (date(2026, 4, 30), date(2026, 4, 30)),
        (date(2026, 1, 1), date(2026, 1, 31)),
    ],
)
def test_fin_du_mois(jour, fin):
    assert fin_du_mois(jour) == fin


def test_ajouter_mois_traverse_les_annees():
    assert ajouter_mois(date(2025, 11, 20), 3) == date(2026, 2, 1)
    assert ajouter_mois(date(2026, 1, 31), -1) == date(2025, 12, 1)
