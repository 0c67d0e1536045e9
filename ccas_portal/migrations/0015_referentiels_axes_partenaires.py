"""Les axes (reflet de leurs déclarations) et l'annuaire des partenaires passent au cœur de
ccas_portal, en bas de la pile (ADR 0034). Les tables gardent leur nom : rien n'est copié."""

from django.db import migrations, models

DEPLACES = [("droits", "axe"), ("accompagnement", "partenaire")]


def _renommer(apps, vers_ccas_portal: bool):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for application, modele in DEPLACES:
        source, cible = (application, "ccas_portal")
        if not vers_ccas_portal:
            source, cible = cible, source
        if not ContentType.objects.filter(app_label=cible, model=modele).exists():
            ContentType.objects.filter(app_label=source, model=modele).update(app_label=cible)


def vers_le_coeur(apps, schema_editor):
    _renommer(apps, vers_ccas_portal=True)


def depuis_le_coeur(apps, schema_editor):
    _renommer(apps, vers_ccas_portal=False)


class Migration(migrations.Migration):
    dependencies = [
        ("ccas_portal", "0014_codes_de_secours_en_empreinte"),
        ("contenttypes", "0002_remove_content_type_name"),
        # les tables existent déjà, créées par leurs applications d'origine
        ("droits", "0011_issue_logement_social"),
        ("accompagnement", "0003_actions_collectives"),
    ]

    operations = [
        # Rien ne change en base : la table garde son nom (`db_table`), seul l'état des
        # modèles de Django change d'application.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Axe",
                    fields=[
                        (
                            "code",
                            models.SlugField(
                                max_length=30,
                                primary_key=True,
                                serialize=False,
                                verbose_name="code",
                            ),
                        ),
                        ("ordre", models.PositiveSmallIntegerField(verbose_name="ordre")),
                        ("libelle", models.CharField(max_length=200, verbose_name="intitulé")),
                        (
                            "libelle_court",
                            models.CharField(max_length=60, verbose_name="intitulé court"),
                        ),
                        ("description", models.TextField(verbose_name="description")),
                        ("actif", models.BooleanField(default=True, verbose_name="actif")),
                    ],
                    options={
                        "verbose_name": "axe de droits",
                        "verbose_name_plural": "axes de droits",
                        "db_table": "droits_axe",
                        "ordering": ["ordre"],
                    },
                ),
                migrations.CreateModel(
                    name="Partenaire",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.SlugField(max_length=40, unique=True, verbose_name="code")),
                        ("nom", models.CharField(max_length=200, verbose_name="nom")),
                        ("type", models.CharField(blank=True, max_length=100, verbose_name="type")),
                        (
                            "telephone",
                            models.CharField(blank=True, max_length=20, verbose_name="téléphone"),
                        ),
                        (
                            "courriel",
                            models.EmailField(blank=True, max_length=254, verbose_name="courriel"),
                        ),
                        ("actif", models.BooleanField(default=True, verbose_name="actif")),
                    ],
                    options={
                        "verbose_name": "partenaire",
                        "verbose_name_plural": "partenaires",
                        "db_table": "accompagnement_partenaire",
                        "ordering": ["nom"],
                    },
                ),
            ],
            database_operations=[],
        ),
        # Les types de contenu (et les permissions de l'administration qui s'y rattachent)
        # suivent les modèles.
        migrations.RunPython(vers_le_coeur, depuis_le_coeur, elidable=True),
    ]
