"""Le journal en ajout seul face au rôle du portail, sur un vrai PostgreSQL (ADR 0022).

Une base neuve et deux rôles au nom propre à ce test (créés puis supprimés par lui : les rôles
sont communs à tout le serveur) ; le SQL des rôles est celui de `manage.py roles_postgresql`,
la base est migrée par `manage.py migrate` avec le rôle propriétaire (DATABASE_MIGRATION_URL),
puis une vraie connexion du rôle du portail essaie de retoucher le journal.
"""

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import dj_database_url
import psycopg
import pytest
from django.conf import settings
from django.utils import timezone
from psycopg import errors

from ccas_portal.roles_base import sql_roles

RACINE = settings.BASE_DIR
BASE = settings.DATABASES["default"]

pytestmark = [
    pytest.mark.lent,
    # Fixture de module coûteuse (une base, deux rôles) : tout le module dans un même processus.
    pytest.mark.xdist_group("roles_postgresql"),
    pytest.mark.skipif(
        "postgresql" not in BASE["ENGINE"],
        reason="rôles et droits de PostgreSQL : passe PostgreSQL de la suite (DATABASE_URL)",
    ),
]

TABLE = "ccas_portal_entreejournal"

#: Qui crée la base et les rôles du test : un superutilisateur. Dans la passe à deux rôles de
#: .ci/run, la suite se connecte comme le portail, qui ne le peut pas : DATABASE_SUPERUSER_URL.
SUPER = (
    dj_database_url.parse(os.environ["DATABASE_SUPERUSER_URL"])
    if os.environ.get("DATABASE_SUPERUSER_URL")
    else {"USER": BASE["USER"], "PASSWORD": BASE.get("PASSWORD")}
)


def _url(role, nom_base):
    return f"postgres://{role}@{BASE['HOST'] or '127.0.0.1'}:{BASE['PORT'] or 5432}/{nom_base}"


def _connexion(role, nom_base):
    return psycopg.connect(
        host=BASE["HOST"] or "127.0.0.1",
        port=BASE["PORT"] or 5432,
        user=role,
        password=SUPER.get("PASSWORD") or None if role == SUPER["USER"] else None,
        dbname=nom_base,
        autocommit=True,
    )


def _manage(*arguments, env):
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=RACINE,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ccas_portal.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def base_a_deux_roles():
    suffixe = uuid.uuid4().hex[:8]
    proprietaire, portail = f"ccas_t{suffixe}_proprietaire", f"ccas_t{suffixe}_portail"
    nom_base = f"ccas_t{suffixe}"
    superutilisateur = _connexion(SUPER["USER"], "postgres")
    superutilisateur.execute(f"CREATE DATABASE {nom_base}")
    try:
        with _connexion(SUPER["USER"], nom_base) as c:
            for instruction in sql_roles(proprietaire=proprietaire, portail=portail, base=nom_base):
                c.execute(instruction)
        env_portail = {"DATABASE_URL": _url(portail, nom_base), "DATABASE_MIGRATION_URL": ""}
        env_proprietaire = {**env_portail, "DATABASE_MIGRATION_URL": _url(proprietaire, nom_base)}
        migration = _manage("migrate", "--noinput", env=env_proprietaire)
        assert migration.returncode == 0, migration.stderr[-3000:]
        assert "rôle propriétaire" in migration.stdout
        yield {
            "base": nom_base,
            "proprietaire": proprietaire,
            "portail": portail,
            "env_portail": env_portail,
            "env_proprietaire": env_proprietaire,
        }
    finally:
        superutilisateur.execute(f"DROP DATABASE IF EXISTS {nom_base} WITH (FORCE)")
        superutilisateur.execute(f"DROP ROLE IF EXISTS {portail}")
        superutilisateur.execute(f"DROP ROLE IF EXISTS {proprietaire}")
        superutilisateur.close()


@pytest.fixture
def portail(base_a_deux_roles):
    with _connexion(base_a_deux_roles["portail"], base_a_deux_roles["base"]) as c:
        yield c


def _entree(connexion, horodatage=None):
    colonnes = "agent_libelle, action, objet_type, objet_id, details"
    valeurs = "'essai', 'consultation', 'test', '1', '{}'"
    if horodatage is not None:
        colonnes += ", horodatage"
        valeurs += f", '{horodatage.isoformat()}'"
    return connexion.execute(
        f"INSERT INTO {TABLE} ({colonnes}) VALUES ({valeurs}) RETURNING id, horodatage"
    ).fetchone()


def test_le_portail_ecrit_et_lit_le_journal_avec_l_heure_de_la_base(portail):
    _, horodatage = _entree(portail)
    assert abs(horodatage - datetime.now(UTC)) < timedelta(minutes=1)
    assert portail.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] >= 1


def test_le_portail_ne_peut_pas_antidater_une_entree(portail):
    il_y_a_deux_ans = datetime.now(UTC) - timedelta(days=730)
    _, horodatage = _entree(portail, il_y_a_deux_ans)
    assert abs(horodatage - datetime.now(UTC)) < timedelta(minutes=1)
    _, dans_un_an = _entree(portail, datetime.now(UTC) + timedelta(days=365))
    assert abs(dans_un_an - datetime.now(UTC)) < timedelta(minutes=1)


def _intact(portail, ident):
    (reste,) = portail.execute(f"SELECT action FROM {TABLE} WHERE id = %s", [ident]).fetchone()
    assert reste == "consultation"
    (actifs,) = portail.execute(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
        "AND tgenabled = 'O'",
        [TABLE],
    ).fetchone()
    assert actifs == 2  # journal_ajout_seulement, journal_horodatage_par_la_base


@pytest.mark.parametrize(
    "instruction",
    [
        f"UPDATE {TABLE} SET action = 'export'",
        f"DELETE FROM {TABLE}",
        f"TRUNCATE {TABLE}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER journal_ajout_seulement",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
        f"DROP TRIGGER journal_horodatage_par_la_base ON {TABLE}",
        f"DROP TABLE {TABLE}",
        "SET session_replication_role = replica",
        "CREATE TABLE contournement (id int)",
    ],
)
def test_le_portail_ne_peut_ni_modifier_ni_vider_ni_desarmer_le_journal(portail, instruction):
    ident, _ = _entree(portail)
    with pytest.raises(errors.InsufficientPrivilege):
        portail.execute(instruction)
    _intact(portail, ident)


def test_le_portail_ne_peut_pas_s_accorder_de_droits_sur_le_journal(portail):
    ident, _ = _entree(portail)
    # GRANT sans le droit d'accorder n'échoue pas : PostgreSQL avertit et n'accorde rien.
    portail.execute(f"GRANT DELETE, TRUNCATE ON {TABLE} TO PUBLIC")
    with pytest.raises(errors.InsufficientPrivilege):
        portail.execute(f"DELETE FROM {TABLE} WHERE id = %s", [ident])
    with pytest.raises(errors.InsufficientPrivilege):
        portail.execute(f"TRUNCATE {TABLE}")
    _intact(portail, ident)


def test_le_portail_garde_ses_droits_sur_les_autres_tables(portail):
    portail.execute(
        "INSERT INTO django_session (session_key, session_data, expire_date) "
        "VALUES ('essai-roles', 'x', now())"
    )
    portail.execute(
        "UPDATE django_session SET session_data = 'y' WHERE session_key = 'essai-roles'"
    )
    portail.execute("DELETE FROM django_session WHERE session_key = 'essai-roles'")


def test_le_portail_journalise_par_django_avec_l_heure_de_la_base(base_a_deux_roles):
    script = (
        "from ccas_portal.journal import journaliser;"
        "e = journaliser(agent=None, action='consultation', objet_type='test', objet_id='django');"
        "print('HORODATAGE', e.horodatage.isoformat())"
    )
    resultat = _manage("shell", "-c", script, env=base_a_deux_roles["env_portail"])
    assert resultat.returncode == 0, resultat.stderr[-3000:]
    ligne = next(x for x in resultat.stdout.splitlines() if x.startswith("HORODATAGE"))
    horodatage = ligne.split()[1]
    assert abs(datetime.fromisoformat(horodatage) - timezone.now()) < timedelta(minutes=1)


def test_le_portail_tourne_avec_son_role(base_a_deux_roles):
    """Le rôle du portail suffit au travail ordinaire : référentiels, tâches planifiées,
    population de démonstration (écritures en masse par COPY), vérification des services."""
    env = {**base_a_deux_roles["env_portail"], "DEBUG": "true"}
    for commande in (
        ["charger_referentiels", "--wet-run"],
        ["demo_data", "--wet-run", "--foyers", "20", "--jours", "5"],
    ):
        resultat = _manage(*commande, env=env)
        assert resultat.returncode == 0, (commande, resultat.stderr[-3000:])
    with _connexion(base_a_deux_roles["portail"], base_a_deux_roles["base"]) as portail:
        (foyers,) = portail.execute("SELECT count(*) FROM habitants_foyer").fetchone()
        assert foyers == 20
        (taches,) = portail.execute(
            "SELECT count(*) FROM django_celery_beat_periodictask "
            "WHERE task = 'ccas_portal.rapport_acces_inhabituels'"
        ).fetchone()
        assert taches == 1


def test_la_purge_legale_se_fait_avec_le_role_proprietaire_seulement(base_a_deux_roles):
    b = base_a_deux_roles
    with _connexion(b["proprietaire"], b["base"]) as proprietaire:
        # Le propriétaire (migrations, reprise d'un ancien journal) peut dater une entrée.
        ancienne, horodatage = _entree(proprietaire, datetime.now(UTC) - timedelta(days=400))
        assert horodatage < datetime.now(UTC) - timedelta(days=399)
        recente, _ = _entree(proprietaire)

    refus = _manage("purger_journal", "--wet-run", env=b["env_portail"])
    assert refus.returncode != 0
    assert "seul le rôle propriétaire" in refus.stderr

    purge = _manage("purger_journal", "--wet-run", env=b["env_proprietaire"])
    assert purge.returncode == 0, purge.stderr[-3000:]
    assert "1 entrée antérieure" in purge.stdout
    with _connexion(b["portail"], b["base"]) as portail:
        restantes = {
            i
            for (i,) in portail.execute(
                f"SELECT id FROM {TABLE} WHERE id IN (%s, %s)", [ancienne, recente]
            )
        }
        assert restantes == {recente}
        (purges,) = portail.execute(
            f"SELECT count(*) FROM {TABLE} WHERE action = 'purge'"
        ).fetchone()
        assert purges == 1
