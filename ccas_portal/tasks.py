import socket
from datetime import date, timedelta

from celery import shared_task
from django.db import connection
from django.utils import timezone

from ccas_portal.acces_inhabituels import etablir_rapport


@shared_task(name="ccas_portal.diagnostic")
def diagnostic() -> dict:
    """Aller-retour de contrôle : prouve qu'un worker reçoit les tâches et lit la base."""
    with connection.cursor() as curseur:
        curseur.execute("SELECT 1")
        curseur.fetchone()
    return {"worker": socket.gethostname(), "heure": timezone.now().isoformat()}


@shared_task(name="ccas_portal.rapport_acces_inhabituels")
def rapport_acces_inhabituels(jour: str | None = None) -> int:
    """Chaque matin (6 h) : le rapport des accès inhabituels de la veille, ou du jour ISO donné
    (ccas_portal/acces_inhabituels.py). Renvoie le nombre de constats."""
    examine = date.fromisoformat(jour) if jour else timezone.localdate() - timedelta(days=1)
    return len(etablir_rapport(jour=examine).constats)
