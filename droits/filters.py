import django_filters

from droits.enums import ETATS_OUVERTS, EtatSignalement
from droits.models import Axe, Prestation, Signalement


class SignalementFilter(django_filters.FilterSet):
    axe = django_filters.ModelChoiceFilter(
        label="Axe",
        field_name="prestation__axe",
        queryset=Axe.objects.filter(actif=True),
        empty_label="Tous les axes",
    )
    prestation = django_filters.ModelChoiceFilter(
        label="Prestation", queryset=Prestation.objects.filter(actif=True), empty_label="Toutes"
    )
    etat = django_filters.ChoiceFilter(
        label="État",
        choices=[("ouverts", "À traiter (tous les états ouverts)"), *EtatSignalement.choices],
        empty_label="Tous les états",
        method="filtrer_etat",
    )

    class Meta:
        model = Signalement
        fields = []

    def filtrer_etat(self, queryset, name, valeur):
        if valeur == "ouverts":
            return queryset.filter(etat__in=ETATS_OUVERTS)
        return queryset.filter(etat=valeur)
