"""Réglages communs. Toute valeur de déploiement vient d'une variable d'environnement.

Les défauts embarqués (SQLite, broker Celery sur fichiers) ne demandent aucun serveur :
ils servent à la démonstration et aux tests. En production, `prod.py` exige les vraies valeurs.
"""

from pathlib import Path

import dj_database_url

from ccas_portal.settings import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Données locales des défauts embarqués (base SQLite, files Celery) : jamais versionnées.
VAR_DIR = Path(env.texte("CCAS_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env.texte("SECRET_KEY", "dev-uniquement-cle-non-secrete-a-remplacer-en-production")
DEBUG = env.booleen("DEBUG", False)
ALLOWED_HOSTS = env.liste("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.liste("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "ccas_portal.apps.PortailAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "ccas_portal.apps.CcasPortailConfig",
    "habitants",
    "accompagnement",
    "droits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ccas_portal.middleware.EntetesSecuriteMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ccas_portal.urls"
WSGI_APPLICATION = "ccas_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ccas_portal.context_processors.portail",
            ],
            # « unlocalize » partout : un identifiant ne prend jamais de séparateur de milliers ;
            # le français des textes (accords, élision, montants) : ccas_portal/formats.py.
            "builtins": ["django.templatetags.l10n", "ccas_portal.templatetags.francais"],
        },
    },
]

# Base de données : DATABASE_URL (postgres://…), sinon SQLite embarquée.
DATABASES = {
    "default": dj_database_url.parse(
        env.texte("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ccas.sqlite3'}"),
        conn_max_age=env.entier("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Plusieurs processus (web + worker + beat) écrivent dans la même base embarquée.
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "ccas_portal.Agent"
LOGIN_URL = "connexion"
LOGIN_REDIRECT_URL = "accueil"
LOGOUT_REDIRECT_URL = "connexion"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = env.entier("SESSION_COOKIE_AGE", 8 * 3600)  # une journée de travail
# Frein aux essais de mots de passe (ccas_portal/connexions.py) : après N échecs pour un
# identifiant depuis une adresse en M minutes, les tentatives sont refusées jusqu'à la fin de
# la fenêtre.
CONNEXION_ECHECS_MAX = env.entier("CONNEXION_ECHECS_MAX", 5)
CONNEXION_BLOCAGE_MINUTES = env.entier("CONNEXION_BLOCAGE_MINUTES", 15)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Langue, fuseau, formats français.
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.texte("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise sert STATIC_ROOT (rempli par collectstatic) ; en développement, les dossiers sources.

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Nom affiché dans l'en-tête de chaque page.
PORTAIL_NOM_CCAS = env.texte("PORTAIL_NOM_CCAS", "CCAS de Grenoble")

# Celery : CELERY_BROKER_URL (redis://…), sinon un broker sur fichiers qui ne demande aucun
# serveur (kombu « filesystem »), partagé par les processus de la même machine.
CELERY_DOSSIER_EMBARQUE = VAR_DIR / "celery"
CELERY_BROKER_URL = env.texte("CELERY_BROKER_URL", "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Le transport « filesystem » de kombu, qui écrit chaque message sous un nom provisoire
    # puis le renomme (ccas_portal/broker_fichiers.py).
    CELERY_BROKER_TRANSPORT = "ccas_portal.broker_fichiers:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DOSSIER_EMBARQUE / "messages"),
        "data_folder_out": str(CELERY_DOSSIER_EMBARQUE / "messages"),
        "control_folder": str(CELERY_DOSSIER_EMBARQUE / "controle"),
        "store_processed": False,
    }
    # Le backend « file:// » de Celery, avec des écritures atomiques
    # (ccas_portal/resultats_fichiers.py).
    CELERY_RESULT_BACKEND = env.texte(
        "CELERY_RESULT_BACKEND",
        f"ccas_portal.resultats_fichiers:Resultats+file://{CELERY_DOSSIER_EMBARQUE / 'resultats'}",
    )
else:
    # Un message pris par un worker qui meurt (acks tardifs) revient dans la file après ce
    # délai : plus long que le plus long lot de détection.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.entier("CELERY_VISIBILITY_TIMEOUT", 4 * 3600)
    }
    CELERY_RESULT_BACKEND = env.texte("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TRACK_STARTED = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Deux files : `celery` (tâches courtes) et `detection` (les lots de la détection du
# non-recours, longs). Un worker sans -Q sert les deux ; en production, des workers dédiés
# (`-Q detection`) gardent la détection loin des autres tâches.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {"celery": {}, "detection": {}}
CELERY_TASK_ROUTES = {"droits.tasks.traiter_lot_detection": {"queue": "detection"}}
# Taille des lots de la détection (foyers par simulation OpenFisca) : mémoire ≈ 1,3 Go par lot
# de 10 000 foyers.
DETECTION_TAILLE_LOT = env.entier("DETECTION_TAILLE_LOT", 5000)
# Tableau de bord : âge maximal d'un instantané de chiffres avant recalcul à la demande
# (ccas_portal/pilotage/instantanes.py ; les périodes courantes sont recalculées chaque nuit).
PILOTAGE_FRAICHEUR_HEURES = env.entier("PILOTAGE_FRAICHEUR_HEURES", 24)
# Agrégats de la nuit (ccas_portal/pilotage/agregats.py) : les mois clos récents refaits chaque
# nuit (en plus des mois pas encore agrégés et de ceux d'une ligne écrite depuis le dernier
# calcul), et le jour de la semaine (0 : lundi … 6 : dimanche ; -1 : jamais) où tout est refait.
PILOTAGE_MOIS_REAGREGES = env.entier("PILOTAGE_MOIS_REAGREGES", 3)
PILOTAGE_AGREGATION_COMPLETE_LE = env.entier("PILOTAGE_AGREGATION_COMPLETE_LE", 6)

# Une console lisible : chaque message une fois (le gestionnaire « console » que Django pose
# sur le journal « django » en DEBUG doublait chaque message et chaque trace de la racine), et
# une réponse 4xx en une ligne, sans trace d'exception.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "sans_trace_4xx": {
            "()": "django.utils.log.CallbackFilter",
            "callback": "ext://ccas_portal.settings.journalisation.sans_trace_pour_une_erreur_du_client",
        }
    },
    "formatters": {"simple": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "simple",
            "filters": ["sans_trace_4xx"],
        }
    },
    "root": {"handlers": ["console"], "level": env.texte("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # « NumExpr defaulting to 2 threads » au chargement d'OpenFisca : sans intérêt.
        "numexpr": {"level": "WARNING"},
    },
}

# Personnes : durée de conservation en base active après le dernier contact, en mois. Base
# légale : référentiel CNIL de l'accompagnement social (délibération 2021-028) et son
# référentiel de durées de conservation — 2 ans après le dernier contact, puis suppression ou
# anonymisation (habitants/conservation.py, tâche mensuelle, manage.py purger_personnes).
CONSERVATION_MOIS_SANS_CONTACT = env.entier("CONSERVATION_MOIS_SANS_CONTACT", 24)

# Journal des accès : durée de conservation (référentiel CNIL : 6 à 12 mois).
JOURNAL_CONSERVATION_JOURS = env.entier("JOURNAL_CONSERVATION_JOURS", 365)
