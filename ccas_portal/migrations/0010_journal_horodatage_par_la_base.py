"""Le journal, vraiment en ajout seul (ADR 0022).

- L'horodatage est posé par la base : `DEFAULT` (Now()), et sous PostgreSQL un déclencheur
  BEFORE INSERT l'impose à tout rôle qui n'est pas propriétaire de la table : le rôle du
  portail ne peut pas écrire une entrée datée du passé (ni du futur). Le rôle propriétaire
  (migrations, purge) le peut : il peut de toute façon désactiver les déclencheurs.
- Sous PostgreSQL, les droits UPDATE, DELETE, TRUNCATE, TRIGGER et REFERENCES sur la table sont
  retirés à tout autre rôle que son propriétaire (PUBLIC compris) : le rôle du portail n'y garde
  que SELECT et INSERT. Propriétaire seul, il ne peut ni vider la table, ni désactiver ses
  déclencheurs (ALTER TABLE exige d'en être propriétaire). `manage.py roles_postgresql`
  refait ce retrait quand il est rejoué après des GRANT.
SQLite (démonstration, un seul utilisateur) : le DEFAULT ; la modification de la colonne
reconstruit la table, ce qui efface ses déclencheurs : celui de la migration 0003 est recréé.
"""

import django.db.models.functions.datetime
from django.db import migrations, models

TABLE = "ccas_portal_entreejournal"

# Même SQL que `ccas_portal.roles_base.RETRAIT_DROITS_JOURNAL` (figé ici : une migration ne
# doit pas changer si le code change).
RETRAIT_DROITS = f"""
DO $$
DECLARE
    beneficiaire oid;
BEGIN
    REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {TABLE} FROM PUBLIC;
    FOR beneficiaire IN
        SELECT DISTINCT a.grantee
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = '{TABLE}'::regclass AND a.grantee <> c.relowner AND a.grantee <> 0
    LOOP
        EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {TABLE} FROM '
            || quote_ident(pg_get_userbyid(beneficiaire));
    END LOOP;
END
$$;
"""

HORODATAGE = f"""
CREATE OR REPLACE FUNCTION journal_horodatage_par_la_base() RETURNS trigger AS $$
BEGIN
    IF NOT pg_has_role(
        current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'
    ) THEN
        NEW.horodatage := statement_timestamp();
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER journal_horodatage_par_la_base BEFORE INSERT ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION journal_horodatage_par_la_base();
"""


SQLITE_PAS_DE_MODIFICATION = f"""CREATE TRIGGER IF NOT EXISTS journal_pas_de_modification
    BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'Le journal des accès ne se modifie pas.'); END;"""


def creer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(HORODATAGE)
        schema_editor.execute(RETRAIT_DROITS)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_PAS_DE_MODIFICATION)


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS journal_horodatage_par_la_base ON {TABLE}")
        schema_editor.execute("DROP FUNCTION IF EXISTS journal_horodatage_par_la_base()")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_PAS_DE_MODIFICATION)


class Migration(migrations.Migration):
    dependencies = [("ccas_portal", "0009_mot_de_passe_provisoire_et_frein_par_adresse")]

    operations = [
        migrations.AlterField(
            model_name="entreejournal",
            name="horodatage",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(),
                db_index=True,
                verbose_name="date et heure",
            ),
        ),
        migrations.RunPython(creer, supprimer),
    ]
