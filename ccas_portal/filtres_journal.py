import django_filters
from django import forms

from ccas_portal.enums import ActionJournal
from ccas_portal.forms import DatePlausible
from ccas_portal.models import Agent, EntreeJournal
from ccas_portal.selectors_journal import (
    PERSONNES_MAX,
    personnes_designees,
    q_entrees_concernant,
)


class JournalForm(forms.Form):
    def clean(self):
        donnees = super().clean()
        du, au = donnees.get("du"), donnees.get("au")
        if du and au and au < du:
            self.add_error("au", "La date de fin doit suivre la date de début.")
        texte = donnees.get("personne")
        if texte:
            nombre = personnes_designees(texte).count()
            if nombre == 0:
                self.add_error("personne", "Aucune personne ne correspond à ce nom ou ce numéro.")
            elif nombre > PERSONNES_MAX:
                self.add_error(
                    "personne",
                    f"Plus de {PERSONNES_MAX} personnes correspondent : précisez le nom "
                    "(nom et prénom) ou donnez le numéro de fiche.",
                )
        return donnees


class FiltreDate(django_filters.DateFilter):
    """Une date bornée à une plage plausible (1900-2100, ccas_portal/validation.py)."""

    field_class = DatePlausible


class JournalFilter(django_filters.FilterSet):
    """Les filtres de l'écran du journal ; une valeur illisible est signalée sous son champ et
    ignorée (jamais d'erreur 500)."""

    agent = django_filters.ModelChoiceFilter(
        label="Agent",
        queryset=Agent.objects.order_by("last_name", "first_name", "username"),
        empty_label="Tous les agents",
    )
    personne = django_filters.CharFilter(
        label="Personne",
        method="filtrer_personne",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "nom, prénom ou n° de fiche"}),
    )
    du = FiltreDate(label="Du", field_name="horodatage", lookup_expr="date__gte")
    au = FiltreDate(label="Au", field_name="horodatage", lookup_expr="date__lte")
    action = django_filters.ChoiceFilter(
        label="Action", choices=ActionJournal.choices, empty_label="Toutes les actions"
    )

    class Meta:
        model = EntreeJournal
        fields = []
        form = JournalForm

    def filtrer_personne(self, queryset, name, valeur):
        ids = personnes_designees(valeur).values_list("pk", flat=True)[: PERSONNES_MAX + 1]
        return queryset.filter(q_entrees_concernant(ids))
