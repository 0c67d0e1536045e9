"""La tâche nocturne du tableau de bord (planifiée par
`ccas_portal.services.planifier_precalcul_tableaux`, 4 h ; découverte par ccas_portal/celery.py).
Son nom reste « ccas_portal.precalculer_tableaux_de_bord » : c'est lui que le planning en base
(django-celery-beat) désigne."""

from celery import shared_task

from ccas_portal.pilotage.instantanes import precalculer


@shared_task(name="ccas_portal.precalculer_tableaux_de_bord")
def precalculer_tableaux_de_bord() -> int:
    """La nuit : les agrégats des mois clos, puis les chiffres des périodes courantes du
    tableau de bord (voir agregats.py et instantanes.py)."""
    return precalculer()
