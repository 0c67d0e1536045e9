"""La suite sous PostgreSQL avec les deux rôles de la production (ADR 0022).

Quand `DATABASE_MIGRATION_URL` est donné (passe PostgreSQL de `.ci/run`) : le rôle
propriétaire crée la base de test et la migre, reçoit le SQL des rôles de
`manage.py roles_postgresql`, puis toute la suite se connecte avec le rôle du portail
(`DATABASE_URL`), qui n'a sur le journal que SELECT et INSERT. Seuls `migrate`, `flush` (entre
deux tests transactionnels) et `purger_journal` repassent au propriétaire, comme en production.

Sans `DATABASE_MIGRATION_URL` (SQLite, ou PostgreSQL à un seul rôle), rien ne change.
"""

import os

import dj_database_url
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from ccas_portal.models import EntreeJournal
from ccas_portal.roles_base import CLES_DU_ROLE, changer_de_role, en_proprietaire, sql_roles

#: La passe à deux rôles : les tests qui écrivent des entrées du journal datées du passé sont
#: transactionnels (le changement de rôle ferme la connexion, impossible dans la transaction
#: d'un test ordinaire). `pytest.mark.django_db(transaction=DEUX_ROLES)`.
DEUX_ROLES = bool(os.environ.get("DATABASE_MIGRATION_URL"))

_etat: dict = {}


def actif() -> bool:
    return bool(settings.DATABASE_MIGRATION_URL) and (
        connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
    )


def avant_la_creation() -> None:
    """La base de test sera créée et migrée par le propriétaire (le rôle du portail ne peut
    pas créer de base)."""
    if not actif():
        return
    proprietaire = dj_database_url.parse(settings.DATABASE_MIGRATION_URL)
    _etat["url"] = settings.DATABASE_MIGRATION_URL
    _etat["proprietaire"] = {cle: proprietaire[cle] for cle in CLES_DU_ROLE}
    _etat["portail"] = changer_de_role(DEFAULT_DB_ALIAS, _etat["proprietaire"])
    # La connexion est déjà celle du propriétaire : `migrate` n'a pas à changer de rôle.
    settings.DATABASE_MIGRATION_URL = ""


def apres_la_creation() -> None:
    """Droits des deux rôles sur la base de test, puis la suite passe au rôle du portail."""
    if not _etat:
        return
    connexion = connections[DEFAULT_DB_ALIAS]
    nom_base = connexion.settings_dict["NAME"]
    with connexion.cursor() as curseur:
        for instruction in sql_roles(
            proprietaire=_etat["proprietaire"]["USER"],
            portail=_etat["portail"]["USER"],
            base=nom_base,
        ):
            curseur.execute(instruction)
    # `migrate`, `flush` et `purger_journal` retrouvent le propriétaire, sur la base de test.
    url = dj_database_url.parse(_etat["url"])
    settings.DATABASE_MIGRATION_URL = (
        f"postgres://{url['USER']}{':' + url['PASSWORD'] if url['PASSWORD'] else ''}"
        f"@{url['HOST'] or '127.0.0.1'}:{url['PORT'] or 5432}/{nom_base}"
    )
    changer_de_role(DEFAULT_DB_ALIAS, _etat["portail"])


def avant_la_suppression() -> None:
    if _etat:
        changer_de_role(DEFAULT_DB_ALIAS, _etat["proprietaire"])


def role_courant() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as curseur:
        curseur.execute("SELECT current_user")
        return curseur.fetchone()[0]


def entree_datee(**champs) -> EntreeJournal:
    """Une entrée du journal datée du passé (`horodatage`), comme la reprise d'un ancien journal
    par le rôle propriétaire : pour le rôle du portail, la base impose l'heure (migration
    ccas_portal 0010)."""
    if _etat and connections[DEFAULT_DB_ALIAS].in_atomic_block:
        raise RuntimeError(
            "Passe à deux rôles : marquer ce test django_db(transaction=DEUX_ROLES) pour écrire "
            "une entrée datée."
        )
    with en_proprietaire():
        return EntreeJournal.objects.create(**champs)
