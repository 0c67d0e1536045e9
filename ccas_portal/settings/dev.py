"""Poste de développement et démonstration (`make run`) : défauts embarqués, DEBUG actif."""

import os

os.environ.setdefault("DEBUG", "true")

from ccas_portal.settings.base import *  # noqa: F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise le veut présent)
