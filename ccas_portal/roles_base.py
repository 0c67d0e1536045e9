"""Deux rôles PostgreSQL (ADR 0022) : le propriétaire du schéma et le rôle du portail.

- Le **propriétaire** crée et modifie les tables (`manage.py migrate`) et purge le journal au-delà
  de sa durée de conservation (`manage.py purger_journal`). Ses identifiants ne sont donnés
  qu'à ces commandes, par `DATABASE_MIGRATION_URL` (même base que `DATABASE_URL`, autre rôle).
- Le **rôle du portail** (`DATABASE_URL` des processus web, workers et beat) lit et écrit les
  données, mais n'a sur le journal des accès que SELECT et INSERT : ni UPDATE, ni DELETE, ni
  TRUNCATE ; n'étant pas propriétaire, il ne peut pas désactiver les déclencheurs ; et le
  déclencheur d'insertion impose l'horodatage de la base (migration ccas_portal 0008).

`sql_roles(...)` écrit le SQL, idempotent, à passer par un superutilisateur (`manage.py
roles_postgresql … | psql`) ; le test de la passe PostgreSQL passe exactement ce SQL.
"""

import re
from contextlib import contextmanager

import dj_database_url
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

TABLE_JOURNAL = "ccas_portal_entreejournal"
_NOM = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

#: Droits que seul le propriétaire garde sur le journal.
DROITS_RETIRES_DU_JOURNAL = "UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES"


def _verifier_nom(nom: str) -> str:
    if not _NOM.match(nom):
        raise ValueError(
            f"Nom {nom!r} refusé : lettres minuscules sans accent, chiffres et « _ » seulement."
        )
    return nom


def _creer_role(nom: str) -> str:
    return (
        "DO $$ BEGIN\n"
        f"    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{nom}') THEN\n"
        f"        CREATE ROLE {nom} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;\n"
        "    END IF;\n"
        "END $$;"
    )


def sql_roles(*, proprietaire: str, portail: str, base: str) -> list[str]:
    """Les instructions, dans l'ordre, à passer connecté à `base` par un superutilisateur.

    Rejouables : avant la première migration (les tables à venir reçoivent les droits par
    défaut du propriétaire) comme après (droits sur les tables existantes, retrait de nouveau
    des droits d'écriture sur le journal).
    """
    proprietaire, portail, base = map(_verifier_nom, (proprietaire, portail, base))
    if proprietaire == portail:
        raise ValueError("Le propriétaire et le rôle du portail doivent être deux rôles.")
    return [
        _creer_role(proprietaire),
        _creer_role(portail),
        f"ALTER DATABASE {base} OWNER TO {proprietaire};",
        f"REVOKE ALL ON DATABASE {base} FROM PUBLIC;",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {base} TO {portail};",
        f"ALTER SCHEMA public OWNER TO {proprietaire};",
        "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
        f"GRANT USAGE ON SCHEMA public TO {portail};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {proprietaire} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {portail};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {proprietaire} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {portail};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {portail};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {portail};",
        "DO $$ BEGIN\n"
        f"    IF to_regclass('public.{TABLE_JOURNAL}') IS NOT NULL THEN\n"
        f"        REVOKE {DROITS_RETIRES_DU_JOURNAL} ON {TABLE_JOURNAL} FROM PUBLIC, {portail};\n"
        "    END IF;\n"
        "END $$;",
    ]


def _identifiants_du_proprietaire(alias: str) -> dict | None:
    url = getattr(settings, "DATABASE_MIGRATION_URL", "")
    if not url:
        return None
    proprietaire = dj_database_url.parse(url)
    reglages = connections[alias].settings_dict
    if (proprietaire["ENGINE"], proprietaire["NAME"]) != (reglages["ENGINE"], reglages["NAME"]):
        raise ImproperlyConfigured(
            "DATABASE_MIGRATION_URL doit désigner la même base que DATABASE_URL "
            f"({reglages['NAME']}) : seul le rôle change."
        )
    return {cle: proprietaire[cle] for cle in CLES_DU_ROLE}


#: Ce qui distingue les deux rôles dans les réglages d'une connexion (la base est la même).
CLES_DU_ROLE = ("USER", "PASSWORD", "HOST", "PORT")


def changer_de_role(alias: str, identifiants: dict) -> dict:
    """Ferme la connexion `alias` et lui donne ces identifiants ; renvoie les précédents."""
    connexion = connections[alias]
    reglages = connexion.settings_dict
    avant = {cle: reglages[cle] for cle in CLES_DU_ROLE}
    connexion.close()
    reglages.update(identifiants)
    return avant


def passer_en_proprietaire(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Fait passer la connexion `alias` de ce processus au rôle propriétaire, si
    `DATABASE_MIGRATION_URL` est donné (commande `migrate`, qui finit le processus).

    Renvoie False sans rien changer sinon (démonstration, tests, base à un seul rôle).
    """
    identifiants = _identifiants_du_proprietaire(alias)
    if identifiants is None:
        return False
    changer_de_role(alias, identifiants)
    return True


@contextmanager
def en_proprietaire(alias: str = DEFAULT_DB_ALIAS):
    """Le temps du bloc, la connexion `alias` est celle du rôle propriétaire (si
    `DATABASE_MIGRATION_URL` est donné), puis revient au rôle du portail : `purger_journal`,
    et `flush` qui vide les tables entre deux tests transactionnels (TRUNCATE du journal).

    Donne True si le rôle a changé. À ne pas ouvrir dans une transaction en cours : la
    connexion est fermée à l'entrée et à la sortie.
    """
    identifiants = _identifiants_du_proprietaire(alias)
    if identifiants is None:
        yield False
        return
    avant = changer_de_role(alias, identifiants)
    try:
        yield True
    finally:
        changer_de_role(alias, avant)
