# Portail du CCAS — les commandes d'un nouvel arrivant : `make run`, `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLE := $(VENV)/.installe
ADRESSE ?= 127.0.0.1
PORT ?= 8000
# Les sorties détaillées (pip, migrations, démo) vont dans des journaux : la console garde une
# ligne par étape, puis l'adresse et les comptes.
VAR_DIR ?= $(or $(CCAS_VAR_DIR),var)
JOURNAL_INSTALLATION := $(VAR_DIR)/installation.log
JOURNAL_DEMARRAGE := $(VAR_DIR)/demarrage.log
# « $(ETAPE) JOURNAL COMMANDE… » : la sortie de la commande s'ajoute au journal ; en cas
# d'échec, la console donne le chemin du journal et sa fin.
ETAPE = etape() { journal=$$1; shift; mkdir -p "$$(dirname "$$journal")"; \
  if ! "$$@" >>"$$journal" 2>&1; then \
    echo "Échec de : $$*" >&2; echo "Journal complet : $$journal ; sa fin :" >&2; \
    tail -n 40 "$$journal" >&2; return 1; fi; }; etape

.PHONY: install run test test-rapide quality navigateur pdftotext clean

# OpenFisca-France, version exacte (barèmes et formules datés), installé SANS ses dépendances :
# il exige openfisca-core[web-api], dont l'extra tire gunicorn 21.2 (CVE-2024-1135,
# CVE-2024-6827), Flask et Flask-Cors, que le portail n'importe pas ; ses autres dépendances
# (openfisca-core sans l'extra, numpy < 2.4) sont dans pyproject.toml. RETIRES_WEB_API : ce que
# tirait cet extra, retiré d'un environnement installé avant (ADR 0025).
OPENFISCA_FRANCE := openfisca-france==176.1.8
RETIRES_WEB_API := gunicorn Flask-Cors Flask

$(INSTALLE): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 attendu")'
	@echo "Installation des dépendances (quelques minutes la première fois ; détail : $(JOURNAL_INSTALLATION))…"
	@mkdir -p $(VAR_DIR) && date >$(JOURNAL_INSTALLATION)
	@$(ETAPE) $(JOURNAL_INSTALLATION) $(PYTHON) -m venv $(VENV)
	@$(ETAPE) $(JOURNAL_INSTALLATION) $(PY) -m pip install --progress-bar off --upgrade pip
	@$(ETAPE) $(JOURNAL_INSTALLATION) $(PY) -m pip install --progress-bar off -e '.[dev]'
	@# OpenFisca-France sans l'extra web-api de son cœur (serveur et Flask inutiles, failles
	@# connues) ; puis on retire ces paquets d'un environnement installé avant : ADR 0025.
	@$(ETAPE) $(JOURNAL_INSTALLATION) $(PY) -m pip install --progress-bar off --no-deps "$(OPENFISCA_FRANCE)"
	@$(ETAPE) $(JOURNAL_INSTALLATION) $(PY) -m pip uninstall -y -q $(RETIRES_WEB_API)
	@$(ETAPE) $(JOURNAL_INSTALLATION) $(PY) -m pip check
	@touch $@

install: $(INSTALLE)

## make run : installe, migre, charge référentiels et démo, lance web + worker + beat.
run: install
	@mkdir -p $(VAR_DIR) && date >$(JOURNAL_DEMARRAGE)
	@echo "Base de données (détail : $(JOURNAL_DEMARRAGE))…"
	@$(ETAPE) $(JOURNAL_DEMARRAGE) $(PY) manage.py migrate --noinput
	@$(ETAPE) $(JOURNAL_DEMARRAGE) $(PY) manage.py charger_referentiels --wet-run
	@echo "Données de démonstration…"
	@$(ETAPE) $(JOURNAL_DEMARRAGE) $(PY) manage.py demo_data --wet-run --detection
	@$(PY) manage.py lancer --adresse $(ADRESSE) --port $(PORT)

## make test : toute la suite (SQLite et broker sur fichiers, ou DATABASE_URL/CELERY_BROKER_URL),
## en parallèle : un processus par cœur, les tests répartis un à un, sauf les groupes
## `xdist_group` (fixture de module coûteuse, instantanés d'un fichier) gardés ensemble (ADR 0029).
## PARALLELE= (vide) pour un seul processus.
PARALLELE ?= -n auto --dist loadgroup
test: install navigateur
	$(PY) -m pytest $(PARALLELE) $(PYTEST_ARGS)

## make test-rapide : la suite sans navigateur ni lancement de processus.
test-rapide: install pdftotext
	$(PY) -m pytest $(PARALLELE) -m "not navigateur and not lent" $(PYTEST_ARGS)

## make quality : ruff, format, migrations à jour, et le contrat des couches (lint-imports,
## [tool.importlinter] de pyproject.toml ; docs/architecture.md, « Couches »).
quality: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=ccas_portal.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

## Chromium de Debian et sa traduction française (dates jj/mm/aaaa) pour les parcours navigateur
## (installés s'ils manquent et qu'on est root),
## et pdftotext, qui relit les PDF du droit d'accès dans les tests.
navigateur: pdftotext
	@if [ -n "$$CHROMIUM_PATH" ]; then exit 0; fi; \
	if command -v chromium >/dev/null && [ -e /usr/lib/chromium/locales/fr.pak ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installation de Chromium (paquets Debian chromium, chromium-driver, chromium-l10n)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver chromium-l10n >/dev/null; \
	else \
	  echo "Chromium manque, ou sa traduction française : installez les paquets Debian" \
	       "chromium, chromium-driver et chromium-l10n, ou donnez son chemin dans CHROMIUM_PATH." >&2; exit 1; \
	fi

## pdftotext (paquet Debian poppler-utils) : les tests lisent le PDF du droit d'accès avec lui.
pdftotext:
	@if command -v pdftotext >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installation de pdftotext (paquet Debian poppler-utils)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	else \
	  echo "pdftotext manque : installez le paquet Debian poppler-utils." >&2; exit 1; \
	fi

clean:
	rm -rf $(VENV) var tests/artefacts .pytest_cache .ruff_cache
