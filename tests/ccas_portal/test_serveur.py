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


#: La commande de production du README derrière un mandataire TLS (même port local).
OPTIONS_MANDATAIRE = [
    "--trusted-proxy=127.0.0.1",
    "--trusted-proxy-headers=x-forwarded-proto x-forwarded-for",
]


class _SansRedirection(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _demander(port, chemin, **entetes):
    """(statut, en-têtes) d'une requête GET, sans suivre les redirections."""
    ouvreur = urllib.request.build_opener(_SansRedirection)
    requete = urllib.request.Request(f"http://127.0.0.1:{port}{chemin}", headers=entetes)
    try:
        reponse = ouvreur.open(requete, timeout=10)
    except urllib.error.HTTPError as erreur:
        return erreur.code, erreur.headers
    return reponse.status, reponse.headers


def _lancer_waitress(tmp_path, options, **reglages):
    port = _port_libre()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ccas_portal.settings.prod",
        "SECRET_KEY": "cle-de-test-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"),
        **reglages,
    }
    env.pop("SECURE_SSL_REDIRECT", None)  # la valeur de production : rediriger vers HTTPS
    if not (tmp_path / "static").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=RACINE,
            env=env,
            check=True,
        )
    waitress = Path(sys.executable).with_name("waitress-serve")
    serveur = subprocess.Popen(
        [str(waitress), f"--listen=127.0.0.1:{port}", *options, "ccas_portal.wsgi:application"],
        cwd=RACINE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return serveur, port


@pytest.mark.lent
def test_derriere_un_mandataire_tls_sans_boucle_de_redirection(tmp_path):
    """Réglages de production (redirection HTTPS, cookies sécurisés) derrière un mandataire
    qui termine TLS et transmet `X-Forwarded-Proto: https` : avec les options du README,
    la page répond 200 ; sans elles, waitress efface l'en-tête d'un mandataire qu'il ne
    connaît pas, Django croit la requête en HTTP et redirige vers HTTPS — que le mandataire
    renvoie en HTTP : la boucle."""
    serveur, port = _lancer_waitress(tmp_path, OPTIONS_MANDATAIRE)
    try:
        statut, entetes = _demander(port, "/connexion/", **{"X-Forwarded-Proto": "https"})
        assert statut == 200
        assert "max-age=" in entetes["Strict-Transport-Security"]
        assert "Secure" in entetes["Set-Cookie"]  # jeton CSRF en cookie sécurisé
        # Une requête arrivée en HTTP est toujours renvoyée vers HTTPS.
        statut, entetes = _demander(port, "/connexion/", **{"X-Forwarded-Proto": "http"})
        assert statut == 301
        assert entetes["Location"] == f"https://127.0.0.1:{port}/connexion/"
    finally:
        serveur.terminate()
        serveur.wait(timeout=10)

    serveur, port = _lancer_waitress(tmp_path, [])
    try:
        statut, entetes = _demander(port, "/connexion/", **{"X-Forwarded-Proto": "https"})
        assert statut == 301  # sans les options : la redirection qui boucle
        assert entetes["Location"].startswith("https://")
    finally:
        serveur.terminate()
        serveur.wait(timeout=10)


def test_la_commande_de_production_du_readme_fait_confiance_au_mandataire():
    readme = (RACINE / "README.md").read_text(encoding="utf-8")
    (commande,) = re.findall(r"^waitress-serve .*$", readme, re.M)
    for option in ("--trusted-proxy=", "--trusted-proxy-headers=", "x-forwarded-proto"):
        assert option in commande


def test_rien_dans_le_projet_ne_lance_gunicorn():
    """Ni code ni CI ne le mentionnent ; le Makefile seulement pour le désinstaller
    (`RETIRES_WEB_API`, ADR 0025) ou dans un commentaire ; la documentation peut en parler
    (pour dire de ne pas l'utiliser) mais aucune de ses lignes de commande ne le lance."""
    for ligne in (RACINE / "Makefile").read_text(encoding="utf-8").splitlines():
        if "gunicorn" in ligne.lower():
            assert ligne.startswith(("#", "RETIRES_WEB_API := ")), ligne
    fichiers = [RACINE / ".ci" / "run"]
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
    makefile = (RACINE / "Makefile").read_text()
    assert "OPENFISCA_FRANCE := openfisca-france==176.1.8" in makefile.splitlines()
    assert '--no-deps "$(OPENFISCA_FRANCE)"' in makefile
    # L'environnement installé : le moteur est là, le serveur et Flask-Cors non.
    assert importlib.util.find_spec("openfisca_france") is not None
    for paquet in ("gunicorn", "flask_cors"):
        assert importlib.util.find_spec(paquet) is None, paquet
