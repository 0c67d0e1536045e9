import pytest
from django.core.exceptions import ImproperlyConfigured

from ccas_portal.settings import env


def test_booleen(monkeypatch):
    monkeypatch.setenv("X", "oui")
    assert env.booleen("X", False) is True
    monkeypatch.setenv("X", "false")
    assert env.booleen("X", True) is False
    monkeypatch.delenv("X")
    assert env.booleen("X", True) is True
    monkeypatch.setenv("X", "peut-être")
    with pytest.raises(ImproperlyConfigured, match="valeur booléenne attendue"):
        env.booleen("X", True)


def test_liste_et_entier(monkeypatch):
    monkeypatch.setenv("HOTES", "a.fr, b.fr,,")
    assert env.liste("HOTES", []) == ["a.fr", "b.fr"]
    monkeypatch.setenv("N", "douze")
    with pytest.raises(ImproperlyConfigured, match="nombre entier attendu"):
        env.entier("N", 1)


def test_variable_obligatoire(monkeypatch):
    monkeypatch.delenv("SECRET_OBLIGATOIRE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SECRET_OBLIGATOIRE est obligatoire"):
        env.texte("SECRET_OBLIGATOIRE")


def test_reglages_francais(settings):
    assert settings.LANGUAGE_CODE == "fr-fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ


def test_les_reglages_de_production_exigent_leurs_secrets(settings):
    import subprocess
    import sys

    env_vide = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "ccas_portal.settings.prod"}
    resultat = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env_vide,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
    )
    assert resultat.returncode != 0
    assert "SECRET_KEY est obligatoire" in resultat.stderr


def test_formats_francais():
    from datetime import date

    from django.utils import formats

    assert formats.date_format(date(2026, 3, 1), "DATE_FORMAT") == "1 mars 2026"
    assert formats.date_format(date(2026, 3, 1), "SHORT_DATE_FORMAT") == "01/03/2026"
    # Séparateur de milliers (espace insécable fine) et virgule décimale.
    assert formats.number_format(1234.5, 2, use_l10n=True, force_grouping=True) in {
        "1\u202f234,50",
        "1\xa0234,50",
    }


JOURNALISER_DES_REPONSES = r"""
import logging, os, sys
import django
django.setup()
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response

def repondre(statut, chemin, exception=None):
    requete = RequestFactory().get(chemin)
    try:
        raise exception or RuntimeError("panne")
    except Exception as exc:
        log_response("%s: %s", "Réponse", chemin, response=HttpResponse(status=statut),
                     request=requete, exception=exc)
    if os.environ.get("RUNSERVER"):  # la ligne du serveur de développement pour la requête
        logging.getLogger("django.server").warning(
            '"GET %s HTTP/1.1" %s 10', chemin, statut, extra={"status_code": statut, "request": requete}
        )

repondre(403, "/interdit/", PermissionDenied())
repondre(404, "/introuvable/")
print("---", file=sys.stderr)
repondre(500, "/en-panne/")
"""


@pytest.mark.parametrize(
    ("module", "runserver"),
    [("ccas_portal.settings.dev", "1"), ("ccas_portal.settings.prod", "")],
)
def test_une_reponse_4xx_tient_en_une_ligne_sans_trace(settings, tmp_path, module, runserver):
    """Un 403 affichait deux traces dans la console de `make run` (le logger « django » de
    DEBUG et la racine). 403 et 404 : une ligne chacun (sous runserver, celle du serveur ; en
    production, celle du logger « django.request ») ; une 500 garde sa trace."""
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": module,
        "CCAS_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "essai-journal",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'essai.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        "RUNSERVER": runserver,
    }
    resultat = subprocess.run(
        [sys.executable, "-c", JOURNALISER_DES_REPONSES],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
    )
    assert resultat.returncode == 0, resultat.stderr
    clients, serveur = resultat.stderr.split("---\n")
    assert "Traceback" not in clients, clients
    for chemin in ("/interdit/", "/introuvable/"):
        assert clients.count(chemin) == 1, clients
    assert serveur.count("Traceback") == 1, serveur
    assert "RuntimeError: panne" in serveur
