"""Clés phonétiques du nom et du premier prénom, calculées pour les personnes déjà inscrites ;
extension fuzzystrmatch sur PostgreSQL (distance d'édition des fautes de frappe).

Le calcul est celui du service (`normalisation.cle_phonetique`) ; les lignes sont relues et
réécrites par lots de 5 000, en une requête préparée exécutée pour tout le lot.
"""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models

from habitants.normalisation import cle_phonetique, premier_mot

LOT = 5000


class ExtensionPostgreSQL(CreateExtension):
    """CreateExtension, sans effet sur SQLite aussi en arrière (Django y lit pg_extension)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def calculer_cles(apps, schema_editor):
    connexion = schema_editor.connection
    dernier = 0
    with connexion.cursor() as curseur:
        while True:
            curseur.execute(
                "SELECT id, nom_normalise, prenoms_normalises FROM habitants_habitant "
                "WHERE id > %s ORDER BY id LIMIT %s",
                [dernier, LOT],
            )
            lignes = curseur.fetchall()
            if not lignes:
                return
            curseur.executemany(
                "UPDATE habitants_habitant SET cle_nom = %s, cle_prenom = %s WHERE id = %s",
                [
                    (cle_phonetique(nom), cle_phonetique(premier_mot(prenoms)), pk)
                    for pk, nom, prenoms in lignes
                ],
            )
            dernier = lignes[-1][0]


class Migration(migrations.Migration):
    dependencies = [("habitants", "0006_dossier_social")]

    operations = [
        # PostgreSQL seulement (sans effet sur SQLite) : levenshtein() pour les fautes de frappe.
        ExtensionPostgreSQL("fuzzystrmatch"),
        migrations.AddField(
            model_name="habitant",
            name="cle_nom",
            field=models.CharField(blank=True, default="", editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="habitant",
            name="cle_prenom",
            field=models.CharField(blank=True, default="", editable=False, max_length=100),
        ),
        migrations.RunPython(calculer_cles, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="habitant",
            index=models.Index(fields=["cle_nom", "prenoms_normalises"], name="habitant_cle_nom"),
        ),
        migrations.AddIndex(
            model_name="habitant",
            index=models.Index(fields=["cle_prenom", "nom_normalise"], name="habitant_cle_prenom"),
        ),
        migrations.AddIndex(
            model_name="habitant",
            index=models.Index(fields=["prenoms_normalises"], name="habitant_prenoms"),
        ),
    ]
