import django_filters
from django import forms

from ccas_portal.models import Axe, Site
from droits.enums import ETATS_OUVERTS, EtatSignalement
from droits.models import Prestation, Signalement

MOI, PERSONNE = "moi", "personne"


class SignalementFilter(django_filters.FilterSet):
    """Les filtres de la file de travail ; une valeur illisible est signalée sous son champ
    et ignorée (jamais d'erreur 500)."""

    attribution = django_filters.ChoiceFilter(
        label="Attribués",
        choices=[(MOI, "À moi"), (PERSONNE, "À personne")],
        empty_label="À tous",
        method="filtrer_attribution",
    )
    etat = django_filters.ChoiceFilter(
        label="État",
        choices=[("ouverts", "À traiter (tous les états ouverts)"), *EtatSignalement.choices],
        empty_label="Tous les états",
        method="filtrer_etat",
    )
    prestation = django_filters.ModelChoiceFilter(
        label="Prestation", queryset=Prestation.objects.filter(actif=True), empty_label="Toutes"
    )
    axe = django_filters.ModelChoiceFilter(
        label="Axe",
        field_name="prestation__axe",
        queryset=Axe.objects.filter(actif=True),
        empty_label="Tous les axes",
    )
    apport_min = django_filters.NumberFilter(
        label="Apport mensuel d'au moins (€)",
        field_name="apport_mensuel",
        lookup_expr="gte",
        min_value=0,
        max_value=100_000,
        max_digits=8,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    site = django_filters.ModelChoiceFilter(
        label="Site", field_name="foyer__site", queryset=Site.objects.none(), empty_label="Tous"
    )

    class Meta:
        model = Signalement
        fields = []

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.agent = agent
        self.filters["site"].queryset = Site.objects.filter(pk__in=agent.ids_sites).order_by("nom")

    def filtrer_etat(self, queryset, name, valeur):
        if valeur == "ouverts":
            return queryset.filter(etat__in=ETATS_OUVERTS)
        return queryset.filter(etat=valeur)

    def filtrer_attribution(self, queryset, name, valeur):
        if valeur == MOI:
            return queryset.filter(responsable_id=self.agent.pk)
        return queryset.filter(responsable_id__isnull=True)
