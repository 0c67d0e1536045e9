"""Tâches Celery des personnes : minces, elles appellent un service."""

import logging

from celery import shared_task

from habitants.conservation import purger

logger = logging.getLogger(__name__)


@shared_task(name="habitants.purger_personnes")
def purger_personnes() -> dict:
    """Chaque mois (celery beat, réglable dans l'administration) : anonymise les personnes
    dont la durée de conservation est échue (habitants/conservation.py). Renvoie le bilan."""
    bilan = purger()
    for ligne in bilan.lignes():
        logger.info(ligne)
    return bilan.en_json()
