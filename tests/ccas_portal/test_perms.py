import pytest
from django.contrib.auth.models import AnonymousUser

from ccas_portal import perms
from ccas_portal.enums import Role
from ccas_portal.models import Agent

AUTORISATIONS = {
    # prédicat: rôles autorisés
    perms.peut_tenir_le_guichet: {Role.ACCUEIL, Role.TRAVAILLEUR_SOCIAL},
    perms.peut_accompagner: {Role.TRAVAILLEUR_SOCIAL},
    perms.peut_piloter: {Role.RESPONSABLE, Role.ADMIN},
    perms.peut_administrer: {Role.ADMIN},
}


@pytest.mark.parametrize("predicat", AUTORISATIONS)
@pytest.mark.parametrize("role", Role.values)
def test_predicats_selon_le_role(predicat, role):
    agent = Agent(role=role, is_active=True)
    assert predicat(agent) is (role in AUTORISATIONS[predicat])


@pytest.mark.parametrize("predicat", AUTORISATIONS)
def test_un_agent_desactive_ou_anonyme_n_a_aucun_droit(predicat):
    assert not predicat(Agent(role=Role.ADMIN, is_active=False))
    assert not predicat(AnonymousUser())
    assert not predicat(None)


def test_chaque_role_a_une_page_d_accueil():
    assert set(perms.PAGE_ACCUEIL_PAR_ROLE) == set(Role)
    assert perms.page_accueil(Agent(role=Role.ACCUEIL)) == "habitants:guichet"


def test_le_menu_marque_la_rubrique_courante_sur_ses_sous_pages():
    from ccas_portal.navigation import menu_de

    agent = Agent(role=Role.TRAVAILLEUR_SOCIAL, is_active=True)
    menu = menu_de(agent, "/accueil/habitants/12/")
    assert [(e["libelle"], e["courante"]) for e in menu] == [
        ("Accueil du public", True),
        ("Mes accompagnements", False),
        ("Actions collectives", False),
        ("Non-recours", False),
        ("Demandes d'aide", False),
        ("Partages de foyers", False),
    ]
    # Sous /accompagnements/, la rubrique au plus long préfixe est seule courante.
    menu = menu_de(agent, "/accompagnements/actions-collectives/3/")
    assert [e["libelle"] for e in menu if e["courante"]] == ["Actions collectives"]
    menu = menu_de(agent, "/accompagnements/partages/")
    assert [e["libelle"] for e in menu if e["courante"]] == ["Partages de foyers"]
    menu = menu_de(agent, "/accompagnements/foyers/3/")
    assert [e["libelle"] for e in menu if e["courante"]] == ["Mes accompagnements"]


@pytest.mark.django_db
def test_perimetre_restreint_d_un_responsable():
    from tests.factories import AgentFactory, SiteFactory

    maison, autre = SiteFactory(), SiteFactory()
    direction = SiteFactory(type="service_central")
    assert perms.perimetre_restreint(AgentFactory(role=Role.RESPONSABLE, sites=[direction])) is None
    assert perms.perimetre_restreint(
        AgentFactory(role=Role.RESPONSABLE, sites=[autre, maison])
    ) == (
        maison.pk,
        autre.pk,
    )
    assert perms.perimetre_restreint(AgentFactory(role=Role.ACCUEIL, sites=[maison])) == ()


@pytest.mark.parametrize("role", Role.values)
def test_fusionner_deux_fiches_travailleur_social_des_deux_sites(role, monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setattr(Agent, "ids_sites", frozenset({1, 2}))
    agent = Agent(role=role, is_active=True)
    ici, la, ailleurs = (SimpleNamespace(site_id=n) for n in (1, 2, 3))
    assert perms.peut_fusionner_habitants(agent, ici, la) is (role == Role.TRAVAILLEUR_SOCIAL)
    assert not perms.peut_fusionner_habitants(agent, ici, ailleurs)
    assert not perms.peut_fusionner_habitants(agent, ailleurs, ici)
