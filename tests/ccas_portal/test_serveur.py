"""Le portail se sert en production par waitress, jamais par le gunicorn < 22 que tire
openfisca-france (docs/adr/0006)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.lent
def test_waitress_sert_le_portail_avec_les_reglages_de_production(tmp_path):
    port = _port_libre()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ccas_portal.settings.prod",
        "SECRET_KEY": "cle-de-test-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=RACINE,
        env=env,
        check=True,
    )
    waitress = Path(sys.executable).with_name("waitress-serve")
    serveur = subprocess.Popen(
        [str(waitress), f"--listen=127.0.0.1:{port}", "ccas_portal.wsgi:application"],
        cwd=RACINE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        reponse = None
        for _ in range(100):
            try:
                reponse = urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion/", timeout=10)
                break
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        assert reponse is not None, serveur.stdout.read1().decode() if serveur.stdout else ""
        assert reponse.status == 200
        assert reponse.headers["Server"] == "waitress"
        assert "Connexion" in reponse.read().decode()
    finally:
        serveur.terminate()
        serveur.wait(timeout=10)


def test_rien_dans_le_projet_ne_lance_gunicorn():
    """Ni code, ni Makefile, ni CI ne le mentionnent ; la documentation peut en parler (pour
    dire de ne pas l'utiliser) mais aucune de ses lignes de commande ne le lance."""
    fichiers = [RACINE / "Makefile", RACINE / ".ci" / "run"]
    fichiers += [
        p
        for d in ("ccas_portal", "droits", "habitants", "accompagnement")
        for p in (RACINE / d).rglob("*.py")
    ]
    for fichier in fichiers:
        assert "gunicorn" not in fichier.read_text(encoding="utf-8").lower(), fichier
    for doc in [RACINE / "README.md", *(RACINE / "docs").rglob("*.md")]:
        commandes = re.findall(r"^\s*(?:\$\s*)?gunicorn\b", doc.read_text(encoding="utf-8"), re.M)
        assert commandes == [], doc


def test_openfisca_france_sans_l_extra_web_api_de_son_coeur():
    """openfisca-france exige openfisca-core[web-api], dont l'extra tire gunicorn 21.2
    (CVE-2024-1135, CVE-2024-6827), Flask et Flask-Cors : le projet déclare le cœur sans
    l'extra et installe openfisca-france sans ses dépendances (ADR 0025)."""
    import importlib.util
    import tomllib

    projet = tomllib.loads((RACINE / "pyproject.toml").read_text())
    dependances = projet["project"]["dependencies"]
    assert "openfisca-core==44.7.1" in dependances
    assert not any(d.startswith("openfisca-france") for d in dependances)
    assert not any("web-api" in d for d in dependances)
    exigences = (RACINE / "requirements" / "openfisca-france.txt").read_text()
    assert "openfisca-france==176.1.8" in exigences.splitlines()
    makefile = (RACINE / "Makefile").read_text()
    assert "--no-deps -r requirements/openfisca-france.txt" in makefile
    # L'environnement installé : le moteur est là, le serveur et Flask-Cors non.
    assert importlib.util.find_spec("openfisca_france") is not None
    for paquet in ("gunicorn", "flask_cors"):
        assert importlib.util.find_spec(paquet) is None, paquet
