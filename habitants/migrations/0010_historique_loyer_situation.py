"""Historique daté du loyer et des charges (PeriodeLoyer) et de la situation conjugale
(SituationConjugale) : reprend les valeurs actuelles puis retire les anciens champs."""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def _jour(horodatage):
    return timezone.localtime(horodatage).date()


def reprendre_les_valeurs(apps, schema_editor):
    """Le loyer et la situation conjugale rangés sur le foyer et la personne deviennent la
    première période de leur historique. Sans date connue : la date d'inscription au portail
    (le CCAS les connaît depuis ce jour-là) ; des charges sans loyer : un loyer de 0 €."""
    Foyer = apps.get_model("habitants", "Foyer")
    Habitant = apps.get_model("habitants", "Habitant")
    PeriodeLoyer = apps.get_model("habitants", "PeriodeLoyer")
    SituationConjugale = apps.get_model("habitants", "SituationConjugale")
    periodes = [
        PeriodeLoyer(
            foyer_id=pk,
            loyer_mensuel=loyer if loyer is not None else Decimal("0"),
            charges_mensuelles=charges,
            date_debut=depuis or _jour(cree_le),
        )
        for pk, loyer, charges, depuis, cree_le in Foyer.objects.filter(
            models.Q(loyer_mensuel__isnull=False) | models.Q(charges_mensuelles__isnull=False)
        ).values_list("pk", "loyer_mensuel", "charges_mensuelles", "loyer_depuis", "cree_le")
    ]
    PeriodeLoyer.objects.bulk_create(periodes, batch_size=2000)
    situations = [
        SituationConjugale(habitant_id=pk, statut=statut, date_debut=depuis or _jour(cree_le))
        for pk, statut, depuis, cree_le in Habitant.objects.exclude(statut_marital="").values_list(
            "pk", "statut_marital", "statut_marital_depuis", "cree_le"
        )
    ]
    SituationConjugale.objects.bulk_create(situations, batch_size=2000)


def remettre_les_valeurs(apps, schema_editor):
    """Retour arrière : la période la plus récente redevient la valeur du foyer ou de la
    personne (l'historique antérieur est perdu)."""
    Foyer = apps.get_model("habitants", "Foyer")
    Habitant = apps.get_model("habitants", "Habitant")
    PeriodeLoyer = apps.get_model("habitants", "PeriodeLoyer")
    SituationConjugale = apps.get_model("habitants", "SituationConjugale")
    for p in PeriodeLoyer.objects.filter(date_fin__isnull=True):
        Foyer.objects.filter(pk=p.foyer_id).update(
            loyer_mensuel=p.loyer_mensuel,
            charges_mensuelles=p.charges_mensuelles,
            loyer_depuis=p.date_debut,
        )
    for s in SituationConjugale.objects.order_by("habitant_id", "-date_debut").distinct():
        Habitant.objects.filter(pk=s.habitant_id, statut_marital="").update(
            statut_marital=s.statut, statut_marital_depuis=s.date_debut
        )


class Migration(migrations.Migration):
    dependencies = [
        ("habitants", "0009_partage_des_foyers"),
    ]

    operations = [
        migrations.CreateModel(
            name="PeriodeLoyer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "loyer_mensuel",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=8,
                        validators=[
                            django.core.validators.MinValueValidator(
                                Decimal("0"), "Le montant ne peut pas être négatif."
                            )
                        ],
                        verbose_name="loyer mensuel (€)",
                    ),
                ),
                (
                    "charges_mensuelles",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=8,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(
                                Decimal("0"), "Le montant ne peut pas être négatif."
                            )
                        ],
                        verbose_name="charges mensuelles (€)",
                    ),
                ),
                ("date_debut", models.DateField(verbose_name="depuis le")),
                ("date_fin", models.DateField(blank=True, null=True, verbose_name="jusqu'au")),
                ("cree_le", models.DateTimeField(auto_now_add=True, verbose_name="saisi le")),
            ],
            options={
                "verbose_name": "période de loyer",
                "verbose_name_plural": "périodes de loyer",
                "ordering": ["foyer", "-date_debut"],
            },
        ),
        migrations.CreateModel(
            name="SituationConjugale",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "statut",
                    models.CharField(
                        choices=[
                            ("marie", "Marié(e)"),
                            ("pacse", "Pacsé(e)"),
                            ("concubinage", "En concubinage (vie maritale)"),
                            ("celibataire", "Célibataire"),
                            ("divorce", "Divorcé(e) ou séparé(e)"),
                            ("veuf", "Veuf ou veuve"),
                        ],
                        max_length=20,
                        verbose_name="situation conjugale",
                    ),
                ),
                ("date_debut", models.DateField(verbose_name="depuis le")),
                ("cree_le", models.DateTimeField(auto_now_add=True, verbose_name="saisie le")),
            ],
            options={
                "verbose_name": "situation conjugale",
                "verbose_name_plural": "situations conjugales",
                "ordering": ["habitant", "-date_debut"],
            },
        ),
        migrations.AddField(
            model_name="periodeloyer",
            name="foyer",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="loyers",
                to="habitants.foyer",
            ),
        ),
        migrations.AddField(
            model_name="situationconjugale",
            name="habitant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="situations_conjugales",
                to="habitants.habitant",
            ),
        ),
        migrations.AddConstraint(
            model_name="periodeloyer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("date_fin__isnull", True)),
                fields=("foyer",),
                name="un_seul_loyer_en_cours",
            ),
        ),
        migrations.AddConstraint(
            model_name="periodeloyer",
            constraint=models.UniqueConstraint(
                fields=("foyer", "date_debut"), name="loyer_debut_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="periodeloyer",
            constraint=models.CheckConstraint(
                condition=models.Q(("loyer_mensuel__gte", 0)), name="loyer_positif"
            ),
        ),
        migrations.AddConstraint(
            model_name="periodeloyer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("charges_mensuelles__isnull", True),
                    ("charges_mensuelles__gte", 0),
                    _connector="OR",
                ),
                name="charges_positives",
            ),
        ),
        migrations.AddConstraint(
            model_name="periodeloyer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("date_fin__isnull", True),
                    ("date_fin__gte", models.F("date_debut")),
                    _connector="OR",
                ),
                name="loyer_fin_apres_debut",
            ),
        ),
        migrations.AddConstraint(
            model_name="situationconjugale",
            constraint=models.UniqueConstraint(
                fields=("habitant", "date_debut"), name="situation_conjugale_debut_unique"
            ),
        ),
        migrations.RunPython(reprendre_les_valeurs, remettre_les_valeurs),
        migrations.RemoveConstraint(
            model_name="foyer",
            name="foyer_loyer_positif",
        ),
        migrations.RemoveField(
            model_name="foyer",
            name="charges_mensuelles",
        ),
        migrations.RemoveField(
            model_name="foyer",
            name="loyer_depuis",
        ),
        migrations.RemoveField(
            model_name="foyer",
            name="loyer_mensuel",
        ),
        migrations.RemoveField(
            model_name="habitant",
            name="statut_marital",
        ),
        migrations.RemoveField(
            model_name="habitant",
            name="statut_marital_depuis",
        ),
    ]
