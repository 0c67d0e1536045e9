"""Tâches Celery de la détection du non-recours : minces, elles appellent
`droits.detection.execution`, qui les enfile par leur nom (`TACHE_COORDINATEUR`, `TACHE_LOT` :
ce module l'importe, il ne l'importe pas en retour ; ADR 0031). Les lots passent par la file
`detection` pour ne pas retarder les autres tâches."""

import logging

from celery import shared_task
from celery.concurrency.solo import TaskPool as PoolSolo
from celery.signals import celeryd_init, worker_ready
from django.conf import settings

from droits.detection import execution as detection
from droits.detection import moteur
from droits.models import LotDetection

logger = logging.getLogger(__name__)


#: Tâches de la détection : accusé de réception après le travail, message rendu à la file si
#: le worker meurt, reprises avec délai croissant (le travail est rejouable).
REPRISES = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_jitter": True,
    "max_retries": 5,
}


def _echouer_au_dernier_essai(tache, execution_id, quoi: str, erreur: Exception) -> None:
    """À bout d'essais, l'exécution est marquée échouée (avec l'erreur) au lieu de rester en
    cours."""
    if tache.request.retries >= tache.max_retries:
        detection.echouer(execution_id, f"{quoi} : {erreur!r}")


@shared_task(**REPRISES, retry_backoff=2, retry_backoff_max=60)
def coordonner_detection(self, execution_id: int) -> int:
    """Découpe l'exécution en lots et les enfile (rejouable : le découpage se fait une fois, les
    lots faits sont sautés). Une erreur passagère de la base (verrou, connexion perdue) est
    retentée ; à bout d'essais, l'exécution est marquée échouée au lieu de rester en attente."""
    try:
        lots = detection.preparer(execution_id)
    except Exception as erreur:
        _echouer_au_dernier_essai(self, execution_id, "Découpage en lots", erreur)
        raise
    detection.enfiler_lots(lots)
    return len(lots)


@shared_task(**REPRISES, retry_backoff=5, retry_backoff_max=300)
def traiter_lot_detection(self, lot_id: int) -> dict:
    try:
        return detection.traiter_lot(lot_id)
    except Exception as erreur:
        lot = LotDetection.objects.get(pk=lot_id)
        _echouer_au_dernier_essai(self, lot.execution_id, f"Lot {lot.numero}", erreur)
        raise


@shared_task
def detection_nocturne(perimetre: str = "modifies") -> int:
    """L'exécution planifiée (celery beat, réglable dans l'administration)."""
    return detection.lancer_detection(declencheur="planifié", perimetre=perimetre).pk


@shared_task
def relancer_detections_bloquees() -> dict:
    """La surveillance des lots perdus (celery beat, chaque minute ; ADR 0021)."""
    return detection.relancer_les_executions_bloquees()


@celeryd_init.connect
def prechauffer(**_):
    """Construit le système socio-fiscal et fait un premier calcul au démarrage du worker,
    avant qu'il ne crée ses processus de calcul : nés par fork, ils en héritent tout prêt (un
    seul chargement pour tous, mémoire partagée), et « simuler maintenant » répond dès le premier
    lot. En `--pool solo`, c'est le processus qui calcule. Signal propre au programme
    `celery worker` : les workers embarqués des tests ne le reçoivent pas."""
    moteur.prechauffer(detection.mois_courant())


def calcule_les_lots(worker) -> bool:
    """Ce worker est-il le processus qui calcule les lots : `--pool solo` et la file
    `detection` parmi celles qu'il sert (toutes, sans `-Q`) ?"""
    if not isinstance(getattr(worker, "pool", None), PoolSolo):
        return False
    return detection.FILE_DETECTION in worker.app.amqp.queues.consume_from


@worker_ready.connect
def prechauffer_le_tas(sender=None, **_):
    """Un worker `--pool solo` qui sert la file `detection` (le processus qui calcule les
    lots : la façon de déployer la détection, README) simule en plus un lot fictif de la
    taille d'un lot, avant de se dire prêt : le premier lot d'une exécution ne paie plus la
    croissance de son tas (`moteur.prechauffer_le_tas`, ADR 0043). Pas en `--concurrency N` :
    ses processus de calcul naissent par fork et réclament leurs pages au premier lot de toute
    façon, et le worker de `make run` n'occupe pas 1,2 Go avant d'avoir un lot. Pas pour un
    worker des seules tâches courtes (`-Q celery`). DETECTION_PRECHAUFFAGE_TAS = False le
    coupe."""
    if not calcule_les_lots(sender):
        return
    if not getattr(settings, "DETECTION_PRECHAUFFAGE_TAS", True):
        return
    logger.info("Préchauffage du tas : un lot fictif de %s foyers…", detection.taille_lot())
    moteur.prechauffer_le_tas(detection.mois_courant(), detection.taille_lot())
