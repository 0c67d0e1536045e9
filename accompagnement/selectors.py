from django.db.models import Max, Min, Prefetch, Q, QuerySet

from accompagnement.enums import StatutAction
from accompagnement.models import Accompagnement
from habitants.models import MembreFoyer

EN_COURS = [StatutAction.A_FAIRE, StatutAction.EN_COURS, StatutAction.EN_ATTENTE]


def portefeuille(agent) -> QuerySet[Accompagnement]:
    """Les accompagnements de l'agent, avec prochaine échéance et dernière intervention."""
    return (
        Accompagnement.objects.visibles_par(agent)
        .select_related("foyer__site", "axe", "referent")
        .annotate(
            derniere_intervention=Max("interventions__date"),
            prochaine_echeance=Min(
                "objectifs__actions__echeance",
                filter=Q(objectifs__actions__statut__in=EN_COURS),
            ),
        )
        .prefetch_related(
            Prefetch(
                "foyer__membres",
                queryset=MembreFoyer.objects.filter(
                    date_fin__isnull=True, role="demandeur"
                ).select_related("habitant"),
                to_attr="demandeurs",
            )
        )
    )
