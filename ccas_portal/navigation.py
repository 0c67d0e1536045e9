"""Le menu de chaque rôle, déclaré une fois : une entrée n'apparaît qu'à qui peut l'ouvrir."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from ccas_portal import perms


@dataclass(frozen=True)
class EntreeMenu:
    libelle: str
    nom_url: str
    autorise: Callable[..., bool]


MENU = (
    EntreeMenu("Accueil du public", "habitants:guichet", perms.peut_tenir_le_guichet),
    EntreeMenu("Mes accompagnements", "accompagnement:mes_accompagnements", perms.peut_accompagner),
    EntreeMenu("Tableau de bord", "tableau_de_bord", perms.peut_piloter),
    EntreeMenu("Administration", "administration", perms.peut_administrer),
)


def menu_de(agent, chemin_courant: str = "") -> list[dict]:
    entrees = []
    for entree in MENU:
        if entree.autorise(agent):
            url = reverse(entree.nom_url)
            entrees.append(
                {"libelle": entree.libelle, "url": url, "courante": chemin_courant.startswith(url)}
            )
    return entrees
