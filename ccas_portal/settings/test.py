"""Suite de tests : défauts embarqués, ou PostgreSQL/Redis si DATABASE_URL/CELERY_BROKER_URL."""

import os
import tempfile

# Chaque session de tests a ses propres files Celery et fichiers statiques. En parallèle
# (pytest-xdist), chaque processus de test (gw0, gw1…) a son sous-dossier : son broker sur
# fichiers, ses pièces jointes, ses fichiers statiques. Les programmes qu'un test lance
# héritent de PYTEST_XDIST_WORKER et de CCAS_VAR_DIR_DE : ils gardent le dossier de ce test.
_PROCESSUS = os.environ.get("PYTEST_XDIST_WORKER", "")
if _PROCESSUS and os.environ.get("CCAS_VAR_DIR_DE") != _PROCESSUS:
    _commun = os.environ.get("CCAS_VAR_DIR") or tempfile.mkdtemp(prefix="ccas-tests-")
    os.environ["CCAS_VAR_DIR"] = os.path.join(_commun, _PROCESSUS)
    os.environ["CCAS_VAR_DIR_DE"] = _PROCESSUS
os.environ.setdefault("CCAS_VAR_DIR", tempfile.mkdtemp(prefix="ccas-tests-"))

from ccas_portal.settings.base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Une connexion par requête ou par tâche : un worker lancé dans un fil du processus de test,
# ou ses fils de lecture, ne gardent pas de connexion ouverte sur la base de test, qui doit
# pouvoir être supprimée en fin de session.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": stockage_des_documents(),  # noqa: F405
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise le veut présent)

# Sur Redis, les processus de test parallèles partagent la base Redis de CELERY_BROKER_URL :
# chacun préfixe ses clés et ses canaux (files, résultats, ping de contrôle), qu'un worker
# Celery lancé par un test de gw0 ne prenne jamais une tâche de gw1.
if _PROCESSUS and CELERY_BROKER_URL.startswith("redis"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "global_keyprefix": f"tests-{_PROCESSUS}:",
    }
    if CELERY_RESULT_BACKEND.startswith("redis"):  # noqa: F405
        CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"tests-{_PROCESSUS}:"}
