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
    EntreeMenu("Actions collectives", "accompagnement:actions_collectives", perms.peut_accompagner),
    EntreeMenu("Non-recours", "droits:signalements", perms.peut_accompagner),
    EntreeMenu("Demandes d'aide", "droits:demandes", perms.peut_instruire),
    EntreeMenu("Commission des aides", "droits:commission", perms.peut_tenir_commission),
    EntreeMenu("Paiements et budgets", "droits:paiements", perms.peut_voir_budgets),
    EntreeMenu("Partages de foyers", "accompagnement:partages", perms.peut_accompagner),
    EntreeMenu("Tableau de bord", "tableau_de_bord", perms.peut_piloter),
    EntreeMenu("Détection", "droits:detection", perms.peut_piloter),
    EntreeMenu("Journal des accès", "journal", perms.peut_administrer),
    EntreeMenu("Passations", "accompagnement:passations", perms.peut_passer_pour_autrui),
    EntreeMenu("Administration", "administration", perms.peut_administrer),
)


def menu_de(agent, chemin_courant: str = "") -> list[dict]:
    """Les entrées permises à l'agent ; la courante est celle dont l'URL est le plus long
    préfixe du chemin (les actions collectives sont sous /accompagnements/)."""
    entrees = [
        {"libelle": e.libelle, "url": reverse(e.nom_url), "courante": False}
        for e in MENU
        if e.autorise(agent)
    ]
    prefixes = [e for e in entrees if chemin_courant.startswith(e["url"])]
    if prefixes:
        max(prefixes, key=lambda e: len(e["url"]))["courante"] = True
    return entrees
