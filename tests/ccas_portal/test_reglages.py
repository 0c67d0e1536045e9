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
        env=env_vide, capture_output=True, text=True, check=False, cwd=settings.BASE_DIR,
    )
    assert resultat.returncode != 0
    assert "SECRET_KEY est obligatoire" in resultat.stderr
