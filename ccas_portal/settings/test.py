"""Suite de tests : défauts embarqués, ou PostgreSQL/Redis si DATABASE_URL/CELERY_BROKER_URL."""

import os
import tempfile

# Chaque session de tests a ses propres files Celery et fichiers statiques.
os.environ.setdefault("CCAS_VAR_DIR", tempfile.mkdtemp(prefix="ccas-tests-"))

from ccas_portal.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": stockage_des_documents(),  # noqa: F405
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise le veut présent)
