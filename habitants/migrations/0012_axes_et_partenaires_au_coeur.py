"""Les motifs d'accueil et les passages pointent vers les axes et l'annuaire des partenaires,
passés au cœur de ccas_portal (ADR 0034)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ccas_portal", "0015_referentiels_axes_partenaires"),
        ("habitants", "0011_consentement_trois_etats_et_anonymisation"),
    ]

    operations = [
        # Rien ne change en base : la table garde son nom (`db_table`), seul l'état des
        # modèles de Django change d'application.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="motif",
                    name="axe",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="motifs",
                        to="ccas_portal.axe",
                    ),
                ),
                migrations.AlterField(
                    model_name="passage",
                    name="partenaire",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="passages",
                        to="ccas_portal.partenaire",
                        verbose_name="partenaire",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
