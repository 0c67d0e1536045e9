"""Production : PostgreSQL, Redis, HTTPS. Aucune valeur secrète n'a de défaut ici."""

import os

from ccas_portal.settings import env

os.environ.setdefault("DEBUG", "false")
# Échoue au démarrage plutôt que de tourner avec une clé publique.
env.texte("SECRET_KEY")
env.texte("DATABASE_URL")
env.texte("CELERY_BROKER_URL")

from ccas_portal.settings.base import *  # noqa: E402,F403

SECURE_SSL_REDIRECT = env.booleen("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.entier("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "documents": stockage_des_documents(),  # noqa: F405
}
