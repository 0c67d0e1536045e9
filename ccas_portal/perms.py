"""Prédicats de permission purs : ils ne lisent que l'agent et l'objet, testés seuls."""

from ccas_portal.enums import Role

#: La page où chaque rôle arrive après la connexion (nom d'URL).
PAGE_ACCUEIL_PAR_ROLE = {
    Role.ACCUEIL: "habitants:guichet",
    Role.TRAVAILLEUR_SOCIAL: "accompagnement:mes_accompagnements",
    Role.RESPONSABLE: "tableau_de_bord",
    Role.ADMIN: "administration",
}


def est_actif(agent) -> bool:
    return bool(agent and agent.is_authenticated and agent.is_active)


def a_un_role(agent, *roles: str) -> bool:
    return est_actif(agent) and agent.role in roles


def peut_tenir_le_guichet(agent) -> bool:
    return a_un_role(agent, Role.ACCUEIL, Role.TRAVAILLEUR_SOCIAL)


def peut_accompagner(agent) -> bool:
    return a_un_role(agent, Role.TRAVAILLEUR_SOCIAL)


def peut_voir_donnees_sensibles(agent) -> bool:
    """Ressources, santé, handicap : jamais l'accueil, jamais les responsables."""
    return a_un_role(agent, Role.TRAVAILLEUR_SOCIAL)


def peut_voir_habitant(agent, habitant) -> bool:
    return peut_tenir_le_guichet(agent) and habitant.site_id in agent.ids_sites


def peut_modifier_accompagnement(agent, accompagnement) -> bool:
    """Le référent et les co-intervenants (travailleurs sociaux) seulement."""
    if not peut_accompagner(agent):
        return False
    return (
        accompagnement.referent_id == agent.pk
        or accompagnement.co_intervenants.filter(pk=agent.pk).exists()
    )


def peut_lire_intervention(agent, intervention) -> bool:
    """Une note confidentielle : son auteur et le référent seulement (les autres intervenants
    voient qu'elle existe, pas son contenu)."""
    accompagnement = intervention.accompagnement
    if not intervention.confidentiel:
        return peut_modifier_accompagnement(agent, accompagnement)
    return peut_accompagner(agent) and agent.pk in (
        intervention.auteur_id,
        accompagnement.referent_id,
    )


def peut_piloter(agent) -> bool:
    return a_un_role(agent, Role.RESPONSABLE, Role.ADMIN)


def peut_administrer(agent) -> bool:
    return a_un_role(agent, Role.ADMIN)


def page_accueil(agent) -> str:
    """Nom d'URL de la page d'accueil de l'agent selon son rôle."""
    return PAGE_ACCUEIL_PAR_ROLE[agent.role]
