"""Parcours de la double authentification et de la fin de session, dans Chromium : un
responsable active son application (la clé lue à l'écran, le code calculé par django-otp comme
le ferait l'application), se reconnecte avec un code, puis, téléphone perdu, avec un code de
secours ; l'avertissement d'inactivité, « Rester connecté », puis la fin de session."""

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from ccas_portal import double_authentification as da
from ccas_portal.middleware import CLE_ACTIVITE, maintenant
from tests.connexion import cle_depuis_le_secret, code_pour_cle, code_totp
from tests.factories import MOT_DE_PASSE, AgentFactory
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


def taper_identifiants(page, identifiant):
    """Au clavier, comme une personne : identifiant, Tab, mot de passe, Entrée."""
    page.goto("/")
    expect(page.get_by_label("Identifiant")).to_be_focused()
    page.keyboard.type(identifiant)
    page.keyboard.press("Tab")
    page.keyboard.type(MOT_DE_PASSE)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def se_deconnecter(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()


def test_activation_connexion_avec_code_puis_appareil_perdu(
    page, verifier_page, transactional_db, referentiels
):
    responsable = AgentFactory(responsable=True)

    # Première connexion : l'activation est exigée, guidée, avec QR code et clé.
    taper_identifiants(page, responsable.username)
    expect(page).to_have_url(re.compile(r"/compte/double-authentification/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer la double authentification")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu principal")).to_have_count(0)
    verifier_page(page, "activation")
    secret = page.locator("#cle-secrete").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", secret)

    # Un code faux : message en français sous le champ, rien d'activé.
    champ = page.get_by_label("Code à 6 chiffres")
    champ.fill("000000")
    page.get_by_role("button", name="Activer").click()
    expect(page.locator("#error_1_id_code")).to_contain_text("Code incorrect")
    assert not TOTPDevice.objects.filter(user=responsable, confirmed=True).exists()
    verifier_page(page, "activation-code-faux")

    # La clé tapée dans l'application ; son code, au clavier.
    page.wait_for_timeout(1100)  # django-otp fait attendre 1 s après un code faux
    page.get_by_label("Code à 6 chiffres").click()
    page.keyboard.type(code_pour_cle(cle_depuis_le_secret(secret)))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Codes de secours")).to_be_visible()
    codes = page.get_by_role("list", name="Vos codes de secours").locator("code").all_inner_texts()
    assert len(codes) == 10
    verifier_page(page, "codes-de-secours")
    with page.expect_navigation():
        page.get_by_role("link", name="J'ai noté mes codes de secours, continuer").click()
    expect(page).to_have_url(re.compile(r"/tableau-de-bord/$"))
    appareil = TOTPDevice.objects.get(user=responsable)
    assert appareil.confirmed

    # Connexion suivante : le code de l'application.
    se_deconnecter(page)
    taper_identifiants(page, responsable.username)
    expect(page).to_have_url(re.compile(r"/connexion/code/"))
    expect(page.get_by_label("Code à 6 chiffres")).to_be_focused()
    verifier_page(page, "code")
    page.keyboard.type(code_totp(appareil))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/tableau-de-bord/$"))

    # Téléphone perdu : un code de secours.
    se_deconnecter(page)
    taper_identifiants(page, responsable.username)
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("utiliser un code de secours")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Se connecter avec un code de secours"
    )
    verifier_page(page, "code-de-secours")
    page.get_by_label("Code de secours").fill(codes[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Valider").click()
    expect(page).to_have_url(re.compile(r"/compte/$"))
    expect(page.get_by_role("status")).to_contain_text("il vous reste 9 codes de secours")
    verifier_page(page, "mon-compte-apres-secours")
    assert StaticToken.objects.filter(device__user=responsable).count() == 9
    restants = StaticToken.objects.filter(device__user=responsable).values_list("token", flat=True)
    assert da.empreinte_du_code(codes[0]) not in set(restants)
    assert {da.empreinte_du_code(c) for c in codes[1:]} == set(restants)

    # Le même code de secours ne sert pas deux fois.
    se_deconnecter(page)
    taper_identifiants(page, responsable.username)
    page.get_by_role("link", name=re.compile("utiliser un code de secours")).click()
    page.get_by_label("Code de secours").fill(codes[0])
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#error_1_id_code")).to_contain_text(
        "Code de secours incorrect ou déjà utilisé"
    )
    expect(page).to_have_url(re.compile(r"/connexion/code-de-secours/"))
    page.goto("/tableau-de-bord/")
    expect(page).to_have_url(re.compile(r"/connexion/code/"))


def test_un_agent_d_accueil_active_la_double_authentification_depuis_son_compte(
    page, verifier_page, transactional_db
):
    agent = AgentFactory(accueil=True)
    se_connecter(page, agent.username, MOT_DE_PASSE)
    expect(page).to_have_url(re.compile(r"/accueil/$"))
    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_text("Pas encore activée")).to_be_visible()
    verifier_page(page, "mon-compte")
    page.get_by_role("link", name="Activer la double authentification").click()
    from tests.navigateur.test_connexion import activer_la_double_authentification

    activer_la_double_authentification(page)
    assert da.a_un_appareil(agent)
    se_deconnecter(page)
    se_connecter(page, agent.username, MOT_DE_PASSE)  # passe par le code de l'application
    expect(page).to_have_url(re.compile(r"/accueil/$"))


def _session(page) -> SessionStore:
    (cle,) = [c["value"] for c in page.context.cookies() if c["name"] == "sessionid"]
    return SessionStore(session_key=cle)


def test_avertissement_d_inactivite_puis_fin_de_session(
    page, verifier_page, transactional_db, settings
):
    settings.SESSION_INACTIVITE_MINUTES = 1
    settings.SESSION_AVERTISSEMENT_SECONDES = 56  # l'avertissement vient après 4 s
    agent = AgentFactory(accueil=True)
    se_connecter(page, agent.username, MOT_DE_PASSE)
    expect(page).to_have_url(re.compile(r"/accueil/$"))
    dialogue = page.get_by_role("alertdialog", name="Votre session va bientôt prendre fin")
    expect(dialogue).to_be_visible(timeout=15_000)
    expect(dialogue).to_contain_text("Sans activité de votre part, vous serez déconnecté dans")
    expect(dialogue.get_by_role("button", name="Rester connecté")).to_be_focused()
    verifier_page(page, "avertissement-inactivite")

    # « Rester connecté », au clavier : la fenêtre se ferme, le serveur note l'activité.
    session = _session(page)
    session[CLE_ACTIVITE] = maintenant() - 40
    session.save()
    page.keyboard.press("Enter")
    expect(dialogue).to_be_hidden()
    assert _session(page)[CLE_ACTIVITE] >= maintenant() - 5

    # Plus rien : la session prend fin, la page de connexion dit pourquoi.
    session = _session(page)
    session[CLE_ACTIVITE] = maintenant() - 120
    session.save()
    expect(page).to_have_url(re.compile(r"/connexion/\?fin=inactivite"), timeout=20_000)
    expect(page.get_by_role("status")).to_contain_text(
        "Votre session a pris fin après 1 minute sans activité"
    )
    verifier_page(page, "fin-de-session")
    page.goto("/accueil/")
    expect(page).to_have_url(re.compile(r"/connexion/\?next=/accueil/"))


def test_mot_de_passe_provisoire_change_a_la_premiere_connexion(
    page, verifier_page, transactional_db
):
    from ccas_portal.enums import Role
    from ccas_portal.services import creer_agent
    from tests.factories import SiteFactory

    agent = creer_agent(
        identifiant="nouvel.agent",
        prenom="Nora",
        nom="Petit",
        role=Role.ACCUEIL,
        sites=[SiteFactory()],
        mot_de_passe="donne-par-l-admin-2026",
    )
    se_connecter(page, "nouvel.agent", "donne-par-l-admin-2026")
    expect(page).to_have_url(re.compile(r"/compte/mot-de-passe/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez votre mot de passe")
    verifier_page(page, "mot-de-passe-provisoire")
    page.get_by_label("Mot de passe actuel").fill("donne-par-l-admin-2026")
    page.get_by_label(re.compile(r"^\s*Nouveau mot de passe\W*$")).fill("azerty")
    page.get_by_label("Nouveau mot de passe, une seconde fois").fill("azerty")
    page.get_by_role("button", name="Changer mon mot de passe").click()
    expect(
        page.locator("#error_1_id_new_password2, #error_1_id_new_password1").first
    ).to_contain_text("Ce mot de passe est trop court")
    verifier_page(page, "mot-de-passe-trop-court")
    agent.refresh_from_db()
    assert agent.mot_de_passe_provisoire
    page.get_by_label("Mot de passe actuel").fill("donne-par-l-admin-2026")
    page.get_by_label(re.compile(r"^\s*Nouveau mot de passe\W*$")).fill(
        "la cabane au fond du jardin"
    )
    page.get_by_label("Nouveau mot de passe, une seconde fois").fill("la cabane au fond du jardin")
    with page.expect_navigation():
        page.get_by_role("button", name="Changer mon mot de passe").click()
    expect(page).to_have_url(re.compile(r"/accueil/$"))
    expect(page.locator(".messages")).to_contain_text("Votre mot de passe a été changé.")
    agent.refresh_from_db()
    assert not agent.mot_de_passe_provisoire
    assert agent.check_password("la cabane au fond du jardin")
