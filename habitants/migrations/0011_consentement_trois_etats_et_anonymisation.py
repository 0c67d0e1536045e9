"""Consentement au contact en trois états datés, et date d'anonymisation d'une fiche.

Reprise des fiches existantes (ADR 0023) : l'ancien booléen `consentement_contact` valait
None (jamais enregistré), True (case cochée) ou False (case laissée vide en enregistrant
l'information). None devient « non demandé » ; True « accepté » ; False « refusé » — l'écran
d'alors disait « La personne accepte d'être contactée » et l'agent a enregistré sans cocher :
la lecture prudente est un refus (personne n'est contacté sans accord), que l'accueil change
au prochain passage. La date de la réponse est celle qui était rangée, sinon celle de
l'information.
"""

from django.db import migrations, models
from django.db.models import Q

import habitants.validators


def reprendre(apps, schema_editor):
    Habitant = apps.get_model("habitants", "Habitant")
    for ancien, nouveau in ((True, "accepte"), (False, "refuse")):
        for h in Habitant.objects.filter(consentement_contact=ancien).only(
            "pk", "date_consentement", "date_information", "cree_le"
        ):
            date = h.date_consentement or h.date_information or h.cree_le.date()
            Habitant.objects.filter(pk=h.pk).update(consentement=nouveau, date_consentement=date)
    Habitant.objects.filter(consentement_contact__isnull=True).update(
        consentement="non_demande", date_consentement=None
    )


def revenir(apps, schema_editor):
    Habitant = apps.get_model("habitants", "Habitant")
    for nouveau, ancien in (("accepte", True), ("refuse", False), ("non_demande", None)):
        Habitant.objects.filter(consentement=nouveau).update(consentement_contact=ancien)


class Migration(migrations.Migration):
    dependencies = [("habitants", "0010_historique_loyer_situation")]

    operations = [
        migrations.AddField(
            model_name="habitant",
            name="consentement",
            field=models.CharField(
                choices=[
                    ("non_demande", "Non demandé"),
                    ("refuse", "Refusé"),
                    ("accepte", "Accepté"),
                ],
                default="non_demande",
                max_length=12,
                verbose_name="contact au sujet de droits repérés",
            ),
        ),
        migrations.AddField(
            model_name="habitant",
            name="anonymise_le",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="anonymisée le"
            ),
        ),
        migrations.RunPython(reprendre, revenir),
        migrations.RemoveField(model_name="habitant", name="consentement_contact"),
        migrations.AlterField(
            model_name="habitant",
            name="date_consentement",
            field=models.DateField(
                blank=True,
                null=True,
                validators=[habitants.validators.pas_dans_le_futur],
                verbose_name="date de la réponse",
            ),
        ),
        migrations.AddConstraint(
            model_name="habitant",
            constraint=models.CheckConstraint(
                condition=Q(consentement="non_demande", date_consentement=None)
                | (Q(consentement__in=["refuse", "accepte"]) & Q(date_consentement__isnull=False)),
                name="consentement_date_coherente",
            ),
        ),
    ]
