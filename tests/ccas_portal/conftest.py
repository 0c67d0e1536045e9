"""Lancement du portail complet (comme `make run`) dans un dossier temporaire."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    def __init__(self, base):
        self.base = base
        self.ouvreur = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, chemin):
        with self.ouvreur.open(self.base + chemin, timeout=20) as reponse:
            return reponse.geturl(), reponse.read().decode()

    def connecter(self, identifiant, mot_de_passe):
        _, html = self.get("/connexion/")
        jeton = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
        donnees = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": jeton, "username": identifiant, "password": mot_de_passe}
        ).encode()
        requete = urllib.request.Request(
            self.base + "/connexion/", data=donnees, headers={"Referer": self.base + "/"}
        )
        with self.ouvreur.open(requete, timeout=20) as reponse:
            return reponse.geturl(), reponse.read().decode()


class PortailLance:
    def __init__(self, base, env):
        self.base = base
        self.env = env

    def nouvelle_session(self):
        return Session(self.base)

    def get(self, chemin):
        return self.nouvelle_session().get(chemin)

    def manage(self, *args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=RACINE,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def portail_lance(tmp_path_factory):
    """Base, référentiels, démo puis `manage.py lancer` : ce que fait `make run`.

    Sans DATABASE_URL/CELERY_BROKER_URL : SQLite et broker sur fichiers dans un dossier neuf.
    En CI avec Redis, un numéro de base Redis à part évite de croiser la suite de tests.
    """
    dossier = tmp_path_factory.mktemp("portail")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DATABASE_MIGRATION_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update({"CCAS_VAR_DIR": str(dossier), "DJANGO_SETTINGS_MODULE": "ccas_portal.settings.dev"})
    if env.get("CELERY_BROKER_URL", "").startswith("redis://"):
        env["CELERY_BROKER_URL"] = re.sub(r"/\d*$", "", env["CELERY_BROKER_URL"]) + "/14"
        env.pop("CELERY_RESULT_BACKEND", None)
    port = port_libre()
    portail = PortailLance(f"http://127.0.0.1:{port}", env)
    for commande in (
        ["migrate", "--noinput"],
        ["charger_referentiels", "--wet-run"],
        ["demo_data", "--wet-run"],
    ):
        resultat = portail.manage(*commande)
        assert resultat.returncode == 0, resultat.stderr
    journal = open(dossier / "lancer.log", "w")  # noqa: SIM115
    processus = subprocess.Popen(
        [sys.executable, "manage.py", "lancer", "--port", str(port)],
        cwd=RACINE,
        env=env,
        stdout=journal,
        stderr=subprocess.STDOUT,
    )
    limite = time.monotonic() + 60
    while True:
        try:
            portail.get("/connexion/")
            break
        except OSError:
            assert processus.poll() is None, (dossier / "lancer.log").read_text()
            assert time.monotonic() < limite, "le portail n'a pas démarré en 60 s"
            time.sleep(0.5)
    yield portail
    processus.send_signal(signal.SIGINT)
    assert processus.wait(timeout=60) == 0
    journal.close()
    sortie = (dossier / "lancer.log").read_text()
    assert "Arrêt demandé" in sortie
    # Plus aucun programme du portail ne tourne après Ctrl-C.
    processus_restants = subprocess.run(
        ["ps", "-eo", "args"], capture_output=True, text=True, check=True
    ).stdout
    assert f"--port {port}" not in processus_restants
    assert f"127.0.0.1:{port}" not in processus_restants
