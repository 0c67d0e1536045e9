import pytest

from ccas_portal.enums import Role
from tests.factories import AgentFactory, SiteFactory


@pytest.fixture
def site(db):
    return SiteFactory(code="mdh-test", nom="MdH Test")


@pytest.fixture
def autre_site(db):
    return SiteFactory(code="mdh-autre", nom="MdH Autre")


@pytest.fixture
def agent_accueil(site):
    return AgentFactory(role=Role.ACCUEIL, sites=[site])


@pytest.fixture
def travailleur(site):
    return AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])


@pytest.fixture
def agent_autre_site(autre_site):
    return AgentFactory(role=Role.ACCUEIL, sites=[autre_site])


@pytest.fixture
def motifs(referentiels):
    from habitants.models import Motif

    return list(Motif.objects.all())
