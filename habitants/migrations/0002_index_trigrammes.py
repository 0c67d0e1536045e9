"""PostgreSQL seulement : pg_trgm et index GIN trigrammes pour la recherche tolérante.

Les colonnes indexées sont déjà normalisées (sans accents, minuscules) par le service, ce qui
joue le rôle d'unaccent sans fonction non IMMUTABLE dans l'index. Sans effet sur SQLite.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = [
    ("habitant_recherche_trgm", "habitants_habitant", "recherche"),
    ("foyer_adresse_trgm", "habitants_foyer", "adresse_normalisee"),
]


def creer_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom, table, colonne in INDEX:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {nom} ON {table} USING gin ({colonne} gin_trgm_ops)"
        )


def supprimer_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom, _, _ in INDEX:
        schema_editor.execute(f"DROP INDEX IF EXISTS {nom}")


class Migration(migrations.Migration):
    dependencies = [("habitants", "0001_registre")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(creer_index, supprimer_index),
    ]
