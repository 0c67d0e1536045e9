"""Les périodes du tableau de bord : mois, trimestre, année civile ou dates choisies.

Une période va d'un jour à un autre, inclus, en dates locales (Europe/Paris) : un passage du
31 janvier à 23 h 30 à Paris (22 h 30 UTC) compte en janvier. Les bornes des requêtes sur des
horodatages sont donc les minuits locaux (`debut_horodate`, `fin_horodate` exclue).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ccas_portal.dates import ajouter_mois, fin_du_mois

MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def debut_du_mois(jour: date) -> date:
    return jour.replace(day=1)


def moins_un_an(jour: date) -> date:
    try:
        return jour.replace(year=jour.year - 1)
    except ValueError:  # 29 février
        return jour.replace(year=jour.year - 1, day=28)


@dataclass(frozen=True)
class Periode:
    debut: date
    fin: date  # incluse
    libelle: str

    @classmethod
    def mois(cls, jour: date) -> "Periode":
        debut = debut_du_mois(jour)
        return cls(
            debut,
            fin_du_mois(debut),
            f"{MOIS[debut.month - 1]} {debut.year}",
        )

    @classmethod
    def trimestre(cls, jour: date) -> "Periode":
        debut = date(jour.year, 3 * ((jour.month - 1) // 3) + 1, 1)
        numero = (debut.month - 1) // 3 + 1
        return cls(
            debut,
            ajouter_mois(debut, 3) - timedelta(days=1),
            f"{numero}{'er' if numero == 1 else 'e'} trimestre {debut.year}",
        )

    @classmethod
    def annee(cls, jour: date) -> "Periode":
        return cls(date(jour.year, 1, 1), date(jour.year, 12, 31), f"année {jour.year}")

    @classmethod
    def dates(cls, debut: date, fin: date) -> "Periode":
        return cls(debut, fin, f"du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}")

    @property
    def debut_horodate(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.debut, time.min))

    @property
    def fin_horodate(self) -> datetime:
        """Minuit local du lendemain du dernier jour (borne exclue)."""
        return timezone.make_aware(datetime.combine(self.fin + timedelta(days=1), time.min))

    @property
    def jours(self) -> int:
        return (self.fin - self.debut).days + 1

    def un_an_avant(self) -> "Periode":
        """La même période un an plus tôt (une fin de mois reste une fin de mois : février)."""
        debut, fin = moins_un_an(self.debut), moins_un_an(self.fin)
        if self.fin == fin_du_mois(self.fin):
            fin = fin_du_mois(fin)
        return Periode(debut, fin, f"du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}")

    def douze_mois(self) -> "Periode":
        """Les 12 mois pleins qui finissent avec le mois de la fin de période (tendances)."""
        debut = ajouter_mois(debut_du_mois(self.fin), -11)
        fin = fin_du_mois(self.fin)
        premier = MOIS[debut.month - 1]
        de = "d'" if premier[0] in "aeiou" else "de "
        return Periode(debut, fin, f"{de}{premier} {debut.year} à {MOIS[fin.month - 1]} {fin.year}")

    def mois_couverts(self) -> list[date]:
        mois, premier = [], debut_du_mois(self.debut)
        while premier <= self.fin:
            mois.append(premier)
            premier = ajouter_mois(premier, 1)
        return mois

    def pour_nom_de_fichier(self) -> str:
        return f"{self.debut:%Y-%m-%d}_{self.fin:%Y-%m-%d}"
