"""Les lectures composées de la page du dossier d'un foyer, qui réunit accompagnements et
droits (prestations, signalements) : au haut de la pile, avec les pages du dossier
(`accompagnement.views`), puisqu'`accompagnement` et `droits` ne s'importent pas l'un l'autre
(docs/architecture.md, « Couches »)."""

from accompagnement.selectors import accompagnements_du_foyer, chronologie
from droits.selectors import prestations_du_foyer, signalements_du_foyer


def dossier_du_foyer(agent, foyer, intervenant: set[int]) -> dict:
    """Les lectures composées du dossier d'un foyer : ses accompagnements, ses prestations,
    ses signalements (`Signalement.objects.visibles_par`) et la chronologie qui les réunit,
    chaque contenu selon les droits de `agent` (`intervenant` : `ids_intervenant`)."""
    accompagnements = list(accompagnements_du_foyer(foyer))
    prestations = list(prestations_du_foyer(foyer))
    signalements = list(signalements_du_foyer(agent, foyer))
    return {
        "accompagnements": accompagnements,
        "prestations": prestations,
        "signalements": signalements,
        "chronologie": chronologie(
            agent, foyer, accompagnements, intervenant, prestations, signalements
        ),
    }
