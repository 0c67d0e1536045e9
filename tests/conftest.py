import gc
import io

import pytest
from django.core.management import call_command

from ccas_portal.enums import Role
from tests import roles_de_test
from tests.connexion import ClientPortail
from tests.factories import AgentFactory

#: Fixtures du partage des foyers entre sites (tests des services, des vues, du navigateur) ;
#: `snapshot_requetes`, le SQL des pages en instantanés (module chargé en plugin : pytest en
#: réécrit les assertions, et le diff de syrupy dit quelle requête a changé) ; `broker_vide`, le
#: broker sans reste des tests précédents pour les tests qui lancent un vrai worker.
pytest_plugins = ["tests.partage", "tests.instantanes", "tests.ordre", "tests.broker"]


@pytest.hookimpl(trylast=True)  # après le démontage des fixtures du test
def pytest_runtest_teardown(item, nextitem):
    """Après chaque test, ce qui lui survit (modules, tests collectés, base de test, gabarits,
    paramètres d'OpenFisca préparés au premier calcul…) sort du ramasse-miettes, comme le fait
    `moteur.systeme` pour le système socio-fiscal : les collectes complètes, automatiques ou
    demandées après chaque simulation, ne reparcourent plus tout le tas du processus. La
    collecte d'abord : les déchets du test ne sont pas gelés. Mesuré : 6 à 13 % du temps d'un
    processus de test passait dans ces collectes, mémoire maximale inchangée
    (docs/benchmarks.md, « Suite de tests en parallèle »)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """Passe PostgreSQL à deux rôles : la base de test est créée par le propriétaire."""
    roles_de_test.avant_la_creation()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """… puis la suite tourne avec le rôle du portail (tests/roles_de_test.py)."""
    with django_db_blocker.unblock():
        roles_de_test.apres_la_creation()
    yield
    # La base de test est supprimée par son propriétaire (fin de django_db_setup de pytest-django).
    roles_de_test.avant_la_suppression()


@pytest.fixture
def referentiels(db):
    """Axes et sites de référence, chargés comme le fait `make run`."""
    call_command("charger_referentiels", "--wet-run", stdout=io.StringIO())


@pytest.fixture
def agent_par_role(db):
    """Un agent de chaque rôle : {role: agent}."""
    return {role: AgentFactory(role=role) for role in Role.values}


@pytest.fixture
def client():
    """Le client Django de la suite : `force_login` y fait toute la connexion, second facteur
    compris (tests/connexion.py)."""
    return ClientPortail()


@pytest.fixture
def client_de(client):
    """client_de(agent) : un client de test connecté comme cet agent."""

    def connecter(agent):
        client.force_login(agent)
        return client

    return connecter
