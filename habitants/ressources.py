"""Les ressources reçues sur une période : par personne et par foyer.

« Les 3 derniers mois » et « les 12 derniers mois » sont des mois civils complets, ceux qui
précèdent le mois en cours (comme les trimestres de référence des caisses). Une ressource
commencée ou arrêtée en cours de mois compte au prorata des jours où elle était perçue.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal


def mois_precedents(aujourd_hui: date, nombre: int) -> list[tuple[date, date]]:
    """Les `nombre` mois civils complets avant le mois d'`aujourd_hui` : [(premier, dernier)]."""
    mois = []
    annee, m = aujourd_hui.year, aujourd_hui.month
    for _ in range(nombre):
        annee, m = (annee - 1, 12) if m == 1 else (annee, m - 1)
        mois.append((date(annee, m, 1), date(annee, m, monthrange(annee, m)[1])))
    return mois


def percu(ressource, mois: list[tuple[date, date]]) -> Decimal:
    """Ce que la ressource (montant mensuel daté) a apporté sur ces mois, au prorata des jours."""
    total = Decimal("0")
    for premier, dernier in mois:
        debut = max(premier, ressource.date_debut)
        fin = min(dernier, ressource.date_fin or dernier)
        if fin < debut:
            continue
        jours = (fin - debut).days + 1
        total += ressource.montant_mensuel * jours / dernier.day
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Totaux:
    trois_mois: Decimal
    douze_mois: Decimal


def totaux(ressources, aujourd_hui: date) -> Totaux:
    ressources = list(ressources)
    trois, douze = mois_precedents(aujourd_hui, 3), mois_precedents(aujourd_hui, 12)
    return Totaux(
        trois_mois=sum((percu(r, trois) for r in ressources), Decimal("0")),
        douze_mois=sum((percu(r, douze) for r in ressources), Decimal("0")),
    )
