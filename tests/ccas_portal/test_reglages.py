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
