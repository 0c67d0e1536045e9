"""Le journal n'accepte que des ajouts : déclencheurs en base.

PostgreSQL (production) : toute modification est refusée ; une suppression aussi, sauf pour
une entrée de plus de 183 jours (6 mois, le minimum de conservation du référentiel CNIL), ce
que fait `manage.py purger_journal`. Le rôle de base de données du portail ne doit pas avoir le
droit TRUNCATE sur cette table (un TRUNCATE ne déclenche pas les déclencheurs par ligne).
SQLite (démonstration) : les modifications sont refusées ; les suppressions ne le sont pas,
car la remise à zéro des tests y passe par DELETE.
"""

from django.db import migrations

TABLE = "ccas_portal_entreejournal"

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION journal_ajout_seulement() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'Le journal des accès ne se modifie pas.';
    END IF;
    IF OLD.horodatage > now() - interval '183 days' THEN
        RAISE EXCEPTION 'Une entrée du journal de moins de 6 mois ne se supprime pas.';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER journal_ajout_seulement BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION journal_ajout_seulement();
"""

SQLITE = [
    f"""CREATE TRIGGER journal_pas_de_modification BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'Le journal des accès ne se modifie pas.'); END;""",
]


def creer(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for sql in SQLITE:
            schema_editor.execute(sql)


def supprimer(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS journal_ajout_seulement ON {TABLE}")
        schema_editor.execute("DROP FUNCTION IF EXISTS journal_ajout_seulement()")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS journal_pas_de_modification")


class Migration(migrations.Migration):
    dependencies = [("ccas_portal", "0002_journal")]

    operations = [migrations.RunPython(creer, supprimer)]
