"""Validation partagée des entrées : plages de dates plausibles et lecture des paramètres d'URL.

Une date saisie doit tomber dans la plage de sa sorte (naissance, suivi, échéance, droit) : le
service la vérifie (`verifier_date`), et les formulaires de recherche ou de filtre par
`DatePlausible`. Les paramètres d'URL isolés (numéro de page, identifiant) passent par
`entier_borne`, qui ne lève jamais.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone


def _ans_apres(jour: date, ans: int) -> date:
    try:
        return jour.replace(year=jour.year + ans)
    except ValueError:  # 29 février
        return jour.replace(year=jour.year + ans, day=28)


@dataclass(frozen=True)
class Plage:
    """Les dates plausibles d'une sorte de date : de `debut` à `fin(aujourd'hui)` inclus."""

    debut: date
    fin: Callable[[date], date]
    #: message quand la date dépasse la fin ({fin} : la date limite, JJ/MM/AAAA)
    apres: str = "Date invraisemblable : après le {fin}."

    def erreur(self, jour: date, aujourd_hui: date | None = None) -> str | None:
        """Le message d'erreur en français si `jour` est hors de la plage, sinon None
        (`aujourd_hui` : la date du jour déjà lue, pour qui vérifie des milliers de dates)."""
        fin = self.fin(aujourd_hui or timezone.localdate())
        if jour < self.debut:
            return f"Date invraisemblable : avant le {self.debut:%d/%m/%Y}."
        if jour > fin:
            return self.apres.format(fin=f"{fin:%d/%m/%Y}")
        return None


#: Date de naissance : depuis 1900, jusqu'à aujourd'hui.
NAISSANCE = Plage(date(1900, 1, 1), lambda j: j, "Cette date est dans le futur.")
#: Ouverture, changement de statut, intervention, orientation, séance : le suivi du CCAS,
#: depuis 2000, jusqu'à aujourd'hui.
SUIVI = Plage(date(2000, 1, 1), lambda j: j, "Cette date est dans le futur.")
#: Début d'un fait qui dure (loyer et charges) : depuis 1950, jusqu'à aujourd'hui.
DEPUIS = Plage(date(1950, 1, 1), lambda j: j, "Cette date est dans le futur.")
#: Échéance d'une action : depuis 2000, dans les 10 ans.
ECHEANCE = Plage(date(2000, 1, 1), lambda j: _ans_apres(j, 10))
#: Date d'un droit ou d'un fait (demande, versement, évaluation) : depuis 1950, dans l'année.
EVENEMENT = Plage(date(1950, 1, 1), lambda j: _ans_apres(j, 1))
#: Fin d'un droit (AAH, pension accordées pour longtemps) : depuis 1950, dans les 20 ans.
FIN_DE_DROIT = Plage(date(1950, 1, 1), lambda j: _ans_apres(j, 20))
#: Une date de recherche ou de filtre : de 1900 à 2100 (au-delà, rien n'est à trouver).
RECHERCHE = Plage(date(1900, 1, 1), lambda j: date(2100, 12, 31))


def verifier_date(
    jour: date | None, plage: Plage, *, champ: str, aujourd_hui: date | None = None
) -> None:
    """ValidationError({champ: message}) si `jour` sort de la plage ; rien si jour est None."""
    if jour is None:
        return
    message = plage.erreur(jour, aujourd_hui)
    if message:
        raise ValidationError({champ: message}, code="date_invraisemblable")


#: Le plus grand entier que la base range (bigint) : un numéro de page ou un identifiant au-delà
#: ne désigne rien.
ENTIER_MAX = 2**63 - 1


def entier_borne(valeur, *, minimum: int = 1, maximum: int = ENTIER_MAX) -> int | None:
    """L'entier écrit dans `valeur` s'il est entre `minimum` et `maximum`, sinon None.

    Pour les paramètres d'URL isolés (`?page=`, `?habitant=`) : jamais d'exception."""
    if valeur is None:
        return None
    texte = str(valeur).strip()
    if not texte.isascii() or not texte.isdigit() or len(texte) > 19:
        return None
    nombre = int(texte)
    return nombre if minimum <= nombre <= maximum else None


#: Les bornes d'une période dans un filtre de l'administration (`horodatage__gte=2026-01-01`).
_BORNES_DE_FILTRE = ("__gte", "__gt", "__lte", "__lt", "__exact")


def _date_de_filtre_hors_plage(texte: str) -> str | None:
    """Le message si `texte` est une date (ou date et heure) ISO hors de la plage `RECHERCHE`
    (l'an 1 ou 9999 : une fois mise à l'heure de Paris puis en UTC, la date sort du calendrier
    de Python) ; None pour une date plausible ou ce qui n'est pas une date."""
    try:
        jour = datetime.fromisoformat(texte.strip()).date()
    except ValueError:
        return None
    return RECHERCHE.erreur(jour)


def parametre_illisible(donnees) -> str | None:
    """Le message d'erreur si des paramètres (QueryDict) sont inutilisables tels quels : un
    octet nul (la base le refuse), une année, un mois ou un jour démesuré dans un filtre de
    date (`horodatage__year=99999999999999999999`), une année ou une borne de période hors de
    la plage `RECHERCHE` (`horodatage__year=9999` : l'année suivante, que Django calcule,
    n'existe pas). Pour les pages qui ne lisent pas leurs paramètres par un formulaire du
    portail (l'administration technique de Django)."""
    for cle, valeurs in donnees.lists():
        if any("\x00" in texte for texte in (cle, *valeurs)):
            return "La requête contient un caractère nul (invisible) : elle est refusée."
        if cle.endswith(("__year", "__month", "__day")) and any(
            entier_borne(v, maximum=9999) is None for v in valeurs
        ):
            return "Filtre de date invalide : année, mois ou jour attendu en chiffres."
        if cle.endswith("__year"):
            for v in valeurs:
                message = RECHERCHE.erreur(date(int(v), 1, 1))
                if message:
                    return f"Filtre de date invalide. {message}"
        if cle.endswith(_BORNES_DE_FILTRE):
            for v in valeurs:
                message = _date_de_filtre_hors_plage(v)
                if message:
                    return f"Filtre de date invalide. {message}"
    return None
