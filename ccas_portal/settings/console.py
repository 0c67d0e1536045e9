"""Filtres des messages techniques écrits sur la console par `logging` (référencés par
`LOGGING`). À ne pas confondre avec le journal des accès (`ccas_portal.journal`)."""


def sans_trace_pour_une_erreur_du_client(enregistrement) -> bool:
    """Une réponse 4xx (403, 404, 400…) tient à la requête, pas à une panne du portail : une
    ligne suffit, sans la trace de l'exception qui l'a produite (`PermissionDenied` pour un
    403). Les 5xx gardent la leur."""
    if getattr(enregistrement, "status_code", 500) < 500:
        enregistrement.exc_info = None
        enregistrement.exc_text = None
    return True
