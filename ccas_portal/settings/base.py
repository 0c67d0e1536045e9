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
    # Double authentification : codes TOTP d'une application et codes de secours (ADR 0024).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    # request.user.is_verified() : le second facteur a-t-il été donné dans cette session ?
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Inactivité et durée absolue de la session, parcours de connexion (code, mot de passe
    # provisoire, enrôlement), « Cache-Control: no-store » (ccas_portal/middleware.py).
    "ccas_portal.middleware.SessionBorneeMiddleware",
    "ccas_portal.middleware.ParcoursDeConnexionMiddleware",
    "ccas_portal.middleware.PasDeCacheMiddleware",
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

# Base de données : DATABASE_URL (postgres://…), sinon SQLite embarquée. Connexions gardées
# CONN_MAX_AGE secondes (60 par défaut ; 0 : une par requête ou par tâche), vérifiées avant
# d'être reprises : un worker ne se reconnecte pas à chaque lot, ni ses fils de lecture
# (ccas_portal/lectures.py, ADR 0037).
DATABASES = {
    "default": dj_database_url.parse(
        env.texte("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ccas.sqlite3'}"),
        conn_max_age=env.entier("CONN_MAX_AGE", 60),
        conn_health_checks=True,
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
# Rôle propriétaire (même base, autre rôle) : donné seulement à `migrate` et `purger_journal`,
# jamais aux processus web, workers et beat (ccas_portal/roles_base.py, ADR 0022).
DATABASE_MIGRATION_URL = env.texte("DATABASE_MIGRATION_URL", "")
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

# Durée absolue d'une session (une journée de travail), qu'elle serve ou non : au-delà, on se
# reconnecte. Et, à part, la fin d'une session inactive (30 minutes sans requête), annoncée
# deux minutes avant par static/js/inactivite.js (ccas_portal/middleware.py).
SESSION_COOKIE_AGE = env.entier("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_INACTIVITE_MINUTES = env.entier("SESSION_INACTIVITE_MINUTES", 30)
SESSION_AVERTISSEMENT_SECONDES = env.entier("SESSION_AVERTISSEMENT_SECONDES", 120)
# Frein aux essais de mots de passe (ccas_portal/connexions.py, ADR 0009) : après N échecs
# pour un identifiant en M minutes, les tentatives sont refusées jusqu'à la fin de la fenêtre,
# sauf depuis un navigateur où ce compte s'est déjà connecté (qui a son propre compteur) ;
# après CONNEXION_ECHECS_MAX_PAR_ADRESSE échecs depuis une adresse, tous identifiants
# confondus, cette adresse est freinée de même.
CONNEXION_ECHECS_MAX = env.entier("CONNEXION_ECHECS_MAX", 5)
CONNEXION_ECHECS_MAX_PAR_ADRESSE = env.entier("CONNEXION_ECHECS_MAX_PAR_ADRESSE", 20)
CONNEXION_BLOCAGE_MINUTES = env.entier("CONNEXION_BLOCAGE_MINUTES", 15)
# Le témoin « navigateur connu » d'un compte (signé) : durée de validité.
CONNEXION_NAVIGATEUR_CONNU_JOURS = env.entier("CONNEXION_NAVIGATEUR_CONNU_JOURS", 180)
CONNEXION_NAVIGATEUR_CONNU_SECURISE = False  # True en production (HTTPS)

# Double authentification (ADR 0024) : exigée des rôles admin et responsable, possible pour
# chacun ; DOUBLE_AUTHENTIFICATION_POUR_TOUS=true l'exige de tous les agents.
DOUBLE_AUTHENTIFICATION_POUR_TOUS = env.booleen("DOUBLE_AUTHENTIFICATION_POUR_TOUS", False)
OTP_TOTP_ISSUER = env.texte("PORTAIL_NOM_CCAS", "CCAS de Grenoble")
# Attente croissante entre deux codes faux (1, 2, 4, 8… secondes), par appareil.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# L'administration technique ne montre ni les clés des applications ni les codes de secours.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
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

# Pièces jointes des dossiers (droits/documents.py, ADR 0027) : un stockage à part,
# « documents », jamais servi publiquement (pas de MEDIA_URL) : seule une vue qui vérifie
# les droits du dossier du foyer lit un fichier. Sur le disque par défaut (hors de tout
# dossier servi), dans un stockage compatible S3 quand DOCUMENTS_S3_BUCKET est posé
# (django-storages ; clés par AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, lues par boto3).
DOCUMENTS_DIR = Path(env.texte("DOCUMENTS_DIR", str(VAR_DIR / "documents")))
DOCUMENTS_TAILLE_MAX_MO = env.entier("DOCUMENTS_TAILLE_MAX_MO", 10)
#: Types acceptés, vérifiés sur le contenu (signature), parmi pdf, jpeg, png.
DOCUMENTS_TYPES = env.liste("DOCUMENTS_TYPES", ["pdf", "jpeg", "png"])


def stockage_des_documents() -> dict:
    """La déclaration du stockage « documents » d'après l'environnement."""
    bucket = env.texte("DOCUMENTS_S3_BUCKET", "")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            # base_url vide : aucun fichier n'a d'adresse publique.
            "OPTIONS": {"location": str(DOCUMENTS_DIR), "base_url": None},
        }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.texte("DOCUMENTS_S3_ENDPOINT_URL", "") or None,
            "region_name": env.texte("DOCUMENTS_S3_REGION", "") or None,
            "location": env.texte("DOCUMENTS_S3_PREFIXE", "documents"),
            # Jamais de lien public ni d'écrasement : le portail relit et sert lui-même.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": stockage_des_documents(),
}

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
# Taille des lots de la détection (foyers par simulation OpenFisca) : 10 000, le meilleur débit
# mesuré sous 1,5 Go par worker (pic 1,2 Go ; balayage 2 000 / 5 000 / 10 000 dans
# docs/benchmarks.md).
DETECTION_TAILLE_LOT = env.entier("DETECTION_TAILLE_LOT", 10000)
# Un worker `--pool solo` simule un lot fictif de cette taille avant de se dire prêt : son tas
# atteint d'emblée sa taille de travail (ADR 0043). False : pas de lot fictif.
DETECTION_PRECHAUFFAGE_TAS = env.booleen("DETECTION_PRECHAUFFAGE_TAS", True)
# Lots perdus (broker redémarré sans persistance, ADR 0021) : une exécution sans activité depuis
# ce délai (secondes) voit ses lots non faits renvoyés au broker, au plus DETECTION_RELANCES_MAX
# fois ; ensuite elle est marquée échouée avec sa raison, et « Reprendre » finit les lots manquants.
DETECTION_DELAI_RELANCE = env.entier("DETECTION_DELAI_RELANCE", 15 * 60)
DETECTION_RELANCES_MAX = env.entier("DETECTION_RELANCES_MAX", 3)
# Proximité d'un seuil : chaque foyer signalé est re-simulé avec ses ressources plus basses et
# plus hautes de ce pourcentage (0 : pas de re-simulation ; ADR 0019, docs/detection.md).
DETECTION_ECART_SEUIL_POURCENT = env.entier("DETECTION_ECART_SEUIL_POURCENT", 5)
# Les foyers qui ont une aide à domicile en place (fonction ids → ensemble d'ids) : un fait des
# accompagnements, donné ici à la détection qui ne lit pas `accompagnement` (ADR 0031).
DETECTION_AIDES_A_DOMICILE = "accompagnement.selectors.foyers_avec_aide_a_domicile"
# Tableau de bord : âge maximal d'un instantané de chiffres avant recalcul à la demande
# (ccas_portal/pilotage/instantanes.py ; les périodes courantes sont recalculées chaque nuit).
PILOTAGE_FRAICHEUR_HEURES = env.entier("PILOTAGE_FRAICHEUR_HEURES", 24)
# Agrégats de la nuit (ccas_portal/pilotage/agregats.py) : les mois clos récents refaits chaque
# nuit (en plus des mois pas encore agrégés et de ceux d'une ligne écrite depuis le dernier
# calcul), et le jour de la semaine (0 : lundi … 6 : dimanche ; -1 : jamais) où tout est refait.
PILOTAGE_MOIS_REAGREGES = env.entier("PILOTAGE_MOIS_REAGREGES", 3)
PILOTAGE_AGREGATION_COMPLETE_LE = env.entier("PILOTAGE_AGREGATION_COMPLETE_LE", 6)

# Une console lisible : chaque message une fois (le gestionnaire « console » que Django pose
# sur le logger « django » en DEBUG doublait chaque message et chaque trace de la racine), et
# une réponse 4xx en une ligne, sans trace d'exception.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "sans_trace_4xx": {
            "()": "django.utils.log.CallbackFilter",
            "callback": "ext://ccas_portal.settings.console.sans_trace_pour_une_erreur_du_client",
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
# Rapport quotidien des accès inhabituels (ccas_portal/acces_inhabituels.py, docs/journal.md) :
# dossiers hors de la file habituelle ouverts en un jour par un agent ; heures de « nuit » des
# exports (heure de Paris).
JOURNAL_SEUIL_HORS_FILE = env.entier("JOURNAL_SEUIL_HORS_FILE", 20)
JOURNAL_NUIT_DEBUT = env.entier("JOURNAL_NUIT_DEBUT", 20)
JOURNAL_NUIT_FIN = env.entier("JOURNAL_NUIT_FIN", 7)
