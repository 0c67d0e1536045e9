"""L'annuaire des partenaires passe au cœur de ccas_portal (ADR 0034) : sa table
`accompagnement_partenaire` reste où elle est."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accompagnement", "0003_actions_collectives"),
        ("ccas_portal", "0015_referentiels_axes_partenaires"),
        ("habitants", "0012_axes_et_partenaires_au_coeur"),
    ]

    operations = [
        # Rien ne change en base : la table garde son nom (`db_table`), seul l'état des
        # modèles de Django change d'application.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="orientation",
                    name="partenaire",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ccas_portal.partenaire",
                    ),
                ),
                migrations.AlterField(
                    model_name="accompagnement",
                    name="axe",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ccas_portal.axe",
                    ),
                ),
                migrations.DeleteModel(
                    name="Partenaire",
                ),
            ],
            database_operations=[],
        ),
    ]
