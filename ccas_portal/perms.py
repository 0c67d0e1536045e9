"""Prédicats de permission : qui peut faire quoi, en un seul endroit, testés seuls.

Les prédicats de rôle (`peut_tenir_le_guichet`, `peut_accompagner`, `peut_piloter`…) ne
lisent que l'agent : aucune requête. Les autres lisent la base :

- les sites de l'agent (`Agent.ids_sites`, une requête, puis gardés sur l'objet agent) :
  `peut_voir_site`, `peut_fusionner_habitants`, et les prédicats d'accès aux foyers, aux
  personnes et aux accompagnements ci-dessous ;
- les partages en cours (`habitants.acces`), sauf pour un foyer ou une personne d'un site de
  l'agent : `a_acces_au_foyer`, `peut_suivre_foyer`, `peut_voir_foyer`,
  `peut_voir_identite_demande`, `peut_voir_habitant` ;
- les co-intervenants d'un accompagnement (sauf pour son référent) et son foyer s'il n'est pas
  déjà chargé : `peut_modifier_accompagnement`, `peut_lire_intervention` (aucune requête quand
  l'appelant donne `intervenant`), `peut_passer_accompagnement` (les sites pilotés d'un
  responsable aussi, sauf s'il donne `sites_pilotes`) ;
- les sites pilotables : `sites_pilotables` (et le QuerySet qu'il renvoie),
  `perimetre_restreint`, `perimetre_des_sites`.
"""

from ccas_portal.enums import Role, TypeSite
from ccas_portal.models import Site

#: La page où chaque rôle arrive après la connexion (nom d'URL).
PAGE_ACCUEIL_PAR_ROLE = {
    Role.ACCUEIL: "habitants:guichet",
    Role.TRAVAILLEUR_SOCIAL: "accompagnement:mes_accompagnements",
    Role.RESPONSABLE: "tableau_de_bord",
    Role.ADMIN: "administration",
    Role.FINANCES: "droits:paiements",
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


def a_acces_au_foyer(agent, foyer) -> bool:
    """Le foyer est-il rattaché à l'un des sites de l'agent, ou partagé avec l'un d'eux ?
    La règle unique (`habitants.acces`, que le foyer applique : le cœur n'importe pas
    habitants), pour les rôles qui lisent des personnes. Lit la base : les sites de l'agent,
    puis les partages si le foyer n'est pas rattaché à l'un d'eux."""
    return peut_tenir_le_guichet(agent) and foyer.accessible_aux_sites(agent.ids_sites)


def peut_voir_habitant(agent, habitant) -> bool:
    """La personne est-elle connue d'un site de l'agent (rattachée, ou membre aujourd'hui d'un
    foyer partagé avec lui) ? Lit la base : les sites de l'agent, puis les partages si la
    personne n'est pas rattachée à l'un d'eux."""
    return peut_tenir_le_guichet(agent) and habitant.accessible_aux_sites(agent.ids_sites)


def peut_modifier_accompagnement(agent, accompagnement) -> bool:
    """Le référent et les co-intervenants (travailleurs sociaux), tant que l'un de leurs sites
    ACTUELS a accès au foyer (la règle unique, `habitants.acces`) : un agent changé de site ne
    rouvre plus les accompagnements de l'ancien, qui attendent leur passation (ADR 0025).
    Lit la base : les co-intervenants (sauf pour le référent), le foyer s'il n'est pas déjà
    chargé, et l'accès au foyer (`a_acces_au_foyer`)."""
    if not peut_accompagner(agent):
        return False
    intervient = (
        accompagnement.referent_id == agent.pk
        or accompagnement.co_intervenants.filter(pk=agent.pk).exists()
    )
    return intervient and a_acces_au_foyer(agent, accompagnement.foyer)


def peut_lire_intervention(agent, intervention, *, intervenant: bool | None = None) -> bool:
    """Le contenu d'une intervention : les intervenants de l'accompagnement ; une note
    confidentielle, son auteur et le référent seulement (les autres voient qu'elle existe).

    `intervenant` (l'agent est-il référent ou co-intervenant ?) peut être fourni par l'appelant
    qui l'a déjà calculé pour tout un dossier : le prédicat ne fait alors aucune requête ;
    sinon il lit la base (`peut_modifier_accompagnement`)."""
    accompagnement = intervention.accompagnement
    if intervenant is None:
        intervenant = peut_modifier_accompagnement(agent, accompagnement)
    if not (intervenant and peut_accompagner(agent)):
        return False
    return not intervention.confidentiel or agent.pk in (
        intervention.auteur_id,
        accompagnement.referent_id,
    )


def peut_suivre_foyer(agent, foyer) -> bool:
    """Tenir le dossier d'un foyer (dossier social, accompagnements, prestations,
    signalements) : les travailleurs sociaux des sites qui ont accès au foyer. Lit la base
    (`a_acces_au_foyer`)."""
    return peut_accompagner(agent) and a_acces_au_foyer(agent, foyer)


def peut_voir_foyer(agent, foyer) -> bool:
    """Le dossier d'un foyer : les travailleurs sociaux des sites qui y ont accès (son site et
    ceux avec qui il est partagé). Intervenir dans l'un de ses accompagnements ne suffit pas :
    l'accès suit les sites actuels de l'agent (ADR 0025). Lit la base (`a_acces_au_foyer`)."""
    return peut_suivre_foyer(agent, foyer)


def peut_voir_site(agent, site) -> bool:
    """La page d'un site (actions collectives, chiffres sans nom) : tout agent de ce site. Lit
    les sites de l'agent (`Agent.ids_sites`)."""
    return est_actif(agent) and site.pk in agent.ids_sites


def peut_piloter(agent) -> bool:
    return a_un_role(agent, Role.RESPONSABLE, Role.ADMIN)


def sites_pilotables(agent):
    """Les sites dont le tableau de bord montre les chiffres à cet agent : tous pour un
    administrateur, ou un responsable rattaché à un service central (ou à aucun site) ;
    sinon, ceux de ses Maisons des Habitants seulement (un responsable de site). Lit la base
    (les sites de l'agent) et renvoie un QuerySet."""
    tous = Site.objects.order_by("nom")
    if not peut_piloter(agent):
        return tous.none()
    siens = agent.sites.all()
    if a_un_role(agent, Role.ADMIN) or not siens.exists():
        return tous
    if siens.filter(type=TypeSite.SERVICE_CENTRAL).exists():
        return tous
    return tous.filter(pk__in=siens.values("pk"))


def perimetre_restreint(agent) -> tuple[int, ...] | None:
    """Les sites pilotables de l'agent (identifiants triés) quand ce ne sont pas tous les
    sites ; None quand il les voit tous (aucun filtre de site à poser). Lit la base."""
    return perimetre_des_sites(sites_pilotables(agent))


def perimetre_des_sites(sites) -> tuple[int, ...] | None:
    """Comme `perimetre_restreint`, pour des sites pilotables déjà obtenus (deux requêtes :
    leurs identifiants, le nombre de sites)."""
    ids = tuple(sorted(sites.values_list("pk", flat=True)))
    return None if len(ids) == Site.objects.count() else ids


def peut_administrer(agent) -> bool:
    return a_un_role(agent, Role.ADMIN)


def page_accueil(agent) -> str:
    """Nom d'URL de la page d'accueil de l'agent selon son rôle."""
    return PAGE_ACCUEIL_PAR_ROLE[agent.role]


def peut_fusionner_habitants(agent, une, autre) -> bool:
    """Réunir deux fiches d'une même personne : un travailleur social des sites des deux
    fiches. Pas l'administrateur : il ne lit aucune donnée nominative (ADR 0012). Lit les
    sites de l'agent (`Agent.ids_sites`)."""
    return peut_accompagner(agent) and {une.site_id, autre.site_id} <= set(agent.ids_sites)


def peut_passer_pour_autrui(agent) -> bool:
    """Passer les accompagnements d'un autre agent : administrateurs et responsables."""
    return a_un_role(agent, Role.ADMIN, Role.RESPONSABLE)


def peut_organiser_passation(agent, intervenant=None) -> bool:
    """Ouvrir l'écran de passation (des accompagnements de `intervenant`, ou la liste de ceux
    à passer) : un administrateur, un responsable, ou le travailleur social lui-même avant un
    départ ou un congé. Ce que chacun peut passer : `peut_passer_accompagnement`."""
    if peut_passer_pour_autrui(agent):
        return True
    return peut_accompagner(agent) and (intervenant is None or intervenant.pk == agent.pk)


def peut_passer_accompagnement(agent, accompagnement, *, sites_pilotes=None) -> bool:
    """Changer le référent et les co-intervenants d'un accompagnement : un administrateur ;
    un responsable des sites qu'il pilote (`sites_pilotes` : identifiants, calculés une fois
    par l'appelant) ; un intervenant qui y a encore accès (il prépare son départ ou son
    congé). L'écran ne montre ni nom ni contenu (ADR 0025). Lit la base, sauf pour un
    administrateur : sites pilotés (si `sites_pilotes` n'est pas donné), foyer s'il n'est pas
    déjà chargé, ou `peut_modifier_accompagnement`."""
    if a_un_role(agent, Role.ADMIN):
        return True
    if a_un_role(agent, Role.RESPONSABLE):
        if sites_pilotes is None:
            sites_pilotes = set(sites_pilotables(agent).values_list("pk", flat=True))
        return accompagnement.foyer.site_id in sites_pilotes
    return peut_modifier_accompagnement(agent, accompagnement)


# L'instruction des demandes (droits/instruction/).


def peut_instruire(agent) -> bool:
    """Ouvrir et instruire une demande depuis le dossier d'un foyer : travailleur social (le
    foyer doit en plus lui être accessible : `peut_suivre_foyer`)."""
    return peut_accompagner(agent)


def peut_tenir_commission(agent) -> bool:
    """Séances de la commission, ordre du jour, décisions en séance, procès-verbal ; décisions
    d'urgence : le directeur et les responsables du CCAS. En commission, identités
    pseudonymisées seulement."""
    return a_un_role(agent, Role.RESPONSABLE)


def peut_decider_en_urgence(agent) -> bool:
    return a_un_role(agent, Role.RESPONSABLE)


def peut_payer(agent) -> bool:
    """Enregistrer les paiements des aides accordées : le service des finances."""
    return a_un_role(agent, Role.FINANCES)


def peut_voir_identite_demande(agent, demande) -> bool:
    """Le nom du demandeur : les travailleurs sociaux qui suivent le foyer. Jamais la
    commission ni les finances (qui lisent le pseudonyme et, pour payer, le destinataire).
    Lit la base : le foyer de la demande s'il n'est pas déjà chargé, et `a_acces_au_foyer`."""
    return peut_suivre_foyer(agent, demande.foyer)


def peut_voir_budgets(agent) -> bool:
    return a_un_role(agent, Role.RESPONSABLE, Role.ADMIN, Role.FINANCES)
