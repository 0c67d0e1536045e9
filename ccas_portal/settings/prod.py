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
# Derrière le mandataire TLS : waitress ne laisse passer X-Forwarded-Proto que d'un mandataire
# déclaré (`--trusted-proxy`, `--trusted-proxy-headers`, commande du README) ; sinon Django
# croit la requête en HTTP et la redirection HTTPS boucle (tests/ccas_portal/test_serveur.py).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.entier("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# L'en-tête HSTS se déclare prêt pour la liste de préchargement des navigateurs (`check
# --deploy` sans avertissement) ; l'inscription elle-même reste une démarche du propriétaire
# du domaine. SECURE_HSTS_PRELOAD=false si le domaine ne doit pas y figurer.
SECURE_HSTS_PRELOAD = env.booleen("SECURE_HSTS_PRELOAD", True)
# Le témoin « navigateur connu » du frein aux essais de connexion : HTTPS seulement.
CONNEXION_NAVIGATEUR_CONNU_SECURISE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "documents": stockage_des_documents(),  # noqa: F405
}
