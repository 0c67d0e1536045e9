"""Le journal des accès : les seules fonctions qui y écrivent (ADR 0005, ADR 0022).

Quelles lectures y entrent et pourquoi : docs/journal.md.
"""

from collections.abc import Iterable

from django.db import models

from ccas_portal.enums import ActionJournal
from ccas_portal.models import EntreeJournal


def _entree(
    *,
    agent,
    action: ActionJournal | str,
    objet: models.Model | None,
    objet_type: str,
    objet_id: str,
    details: dict | None,
    request,
) -> EntreeJournal:
    if action not in ActionJournal.values:
        raise ValueError(f"Action de journal inconnue : {action!r}")
    if objet is not None:
        objet_type = objet._meta.label_lower
        objet_id = str(objet.pk)
    connu = agent is not None and getattr(agent, "is_authenticated", False)
    # Pas d'horodatage ici : la base le pose (DEFAULT, et sous PostgreSQL un déclencheur
    # l'impose au rôle du portail).
    return EntreeJournal(
        agent=agent if connu else None,
        agent_libelle=(agent.get_full_name() or agent.username) if connu else "système",
        action=action,
        objet_type=objet_type,
        objet_id=objet_id,
        details=details or {},
        adresse_ip=request.META.get("REMOTE_ADDR") if request is not None else None,
    )


def journaliser(
    *,
    agent,
    action: ActionJournal | str,
    objet: models.Model | None = None,
    objet_type: str = "",
    objet_id: str = "",
    details: dict | None = None,
    request=None,
) -> EntreeJournal:
    """Ajoute une entrée : qui, quand, quel objet, quelle action (et d'où)."""
    entree = _entree(
        agent=agent,
        action=action,
        objet=objet,
        objet_type=objet_type,
        objet_id=objet_id,
        details=details,
        request=request,
    )
    entree.save(force_insert=True)
    return entree


def journaliser_liste(
    *, agent, objets: Iterable[models.Model], details: dict | None = None, request=None
) -> int:
    """Une lecture de liste qui montre des données sensibles de personnes nommées : une entrée
    de consultation par objet montré (une seule insertion), pour que le journal d'une personne
    (filtre « personne » de l'écran du journal, droit d'accès) retrouve aussi ces lectures."""
    entrees = [
        _entree(
            agent=agent,
            action=ActionJournal.CONSULTATION,
            objet=objet,
            objet_type="",
            objet_id="",
            details=details,
            request=request,
        )
        for objet in objets
    ]
    EntreeJournal.objects.bulk_create(entrees)
    return len(entrees)
