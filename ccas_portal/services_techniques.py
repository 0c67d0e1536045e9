"""Vérification des services dont dépend le portail (base, broker, workers Celery)."""

from dataclasses import dataclass

from django.db import connection

from ccas_portal.celery import app
from ccas_portal.tasks import diagnostic


@dataclass
class EtatWorkers:
    noms: list[str]
    erreur: str = ""

    @property
    def en_ligne(self) -> bool:
        return bool(self.noms)


def workers_en_ligne(*, delai: float = 1.0) -> EtatWorkers:
    """Les workers qui répondent à un ping de contrôle dans le délai."""
    try:
        reponses = app.control.ping(timeout=delai) or []
    except Exception as exc:  # broker injoignable : on le dit, on ne plante pas la page
        return EtatWorkers(noms=[], erreur=f"Broker injoignable : {exc}")
    return EtatWorkers(noms=sorted(nom for reponse in reponses for nom in reponse))


def verifier_base() -> str:
    with connection.cursor() as curseur:
        curseur.execute("SELECT 1")
        curseur.fetchone()
    return connection.vendor


def aller_retour_tache(*, delai: float = 20.0) -> dict:
    """Envoie la tâche de diagnostic et attend sa réponse : lève une exception sinon."""
    return diagnostic.delay().get(timeout=delai)
