"""Un foyer du site A et la personne semblable qu'un travailleur social du site B va
chercher : fixtures des tests du partage des foyers (services, vues, navigateur)."""

from datetime import date

import pytest

from ccas_portal.enums import Role
from habitants import partage
from habitants.services import ajouter_membre
from tests.factories import AgentFactory, SiteFactory, foyer, habitant

NAISSANCE = date(1984, 5, 6)


@pytest.fixture
def site_a(referentiels):
    return SiteFactory(code="mdh-a", nom="Maison des Habitants Alpha")


@pytest.fixture
def site_b(referentiels):
    return SiteFactory(code="mdh-b", nom="Maison des Habitants Bêta")


@pytest.fixture
def ts_a(site_a):
    return AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site_a])


@pytest.fixture
def ts_b(site_b):
    return AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site_b])


@pytest.fixture
def accueil_b(site_b):
    return AgentFactory(role=Role.ACCUEIL, sites=[site_b])


@pytest.fixture
def famille_de_a(ts_a):
    """Le foyer de la personne que B va chercher, et un autre foyer de A."""
    f = foyer(ts_a)
    parent = habitant(ts_a, nom_usage="Benali", prenoms="Amina", date_naissance=NAISSANCE)
    enfant = habitant(ts_a, nom_usage="Benali", prenoms="Yanis", date_naissance=date(2015, 1, 2))
    ajouter_membre(
        agent=ts_a, foyer=f, habitant=parent, role="demandeur", date_debut=date(2020, 1, 1)
    )
    ajouter_membre(agent=ts_a, foyer=f, habitant=enfant, role="enfant", date_debut=date(2020, 1, 1))
    autre = foyer(ts_a, adresse="3 rue des Voisins")
    voisin = habitant(ts_a, nom_usage="Durand", prenoms="Paul")
    ajouter_membre(
        agent=ts_a, foyer=autre, habitant=voisin, role="demandeur", date_debut=date(2020, 1, 1)
    )
    return f, parent, enfant, autre, voisin


def demander(
    agent, site_demandeur, site, *, nature="partage", motif="Suivi RSA à Bêta", **identite
):
    identite.setdefault("nom_usage", "Benali")
    identite.setdefault("prenoms", "Amina")
    identite.setdefault("date_naissance", NAISSANCE)
    return partage.demander_pour_personne_semblable(
        agent=agent,
        site_demandeur=site_demandeur,
        site=site,
        nature=nature,
        motif=motif,
        **identite,
    )
