from datetime import timedelta

import django_filters
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone

from accompagnement.enums import StatutAccompagnement
from accompagnement.models import Accompagnement
from ccas_portal.forms import DatePlausible
from ccas_portal.models import Axe, Site


class TriStable(django_filters.OrderingFilter):
    """Tri choisi, puis l'identifiant : deux accompagnements de même échéance gardent le même
    ordre d'une requête à l'autre (sinon la pagination peut montrer l'un deux fois)."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "id")
        return qs


class FiltreDate(django_filters.DateFilter):
    """Une date de filtre bornée à une plage plausible (voir ccas_portal/validation.py)."""

    field_class = DatePlausible


JOURS_SANS_INTERVENTION_MAX = 9999


class TriPortefeuille(TriStable):
    """Les tris par colonne, plus « échéances en retard d'abord » : les accompagnements dont la
    prochaine échéance est dépassée, la plus ancienne en tête, puis les échéances à venir,
    puis ceux qui n'en ont pas."""

    RETARD = "retard"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra["choices"] = [
            (self.RETARD, "Échéances en retard d'abord"),
            *self.extra["choices"],
        ]

    def filter(self, qs, value):
        if value and self.RETARD in value:
            aujourd_hui = timezone.localdate()
            return qs.annotate(
                _a_venir=Case(
                    When(prochaine_echeance__lt=aujourd_hui, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            ).order_by("_a_venir", F("prochaine_echeance").asc(nulls_last=True), "id")
        return super().filter(qs, value)


class PortefeuilleFilter(django_filters.FilterSet):
    axe = django_filters.ModelChoiceFilter(
        label="Axe", queryset=Axe.objects.filter(actif=True), empty_label="Tous les axes"
    )
    statut = django_filters.ChoiceFilter(
        label="Statut", choices=StatutAccompagnement.choices, empty_label="Tous les statuts"
    )
    site = django_filters.ModelChoiceFilter(
        label="Site",
        field_name="foyer__site",
        queryset=Site.objects.none(),
        empty_label="Tous mes sites",
    )
    echeance_avant = FiltreDate(
        label="Prochaine échéance au plus tard le",
        field_name="prochaine_echeance",
        lookup_expr="lte",
    )
    sans_intervention_depuis = django_filters.NumberFilter(
        label="Sans intervention depuis (jours)",
        method="filtrer_sans_intervention",
        min_value=1,
        # Au-delà, la date limite sortirait du calendrier (avant l'an 1) : 27 ans suffisent.
        max_value=JOURS_SANS_INTERVENTION_MAX,
        decimal_places=0,
        error_messages={"max_decimal_places": "Un nombre entier de jours est attendu."},
    )
    tri = TriPortefeuille(
        label="Trier par",
        empty_label="Ouverture, plus récents d'abord",
        fields=(
            ("date_ouverture", "date_ouverture"),
            ("prochaine_echeance", "prochaine_echeance"),
            ("derniere_intervention", "derniere_intervention"),
            ("axe__ordre", "axe"),
        ),
        field_labels={
            "date_ouverture": "Date d'ouverture",
            "prochaine_echeance": "Prochaine échéance",
            "derniere_intervention": "Dernière intervention",
            "axe__ordre": "Axe",
        },
    )

    class Meta:
        model = Accompagnement
        fields = []

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["site"].queryset = agent.sites.all()

    def filtrer_sans_intervention(self, queryset, name, jours):
        limite = timezone.localdate() - timedelta(days=int(jours))
        return queryset.filter(
            Q(derniere_intervention__lt=limite) | Q(derniere_intervention__isnull=True)
        )
