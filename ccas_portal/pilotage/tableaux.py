"""Les chiffres et les tableaux du tableau de bord, et la règle des petits effectifs.

Chaque chiffre porte l'effectif sur lequel il est calculé (personnes ou foyers distincts) : en
dessous de `SEUIL`, il est affiché « < 5 », à l'écran comme dans les exports, pour qu'un petit
quartier ne permette pas de reconnaître quelqu'un. Un chiffre masqué n'est pas tracé.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format

SEUIL = 5
MASQUE = "< 5"


@dataclass(frozen=True)
class Chiffre:
    valeur: int | Decimal | float
    effectif: int  # personnes ou foyers distincts sur lesquels le chiffre est calculé
    unite: str = ""  # "" (nombre), "€", "h"

    @property
    def masque(self) -> bool:
        return self.effectif < SEUIL

    @property
    def nombre(self) -> int | float | None:
        """La valeur exportable ou traçable ; None si masquée."""
        if self.masque:
            return None
        if self.unite == "€":
            return float(round(Decimal(self.valeur), 2))
        if self.unite == "h":
            return round(float(self.valeur), 1)
        return int(self.valeur)

    def __str__(self) -> str:
        if self.masque:
            return MASQUE
        if self.unite == "€":
            return f"{number_format(self.nombre, 2, force_grouping=True)} €"
        if self.unite == "h":
            return f"{number_format(self.nombre, 1, force_grouping=True)} h"
        return number_format(self.nombre, 0, force_grouping=True)


def compte(n: int | None, effectif: int | None = None) -> Chiffre:
    """Un nombre de personnes, foyers ou actes ; `effectif` : les personnes ou foyers
    distincts derrière (par défaut le nombre lui-même)."""
    n = n or 0
    return Chiffre(n, n if effectif is None else effectif or 0)


@dataclass
class Tableau:
    """Un tableau : des lignes (libellé, chiffres) sous des colonnes. `graphique` : "barres"
    ou "courbes" (l'alternative accessible est le tableau lui-même)."""

    code: str
    titre: str
    colonnes: list[str]
    lignes: list[tuple[str, list[Chiffre]]] = field(default_factory=list)
    graphique: str = ""
    note: str = ""

    def ajouter(self, libelle: str, *chiffres: Chiffre) -> None:
        self.lignes.append((libelle, list(chiffres)))

    def donnees_graphique(self) -> dict:
        """Pour Chart.js : libellés des lignes, une série par colonne (null si masqué)."""
        return {
            "type": "line" if self.graphique == "courbes" else "bar",
            "titre": self.titre,
            "libelles": [libelle for libelle, _ in self.lignes],
            "series": [
                {"nom": colonne, "valeurs": [chiffres[i].nombre for _, chiffres in self.lignes]}
                for i, colonne in enumerate(self.colonnes)
            ],
        }
