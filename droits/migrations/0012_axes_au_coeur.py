"""La table des axes passe au cœur de ccas_portal (ADR 0034) : `droits_axe` reste où elle est."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accompagnement", "0004_partenaires_au_coeur"),
        ("ccas_portal", "0015_referentiels_axes_partenaires"),
        ("droits", "0011_issue_logement_social"),
        ("habitants", "0012_axes_et_partenaires_au_coeur"),
    ]

    operations = [
        # Rien ne change en base : la table garde son nom (`db_table`), seul l'état des
        # modèles de Django change d'application.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="prestation",
                    name="axe",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="prestations",
                        to="ccas_portal.axe",
                    ),
                ),
                migrations.AlterField(
                    model_name="typeaide",
                    name="axe",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ccas_portal.axe",
                    ),
                ),
                migrations.DeleteModel(
                    name="Axe",
                ),
            ],
            database_operations=[],
        ),
    ]
