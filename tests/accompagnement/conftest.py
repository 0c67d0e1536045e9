from datetime import date

import pytest

from accompagnement import services
from habitants.services import ajouter_membre
from tests.factories import AgentFactory, SiteFactory, foyer, habitant


@pytest.fixture
def site(referentiels):
    return SiteFactory(code="mdh-ts")


@pytest.fixture
def ts(site):
    return AgentFactory(role="travailleur_social", sites=[site])


@pytest.fixture
def famille(ts):
    f = foyer(ts)
    parent, enfant = habitant(ts, prenoms="Amina"), habitant(ts, prenoms="Zoé")
    ajouter_membre(
        agent=ts, foyer=f, habitant=parent, role="demandeur", date_debut=date(2020, 1, 1)
    )
    ajouter_membre(agent=ts, foyer=f, habitant=enfant, role="enfant", date_debut=date(2020, 1, 1))
    return f, parent, enfant


def ouvrir(ts, famille, **champs):
    f, parent, _ = famille
    champs.setdefault("axe", "logement")
    champs.setdefault("membres", [parent])
    champs.setdefault("date_ouverture", date(2026, 1, 5))
    # Les tests en ouvrent souvent plusieurs sur le même axe pour le même foyer.
    champs.setdefault("malgre_accompagnement_ouvert", True)
    return services.ouvrir_accompagnement(agent=ts, foyer=f, **champs)
