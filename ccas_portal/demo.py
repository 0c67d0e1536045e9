"""Comptes de démonstration : un agent par rôle, mot de passe documenté dans le README."""

from ccas_portal.enums import Role
from ccas_portal.models import Agent, Site
from ccas_portal.services import creer_agent, modifier_affectation

MOT_DE_PASSE_DEMO = "demo-ccas-2026"

COMPTES_DEMO = [
    # identifiant, prénom, nom, rôle, codes des sites
    ("accueil", "Amina", "Benali", Role.ACCUEIL, ["mdh-abbaye"]),
    ("travailleur", "Julien", "Moreau", Role.TRAVAILLEUR_SOCIAL, ["mdh-abbaye", "mdh-mistral"]),
    ("responsable", "Hélène", "Garnier", Role.RESPONSABLE, ["dir-action-sociale"]),
    ("admin", "Karim", "Lefèvre", Role.ADMIN, ["dir-action-sociale"]),
    ("finances", "Sophie", "Roux", Role.FINANCES, ["dir-action-sociale"]),
]


def creer_comptes_demo() -> list[tuple[Agent, bool]]:
    """Crée (ou remet en état) les comptes de démonstration ; renvoie [(agent, créé)]."""
    resultats = []
    for identifiant, prenom, nom, role, codes in COMPTES_DEMO:
        sites = list(Site.objects.filter(code__in=codes))
        if len(sites) != len(codes):
            raise LookupError("Sites de démonstration absents : lancez charger_referentiels.")
        agent = Agent.objects.filter(username=identifiant).first()
        if agent is None:
            agent = creer_agent(
                identifiant=identifiant,
                prenom=prenom,
                nom=nom,
                role=role,
                sites=sites,
                mot_de_passe=MOT_DE_PASSE_DEMO,
                # Documenté dans le README : pas de changement forcé pour la démonstration.
                mot_de_passe_provisoire=False,
            )
            resultats.append((agent, True))
        else:
            modifier_affectation(agent=agent, role=role, sites=sites)
            agent.set_password(MOT_DE_PASSE_DEMO)
            agent.save(update_fields=["password"])
            resultats.append((agent, False))
    return resultats
