"""Le SQL des pages épinglé dans des instantanés (syrupy, fichiers `.ambr`), comme les-emplois.

`snapshot_requetes()` (fixture de tests/conftest.py) s'emploie comme `django_assert_num_queries` :

    with snapshot_requetes():
        reponse = client.get(URL)

À la sortie du bloc, les requêtes lancées sont comparées à l'instantané du test : leur nombre,
le SQL de chacune (avec ses `%s`, sans les valeurs : identifiants, dates et jetons ne s'y
trouvent donc pas) mis en forme par sqlparse, et son origine (fonctions du portail et gabarits
qui l'ont lancée). Un épinglage qui échoue montre, dans le diff, la requête ajoutée, retirée ou
changée, et d'où elle vient.

Ce qui varie d'une exécution à l'autre est normalisé (`normaliser_sql`) : noms de savepoints et
de curseurs serveur, listes `IN (%s, …)` et lignes `VALUES (…), (…)` de longueur variable,
uuid, dates et heures écrites en toutes lettres. Un test paramétré par le nombre d'objets
(`[2]`, `[30]`) partage UN instantané pour tous ses paramètres : le même SQL doit sortir quel
que soit le nombre d'objets, ce qui démasque un N+1.

SQLite et PostgreSQL n'écrivent pas le même SQL : un fichier par moteur,
`tests/<app>/__instantanes_sql__/<moteur>/<fichier de test>.ambr`. Mise à jour (docs/adr/0032) :

    .venv/bin/python -m pytest <tests> --snapshot-update
    DATABASE_URL=postgres://… .venv/bin/python -m pytest --create-db <tests> --snapshot-update
"""

from __future__ import annotations

import linecache
import re
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlparse
from django.db import DEFAULT_DB_ALIAS, connections
from django.template.base import Node
from syrupy.extensions.amber import AmberSnapshotExtension

RACINE = Path(__file__).resolve().parent.parent
DOSSIER_TESTS = RACINE / "tests"
#: Dossiers du portail dont les fonctions forment l'origine d'une requête.
APPLICATIONS = tuple(
    str(RACINE / nom) + "/" for nom in ("ccas_portal", "habitants", "accompagnement", "droits")
)
#: Fonctions de Django qui disent d'où vient une requête quand le portail n'y est pour rien
#: (session, agent connecté, savepoints), comme l'OTHER_PACKAGES_ALLOWLIST de les-emplois.
FONCTIONS_DJANGO = {
    "_get_session_from_db": "django/contrib/sessions/backends/db.py",
    "save": "django/contrib/sessions/backends/db.py",
    "get_user": "django/contrib/auth/__init__.py",
    "count": "django/core/paginator.py",
    "__enter__": "django/db/transaction.py",
    "__exit__": "django/db/transaction.py",
}


# --- Normalisation --------------------------------------------------------------------------

_SAVEPOINT = re.compile(r'"s\d+_x\d+"')
_CURSEUR_SERVEUR = re.compile(r'"?_django_curs_\d+_(?:sync|async)_\d+"?')
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
_DATE = re.compile(r"'\d{4}-\d{2}-\d{2}(?:[ T][\d:.]+(?:[+-]\d{2}:?\d{2}|Z)?)?'")
_LISTE_IN = re.compile(r"\bIN \(\s*(?:%s\s*,\s*)*%s\s*\)", re.I)
_CHAINE = r"'(?:[^']|'')*'"
#: Django écrit certaines listes de littéraux depuis un ensemble Python (JSON_TYPE … IN
#: ('false', 'null', 'true') sur SQLite) : leur ordre suit PYTHONHASHSEED.
_LITTERAUX_IN = re.compile(rf"\bIN \(\s*({_CHAINE}(?:\s*,\s*{_CHAINE})+)\s*\)", re.I)
#: Une ligne de VALUES : parenthèses, avec au plus deux niveaux d'appels dedans (NOW(), …).
_LIGNE = r"\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)"
_VALEURS = re.compile(rf"\bVALUES ({_LIGNE})(?:,\s*{_LIGNE})+", re.I)


def _trier_litteraux(correspondance: re.Match) -> str:
    return "IN ({})".format(", ".join(sorted(re.findall(_CHAINE, correspondance.group(1)))))


def normaliser_sql(sql: str) -> str:
    """Le SQL d'une requête, sans ce qui change d'une exécution ou d'un ordre de tests à
    l'autre, mis en forme pour être lu (et comparé ligne à ligne)."""
    sql = _SAVEPOINT.sub('"<savepoint>"', sql)
    sql = _CURSEUR_SERVEUR.sub('"<curseur>"', sql)
    sql = _UUID.sub("<uuid>", sql)
    sql = _DATE.sub("'<date>'", sql)
    sql = _LISTE_IN.sub("IN (%s, …)", sql)
    sql = _LITTERAUX_IN.sub(_trier_litteraux, sql)
    sql = _VALEURS.sub(r"VALUES \1, …", sql)
    return sqlparse.format(
        sql,
        keyword_case="upper",
        reindent=True,
        reindent_align=True,
        use_space_around_operators=True,
    )


# --- Origine d'une requête ------------------------------------------------------------------


def _gabarit(cadre) -> str | None:
    """`Noeud[gabarit.html]` quand ce cadre rend un nœud de gabarit, sinon None."""
    if cadre.f_code.co_name != "render" or "django/template/" not in cadre.f_code.co_filename:
        return None
    noeud = cadre.f_locals.get("self")
    if not isinstance(noeud, Node):
        return None
    origine = getattr(noeud, "origin", None)
    nom = getattr(origine, "template_name", None) or "?"
    return f"{type(noeud).__name__}[{nom}]"


def _fonction(cadre, chemin: str) -> str:
    soi = cadre.f_locals.get("self")
    nom = cadre.f_code.co_name
    if soi is not None and not isinstance(soi, type):
        nom = f"{type(soi).__name__}.{nom}"
    return f"{nom}[{chemin}]"


def origine_de_la_requete() -> list[str]:
    """Les fonctions du portail et les gabarits qui ont lancé la requête en cours, de la plus
    proche à la plus lointaine, jusqu'au test (exclu). Sans numéro de ligne : déplacer du code
    dans une fonction ne change pas l'instantané, changer de fonction le change."""
    parties: list[str] = []
    dernier_gabarit = None
    cadre = sys._getframe(1)
    while cadre is not None:
        fichier = cadre.f_code.co_filename
        if fichier.startswith(str(DOSSIER_TESTS)) and fichier != __file__:
            break
        gabarit = _gabarit(cadre)
        if gabarit is not None:
            nom = gabarit.split("[", 1)[1]
            if nom != dernier_gabarit:  # le nœud le plus proche de chaque gabarit seulement
                parties.append(gabarit)
                dernier_gabarit = nom
        elif fichier.startswith(APPLICATIONS):
            ligne = _ligne(cadre)
            # Un middleware qui passe la main au suivant n'est pas une origine (les-emplois).
            if "get_response(request)" not in ligne:
                parties.append(_fonction(cadre, str(Path(fichier).relative_to(RACINE))))
        else:
            attendu = FONCTIONS_DJANGO.get(cadre.f_code.co_name)
            if attendu and fichier.endswith(attendu):
                parties.append(_fonction(cadre, attendu))
        cadre = cadre.f_back
    return parties


def _ligne(cadre) -> str:
    return linecache.getline(cadre.f_code.co_filename, cadre.f_lineno)


# --- Capture --------------------------------------------------------------------------------


@contextmanager
def capturer_requetes(using: str = DEFAULT_DB_ALIAS):
    """Les requêtes lancées dans le bloc, `[{"sql": …, "origine": […]}, …]` (SQL normalisé)."""
    requetes: list[dict] = []

    def enregistrer(execute, sql, params, many, context):
        requetes.append({"sql": normaliser_sql(sql), "origine": origine_de_la_requete()})
        return execute(sql, params, many, context)

    with connections[using].execute_wrapper(enregistrer):
        yield requetes


# --- Instantanés syrupy ---------------------------------------------------------------------


class ExtensionRequetes(AmberSnapshotExtension):
    """Les instantanés de SQL d'un moteur : `__instantanes_sql__/<moteur>/<fichier>.ambr`,
    un nom par test, le même pour tous les paramètres d'un test paramétré.

    Pas sous `__snapshots__` (le dossier de l'extension par défaut, parcouru récursivement) :
    une mise à jour sur un moteur ne doit jamais voir, ni donc effacer comme inutilisés, les
    instantanés de l'autre."""

    snapshot_dirname = "__instantanes_sql__"
    moteur = ""

    @classmethod
    def dirname(cls, *, test_location) -> str:
        return str(Path(test_location.filepath).parent / cls.snapshot_dirname / cls.moteur)

    @classmethod
    def get_snapshot_name(cls, *, test_location, index=0) -> str:
        nom = test_location.snapshot_name.split("[", 1)[0]
        if isinstance(index, str):
            return f"{nom}[{index}]"
        return f"{nom}.{index}" if index else nom


class RequetesSQLite(ExtensionRequetes):
    moteur = "sqlite"


class RequetesPostgreSQL(ExtensionRequetes):
    moteur = "postgresql"


EXTENSIONS = {"sqlite": RequetesSQLite, "postgresql": RequetesPostgreSQL}


def extension_du_moteur(using: str = DEFAULT_DB_ALIAS) -> type[ExtensionRequetes]:
    vendor = connections[using].vendor
    try:
        return EXTENSIONS[vendor]
    except KeyError:  # pragma: no cover - la suite ne tourne que sur ces deux moteurs
        raise AssertionError(f"Pas d'instantanés de SQL pour le moteur {vendor!r}") from None


@contextmanager
def epingler_requetes(instantane, *, nom: str | None = None, using: str = DEFAULT_DB_ALIAS):
    """Capture les requêtes du bloc et les compare à `instantane` (l'assertion syrupy du test,
    déjà sur l'extension du moteur : `snapshot.use_extension(extension_du_moteur())`)."""
    with capturer_requetes(using) as requetes:
        yield requetes
    releve = {"nombre_de_requetes": len(requetes), "requetes": requetes}
    attendu = instantane(name=nom) if nom else instantane
    assert releve == attendu


@pytest.fixture
def snapshot_requetes(snapshot):
    """`with snapshot_requetes(): …` : le SQL du bloc comparé à l'instantané du test pour le
    moteur en cours. Plusieurs blocs dans un test : `snapshot_requetes("nom")` pour chacun."""
    instantane = snapshot.use_extension(extension_du_moteur())

    def epingler(nom: str | None = None):
        return epingler_requetes(instantane, nom=nom)

    return epingler


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "instantanes_sql: épingle le SQL d'une page (posé seul sur tout test qui demande "
        "snapshot_requetes) ; `-m instantanes_sql --snapshot-update` les régénère tous",
    )


@pytest.hookimpl(tryfirst=True)  # avant pytest-xdist, qui lit xdist_group au même moment
def pytest_collection_modifyitems(items):
    for item in items:
        if "snapshot_requetes" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.instantanes_sql)
            # Les instantanés d'un fichier dans un même processus (make test : --dist
            # loadgroup) : un processus qui n'en jouerait qu'une partie croirait les autres
            # inutilisés.
            item.add_marker(pytest.mark.xdist_group(f"instantanes:{item.module.__name__}"))
