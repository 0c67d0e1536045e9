"""Session bornée (inactivité, durée absolue), « Cache-Control: no-store » pour les agents
connectés, exports compris ; réglages de production sans avertissement de `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from ccas_portal.middleware import CLE_ACTIVITE, CLE_DEBUT, maintenant
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

RACINE = Path(__file__).resolve().parents[2]


def _reculer(client, cle, secondes):
    session = client.session
    session[cle] = session[cle] - secondes
    session.save()


def test_fin_apres_trente_minutes_sans_activite(client):
    agent = AgentFactory(travailleur_social=True)
    client.force_login(agent)
    assert client.get("/accompagnements/").status_code == 200
    _reculer(client, CLE_ACTIVITE, 29 * 60)
    assert client.get("/accompagnements/").status_code == 200  # l'activité repousse la fin
    _reculer(client, CLE_ACTIVITE, 29 * 60)
    assert client.get("/accompagnements/").status_code == 200
    _reculer(client, CLE_ACTIVITE, 30 * 60)
    reponse = client.get("/accompagnements/?page=2")
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(
        reverse("connexion") + "?next=%2Faccompagnements%2F%3Fpage%3D2&fin=inactivite"
    )
    assert "_auth_user_id" not in client.session
    html = client.get(reponse["Location"]).content.decode()
    assert "Votre session a pris fin après 30 minutes sans activité" in html


def test_reglage_de_l_inactivite(client, settings):
    settings.SESSION_INACTIVITE_MINUTES = 1
    client.force_login(AgentFactory())
    _reculer(client, CLE_ACTIVITE, 61)
    reponse = client.get("/accueil/", follow=True)
    assert "Votre session a pris fin après 1 minute sans activité" in reponse.content.decode()


def test_l_etat_de_session_ne_compte_pas_comme_activite(client):
    client.force_login(AgentFactory())
    _reculer(client, CLE_ACTIVITE, 25 * 60)
    avant = client.session[CLE_ACTIVITE]
    etat = client.get(reverse("etat_session"), HTTP_X_PORTAIL_ARRIERE_PLAN="1").json()
    assert etat["connecte"] is True
    assert etat["prolongeable"] is True
    assert 4 * 60 < etat["secondes_restantes"] <= 5 * 60
    assert client.session[CLE_ACTIVITE] == avant
    # « Rester connecté » repousse la fin de 30 minutes.
    etat = client.post(reverse("prolonger_session"), HTTP_X_PORTAIL_ARRIERE_PLAN="1").json()
    assert etat["secondes_restantes"] > 29 * 60
    assert client.session[CLE_ACTIVITE] >= maintenant() - 2
    # Une fois la session finie, l'état le dit (sans redirection vers une page HTML).
    _reculer(client, CLE_ACTIVITE, 31 * 60)
    etat = client.get(reverse("etat_session"), HTTP_X_PORTAIL_ARRIERE_PLAN="1").json()
    assert etat == {"connecte": False, "secondes_restantes": 0, "fin": "inactivite"}


def test_duree_absolue_meme_avec_activite(client, settings):
    client.force_login(AgentFactory())
    _reculer(client, CLE_DEBUT, settings.SESSION_COOKIE_AGE - 60)
    etat = client.get(reverse("etat_session"), HTTP_X_PORTAIL_ARRIERE_PLAN="1").json()
    assert etat["prolongeable"] is False
    assert etat["secondes_restantes"] <= 60
    _reculer(client, CLE_DEBUT, 61)
    reponse = client.get("/accueil/")
    assert "fin=duree" in reponse["Location"]
    assert "_auth_user_id" not in client.session


def test_htmx_renvoie_a_la_connexion_par_hx_redirect(client):
    client.force_login(AgentFactory())
    _reculer(client, CLE_ACTIVITE, 31 * 60)
    reponse = client.get("/accueil/", HTTP_HX_REQUEST="true")
    assert reponse.status_code == 200
    assert reponse["HX-Redirect"].startswith(reverse("connexion"))


# --- Cache-Control: no-store ---------------------------------------------------------------


@pytest.mark.parametrize("chemin", ["/accueil/", "/compte/", "/session/etat/", "/accueil/?q=%25"])
def test_no_store_sur_les_pages_d_un_agent_connecte(client, chemin):
    client.force_login(AgentFactory())
    reponse = client.get(chemin)
    assert "no-store" in reponse["Cache-Control"]
    assert "private" in reponse["Cache-Control"]


def test_no_store_sur_les_exports_et_les_refus(client, referentiels):
    responsable = AgentFactory(responsable=True)
    client.force_login(responsable)
    for extension in ("csv", "xlsx"):
        reponse = client.get(reverse("export_tableau", args=["comparaison", extension]))
        assert reponse.status_code == 200
        assert "no-store" in reponse["Cache-Control"], extension
    refus = client.get("/accueil/")
    assert refus.status_code == 403
    assert "no-store" in refus["Cache-Control"]


# --- check --deploy ------------------------------------------------------------------------


@pytest.mark.lent
def test_check_deploy_sans_avertissement_sur_les_reglages_de_production():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ccas_portal.settings.prod",
        "SECRET_KEY": "une-cle-de-production-assez-longue-et-aleatoire-" + "x7Kq2" * 10,
        "DATABASE_URL": "postgres://ccas@127.0.0.1:5432/ccas",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "portail.ccas.example",
    }
    env.pop("DEBUG", None)
    # Posée par les parcours navigateur (tests/navigateur/conftest.py) quand ils sont collectés
    # dans la même session : jamais en production.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    resultat = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=RACINE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "System check identified no issues" in resultat.stdout
