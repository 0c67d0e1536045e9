import re

import pytest
from playwright.sync_api import expect

from ccas_portal import double_authentification as da
from ccas_portal.enums import Role
from ccas_portal.models import Agent
from tests.connexion import cle_depuis_le_secret, code_pour_cle, code_totp
from tests.factories import MOT_DE_PASSE, AgentFactory

pytestmark = pytest.mark.navigateur

ACCUEIL_DU_ROLE = {
    Role.ACCUEIL: ("/accueil/", "Accueil du public"),
    Role.TRAVAILLEUR_SOCIAL: ("/accompagnements/", "Mes accompagnements"),
    Role.RESPONSABLE: ("/tableau-de-bord/", "Tableau de bord"),
    Role.ADMIN: ("/administration/", "Administration"),
    Role.FINANCES: ("/droits/paiements/", "Paiements et budgets"),
}


def se_connecter(page, identifiant, mot_de_passe):
    """Identifiant, mot de passe, puis ce que le portail demande ensuite, comme l'agent le
    ferait : le code de son application (calculé par django-otp) s'il l'a activée, ou
    l'activation si elle est exigée pour lui (admin, responsable)."""
    page.goto("/")
    page.get_by_label("Identifiant").fill(identifiant)
    page.get_by_label("Mot de passe").fill(mot_de_passe)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    if "/connexion/code/" in page.url:
        saisir_le_code(page, Agent.objects.get(username=identifiant))
    elif "/compte/double-authentification/" in page.url:
        activer_la_double_authentification(page)
        with page.expect_navigation():
            page.get_by_role("link", name="J'ai noté mes codes de secours, continuer").click()


def saisir_le_code(page, agent):
    page.get_by_label("Code à 6 chiffres").fill(code_totp(da.appareil_totp(agent)))
    with page.expect_navigation():
        page.get_by_role("button", name="Valider").click()


def activer_la_double_authentification(page) -> list[str]:
    """Sur la page d'activation : la clé affichée, tapée dans « l'application » (django-otp
    calcule le code), puis le code ; renvoie les codes de secours montrés."""
    secret = page.locator("#cle-secrete").inner_text()
    page.get_by_label("Code à 6 chiffres").fill(code_pour_cle(cle_depuis_le_secret(secret)))
    with page.expect_navigation():
        page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", name="Codes de secours")).to_be_visible()
    return page.get_by_role("list", name="Vos codes de secours").locator("code").all_inner_texts()


def test_page_de_connexion(page, verifier_page, transactional_db):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/connexion/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    # Le champ identifiant a le focus : on tape directement.
    expect(page.get_by_label("Identifiant")).to_be_focused()
    verifier_page(page, "connexion")


@pytest.mark.parametrize("role", Role.values)
def test_chaque_role_arrive_sur_sa_page(page, verifier_page, referentiels, role):
    agent = AgentFactory(role=role)
    se_connecter(page, agent.username, MOT_DE_PASSE)
    chemin, titre = ACCUEIL_DU_ROLE[role]
    expect(page).to_have_url(re.compile(re.escape(chemin) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^" + re.escape(titre)))
    banniere = page.get_by_role("banner")
    expect(banniere).to_contain_text(agent.get_full_name())
    expect(banniere).to_contain_text(agent.get_role_display())
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link", name=titre)).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_be_visible()
    verifier_page(page, role)


def test_mauvais_mot_de_passe(page, verifier_page, transactional_db):
    agent = AgentFactory()
    se_connecter(page, agent.username, "pas-le-bon")
    expect(page.get_by_text("Identifiant ou mot de passe incorrect")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/connexion/"))
    verifier_page(page, "erreur")


def test_trop_d_echecs(page, verifier_page, transactional_db):
    agent = AgentFactory()
    for _ in range(5):
        se_connecter(page, agent.username, "pas-le-bon")
        expect(page.get_by_text("Identifiant ou mot de passe incorrect")).to_be_visible()
    se_connecter(page, agent.username, MOT_DE_PASSE)
    expect(page.get_by_text("Trop de tentatives de connexion ont échoué")).to_be_visible()
    expect(page.get_by_text("Réessayez dans 15 minutes")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/connexion/"))
    verifier_page(page, "bloque")


def test_deconnexion(page, transactional_db):
    agent = AgentFactory(responsable=True)
    se_connecter(page, agent.username, MOT_DE_PASSE)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion/$"))
    page.goto("/tableau-de-bord/")
    expect(page).to_have_url(re.compile(r"/connexion/\?next=/tableau-de-bord/$"))


def test_lien_d_evitement_au_clavier(page, transactional_db):
    agent = AgentFactory(responsable=True)
    se_connecter(page, agent.username, MOT_DE_PASSE)
    page.goto("/tableau-de-bord/")
    page.keyboard.press("Tab")
    lien = page.get_by_role("link", name="Aller au contenu")
    expect(lien).to_be_focused()
    expect(lien).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()


def test_l_administration_charge_l_etat_des_workers_par_htmx(page, verifier_page, transactional_db):
    agent = AgentFactory(admin=True)
    se_connecter(page, agent.username, MOT_DE_PASSE)
    # Aucun worker ne tourne pendant ce test : le fragment le dit clairement.
    expect(page.locator("#etat-workers")).to_contain_text("Aucun worker Celery ne répond")
    verifier_page(page, "administration")
