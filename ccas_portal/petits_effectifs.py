"""La règle des petits effectifs : chaque chiffre publié (tableau de bord, file des
signalements, exécutions de la détection) avec l'effectif qui le fonde.

Chaque chiffre porte l'effectif sur lequel il est calculé (personnes ou foyers distincts) : en
dessous de `SEUIL`, il est masqué, à l'écran comme dans les exports, pour qu'un petit quartier
ne permette pas de reconnaître quelqu'un. Un chiffre masqué n'est pas tracé.
- Un nombre (de personnes, foyers, actes) est rendu « < 5 ».
- Un montant en euros ou une durée (en heures, en jours) est rendu « masqué : moins de 5
  foyers » : c'est l'effectif qui est petit, pas le montant (« < 5 » se lirait « moins de 5 € »).
- Zéro, sans personne derrière, n'apprend rien sur personne : il est affiché 0.

Masquage secondaire : dans un tableau de répartition (par site, par tranche d'âge, par mois,
par type…), le total de chaque colonne est publié ailleurs (chiffres clés) ou se déduit ; un
chiffre masqué seul dans sa colonne se retrouverait par soustraction. Le plus petit autre
chiffre de la colonne est alors masqué avec lui (`proteger_grille` ; `Tableau.proteger` du
tableau de bord, ccas_portal/pilotage/tableaux.py).
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from ccas_portal.formats import AVANT_UNITE, accord, euros, nombre

SEUIL = 5
MASQUE = "< 5"
#: un montant ou une durée calculés sur moins de `SEUIL` foyers
MASQUE_EFFECTIF = "masqué : moins de 5 foyers"
#: un chiffre au-dessus du seuil, masqué pour protéger un « < 5 » de sa colonne
MASQUE_SECONDAIRE = "secret"
#: les unités d'une mesure (euros, heures, jours) : masquées pour leur effectif, pas pour leur
#: valeur
MESURES = ("€", "h", "j")
LEGENDE = (
    f"« {MASQUE} » : nombre calculé sur moins de 5 personnes ou foyers ; « {MASQUE_EFFECTIF} » :"
    f" montant ou durée qui concerne moins de 5 foyers ; « {MASQUE_SECONDAIRE} » : chiffre "
    "masqué pour qu'un autre ne se déduise pas du total ; 0 : aucun."
)


@dataclass(frozen=True)
class Chiffre:
    valeur: int | Decimal | float
    effectif: int  # personnes ou foyers distincts sur lesquels le chiffre est calculé
    unite: str = ""  # "" (nombre), "€", "h", "j" (jours : un délai médian)
    #: masqué bien qu'au-dessus du seuil, pour qu'un chiffre masqué ne se déduise pas du total
    secret: bool = False

    @property
    def nul(self) -> bool:
        """Zéro, et personne derrière : rien à protéger."""
        return not self.effectif and not self.valeur

    @property
    def masque(self) -> bool:
        return self.secret or (self.effectif < SEUIL and not self.nul)

    @property
    def nombre(self) -> int | float | None:
        """La valeur exportable ou traçable ; None si masquée."""
        if self.masque:
            return None
        if self.unite == "€":
            return float(round(Decimal(self.valeur), 2))
        if self.unite in ("h", "j"):
            return round(float(self.valeur), 1)
        return int(self.valeur)

    @property
    def libelle_masque(self) -> str:
        if self.effectif >= SEUIL or self.nul:
            return MASQUE_SECONDAIRE
        return MASQUE_EFFECTIF if self.unite in MESURES else MASQUE

    def __str__(self) -> str:
        if self.masque:
            return self.libelle_masque
        if self.unite == "€":
            return euros(self.nombre)
        if self.unite == "h":
            return f"{nombre(self.nombre, 1)}{AVANT_UNITE}h"
        if self.unite == "j":  # « 0,5 jour », « 1 jour », « 12,5 jours »
            jours = self.nombre
            texte = nombre(jours, 0 if jours == int(jours) else 1)
            return f"{texte}{AVANT_UNITE}{accord(jours, 'jour')}"
        return nombre(self.nombre)


def proteger_grille(grille: list[list[Chiffre]], relations: list[list[tuple[int, int]]]) -> None:
    """Masquage secondaire d'une grille de chiffres, en place. Chaque relation est une liste de
    cases dont la somme est connue (publiée dans la grille ou ailleurs) : aucune ne doit garder
    un seul chiffre non nul masqué, qui se retrouverait par soustraction ; on masque alors
    (« secret ») le plus petit chiffre visible de la relation, jusqu'à ce que plus rien ne
    change (une case masquée peut en déséquilibrer une autre)."""
    change = True
    while change:
        change = False
        for relation in relations:
            cases = [(grille[i][j], i, j) for i, j in relation]
            if sum(1 for c, _, _ in cases if c.masque) != 1:
                continue
            # Le plus petit chiffre visible non nul. Un zéro ne protège rien : si le masqué est
            # le seul non nul, le total repose sur ses mêmes moins de 5 personnes et il est
            # masqué lui aussi ; il n'y a rien à déduire.
            visibles = [(c.effectif, i, j) for c, i, j in cases if not c.masque and not c.nul]
            if visibles:
                _, i, j = min(visibles)
                grille[i][j] = replace(grille[i][j], secret=True)
                change = True


def compte(n: int | None, effectif: int | None = None) -> Chiffre:
    """Un nombre de personnes, foyers ou actes ; `effectif` : les personnes ou foyers
    distincts derrière (par défaut le nombre lui-même)."""
    n = n or 0
    return Chiffre(n, n if effectif is None else effectif or 0)
