"""Les tableaux du tableau de bord : des lignes de chiffres sous des colonnes, leurs données de
graphique, et leur masquage secondaire par colonne. La règle des petits effectifs elle-même
(`Chiffre`, « < 5 », `proteger_grille`) est dans le cœur : ccas_portal/petits_effectifs.py.
"""

from dataclasses import dataclass, field

from ccas_portal.petits_effectifs import Chiffre, proteger_grille


@dataclass
class Tableau:
    """Un tableau : des lignes (libellé, chiffres) sous des colonnes. `graphique` : "barres",
    "courbes" ou "entonnoir" (barres couchées, une étape par ligne, de haut en bas) ;
    l'alternative accessible est le tableau lui-même."""

    code: str
    titre: str
    colonnes: list[str]
    lignes: list[tuple[str, list[Chiffre]]] = field(default_factory=list)
    graphique: str = ""
    note: str = ""
    #: les lignes partagent un total (répartition) : masquage secondaire par colonne
    repartition: bool = True
    #: les lignes d'une période incomplète (le mois en cours) : marquées dans le graphique
    partielles: list[int] = field(default_factory=list)

    def ajouter(self, libelle: str, *chiffres: Chiffre) -> None:
        self.lignes.append((libelle, list(chiffres)))

    def proteger(self) -> "Tableau":
        """Masquage secondaire (voir le module), colonne par colonne : le total de chaque
        colonne est publié ailleurs."""
        if not self.repartition:
            return self
        grille = [chiffres for _, chiffres in self.lignes]
        colonnes = [[(i, j) for i in range(len(grille))] for j in range(len(self.colonnes))]
        proteger_grille(grille, colonnes)
        return self

    def unite(self, colonne: int) -> str:
        return next((chiffres[colonne].unite for _, chiffres in self.lignes), "")

    def donnees_graphique(self) -> dict:
        """Pour Chart.js : libellés des lignes, une série par colonne (null si masqué), un axe
        par unité (les euros et les heures ne partagent jamais l'axe des nombres, qui n'a que
        des graduations entières), les lignes partielles ; `message` dit pourquoi rien n'est
        tracé quand tous les chiffres sont masqués (ou nuls)."""
        series = []
        for i, colonne in enumerate(self.colonnes):
            valeurs = [chiffres[i].nombre for _, chiffres in self.lignes]
            unite = self.unite(i)
            series.append(
                {
                    "nom": colonne,
                    "valeurs": valeurs,
                    # ce que dit l'infobulle d'un point masqué (« < 5 » ou « secret »)
                    "masques": [
                        chiffres[i].libelle_masque if chiffres[i].masque else None
                        for _, chiffres in self.lignes
                    ],
                    "unite": unite,
                    "axe": AXES_GRAPHIQUE[unite][0],
                    # rien à tracer que des zéros, et des chiffres masqués
                    "masquee": None in valeurs and not any(valeurs),
                }
            )
        unites = list(dict.fromkeys(s["unite"] for s in series))
        toutes = [v for s in series for v in s["valeurs"]]
        if any(toutes):
            message = ""
        elif None in toutes:
            message = MESSAGE_TOUT_MASQUE
        else:
            message = MESSAGE_RIEN
        return {
            "type": "line" if self.graphique == "courbes" else "bar",
            "horizontal": self.graphique == "entonnoir",
            "titre": self.titre,
            "libelles": [libelle for libelle, _ in self.lignes],
            "partielles": [i in self.partielles for i in range(len(self.lignes))],
            "series": series,
            "axes": [
                {
                    "id": AXES_GRAPHIQUE[u][0],
                    "titre": AXES_GRAPHIQUE[u][1],
                    "entier": u == "",
                    "position": "left" if n == 0 else "right",
                }
                for n, u in enumerate(unites)
            ],
            "message": message,
        }


#: unité → (identifiant de l'axe Chart.js, titre de l'axe)
AXES_GRAPHIQUE = {
    "": ("nombres", "Nombre"),
    "€": ("euros", "Euros"),
    "h": ("heures", "Heures"),
    "j": ("jours", "Jours"),
}
MESSAGE_TOUT_MASQUE = (
    "Graphique non tracé : tous ses chiffres sont masqués (moins de 5 personnes ou foyers "
    "derrière chacun, ou masqués pour protéger un autre chiffre). Le tableau des données "
    "ci-dessous dit ce qui est masqué et pourquoi."
)
MESSAGE_RIEN = "Graphique non tracé : tous ses chiffres sont nuls sur cette période."
