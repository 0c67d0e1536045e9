import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from ccas_portal.enums import Role
from ccas_portal.models import Agent
from ccas_portal.services import creer_agent, enregistrer_site, modifier_affectation
from tests.factories import AgentFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_creer_agent_avec_role_et_sites():
    sites = [SiteFactory(), SiteFactory()]
    agent = creer_agent(
        identifiant="c.dupont",
        prenom="Claire",
        nom="Dupont",
        role=Role.TRAVAILLEUR_SOCIAL,
        sites=sites,
        mot_de_passe="un-mot-de-passe-long",
    )
    agent.refresh_from_db()
    assert agent.role == Role.TRAVAILLEUR_SOCIAL
    assert set(agent.sites.all()) == set(sites)
    assert agent.check_password("un-mot-de-passe-long")
    assert not agent.is_staff
    assert not agent.is_superuser


@pytest.mark.parametrize("role", Role.values)
def test_seul_le_role_admin_ouvre_l_administration_technique(role):
    agent = AgentFactory(role=role)
    assert agent.is_staff is (role == Role.ADMIN)
    assert agent.is_superuser is (role == Role.ADMIN)


def test_creer_agent_sans_site_refuse():
    with pytest.raises(ValidationError) as erreur:
        creer_agent(
            identifiant="x", prenom="X", nom="Y", role=Role.ACCUEIL, sites=[], mot_de_passe=None
        )
    assert "au moins un site" in str(erreur.value)
    assert not Agent.objects.exists()


def test_creer_agent_role_inconnu_refuse():
    with pytest.raises(ValidationError, match="Rôle inconnu"):
        creer_agent(
            identifiant="x",
            prenom="X",
            nom="Y",
            role="directeur",
            sites=[SiteFactory()],
            mot_de_passe=None,
        )


def test_identifiant_deja_pris_sans_tenir_compte_de_la_casse():
    AgentFactory(identifiant="amina")
    with pytest.raises(ValidationError, match="déjà pris"):
        AgentFactory(identifiant="Amina")


def test_agent_sans_mot_de_passe_ne_peut_pas_se_connecter():
    agent = AgentFactory(mot_de_passe=None)
    assert not agent.has_usable_password()


def test_modifier_affectation_change_role_sites_et_drapeaux():
    agent = AgentFactory(accueil=True)
    nouveau_site = SiteFactory()
    modifier_affectation(agent=agent, role=Role.ADMIN, sites=[nouveau_site])
    agent.refresh_from_db()
    assert agent.role == Role.ADMIN
    assert agent.is_staff
    assert agent.is_superuser
    assert list(agent.sites.all()) == [nouveau_site]


def test_modifier_affectation_sans_site_ne_change_rien():
    agent = AgentFactory(accueil=True)
    sites_avant = set(agent.sites.all())
    with pytest.raises(ValidationError):
        modifier_affectation(agent=agent, role=Role.RESPONSABLE, sites=[])
    agent.refresh_from_db()
    assert agent.role == Role.ACCUEIL
    assert set(agent.sites.all()) == sites_avant


def test_la_base_refuse_un_agent_non_admin_avec_les_droits_admin():
    agent = AgentFactory(accueil=True)
    agent.is_superuser = True
    with pytest.raises(IntegrityError):
        agent.save()


def test_createsuperuser_donne_un_agent_admin():
    agent = Agent.objects.create_superuser("root", "root@example.org", "mot-de-passe-long")
    assert agent.role == Role.ADMIN


SITE_VALIDE = {
    "nom": "MdH Test",
    "type": "maison_des_habitants",
    "adresse": "1 rue A",
    "code_postal": "38000",
    "commune": "Grenoble",
    "code_insee": "38185",
}


def test_enregistrer_site_cree_puis_met_a_jour():
    champs = SITE_VALIDE
    site, cree = enregistrer_site(code="mdh-test", **champs)
    assert cree
    site, cree = enregistrer_site(code="mdh-test", **{**champs, "nom": "MdH Renommée"})
    assert not cree
    site.refresh_from_db()
    assert site.nom == "MdH Renommée"


@pytest.mark.parametrize(
    ("champ", "valeur", "message"),
    [
        ("code_insee", "3818", "Code INSEE de commune à 5 caractères attendu."),
        ("code_postal", "380", "Code postal à 5 chiffres attendu."),
        ("type", "mairie", "n’est pas un choix valide"),
    ],
)
def test_enregistrer_site_refuse_les_valeurs_invalides_en_francais(champ, valeur, message):
    champs = {**SITE_VALIDE, champ: valeur}
    with pytest.raises(ValidationError) as erreur:
        enregistrer_site(code="mdh-test", **champs)
    assert any(message in m for m in erreur.value.message_dict[champ])
