# Portail du CCAS — les commandes d'un nouvel arrivant : `make run`, `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLE := $(VENV)/.installe
ADRESSE ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-rapide quality navigateur clean

$(INSTALLE): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 attendu")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip check
	@touch $@

install: $(INSTALLE)

## make run : installe, migre, charge référentiels et démo, lance web + worker + beat.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py charger_referentiels --wet-run
	$(PY) manage.py demo_data --wet-run --detection
	$(PY) manage.py lancer --adresse $(ADRESSE) --port $(PORT)

## make test : toute la suite (SQLite et broker sur fichiers, ou DATABASE_URL/CELERY_BROKER_URL).
test: install navigateur
	$(PY) -m pytest $(PYTEST_ARGS)

## make test-rapide : la suite sans navigateur ni lancement de processus.
test-rapide: install
	$(PY) -m pytest -m "not navigateur and not lent" $(PYTEST_ARGS)

quality: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=ccas_portal.settings.test $(PY) manage.py makemigrations --check --dry-run

## Chromium de Debian pour les parcours navigateur (installé s'il manque et qu'on est root).
navigateur:
	@if [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installation de Chromium (paquets Debian chromium, chromium-driver)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
	  echo "Chromium manque : installez les paquets Debian chromium et chromium-driver," \
	       "ou donnez son chemin dans CHROMIUM_PATH." >&2; exit 1; \
	fi

clean:
	rm -rf $(VENV) var tests/artefacts .pytest_cache .ruff_cache
