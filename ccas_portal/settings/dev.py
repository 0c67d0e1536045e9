"""Poste de développement et démonstration (`make run`) : défauts embarqués, DEBUG actif."""

import os

os.environ.setdefault("DEBUG", "true")

from ccas_portal.settings.base import *  # noqa: F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise le veut présent)

# Le serveur de développement écrit déjà une ligne par requête (« "GET /… HTTP/1.1" 403 … ») :
# le journal des requêtes ne répète que les erreurs du serveur (5xx, avec leur trace).
LOGGING = {
    **LOGGING,  # noqa: F405
    "loggers": {**LOGGING["loggers"], "django.request": {"level": "ERROR"}},  # noqa: F405
}
