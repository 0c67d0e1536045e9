"""Le journal des accès : la seule fonction qui y écrit."""

from django.db import models

from ccas_portal.enums import ActionJournal
from ccas_portal.models import EntreeJournal


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
    if action not in ActionJournal.values:
        raise ValueError(f"Action de journal inconnue : {action!r}")
    if objet is not None:
        objet_type = objet._meta.label_lower
        objet_id = str(objet.pk)
    connu = agent is not None and getattr(agent, "is_authenticated", False)
    return EntreeJournal.objects.create(
        agent=agent if connu else None,
        agent_libelle=(agent.get_full_name() or agent.username) if connu else "système",
        action=action,
        objet_type=objet_type,
        objet_id=objet_id,
        details=details or {},
        adresse_ip=request.META.get("REMOTE_ADDR") if request is not None else None,
    )
