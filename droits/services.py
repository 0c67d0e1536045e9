from django.db import transaction

from droits.axes import AXES
from droits.models import Axe


@transaction.atomic
def synchroniser_axes() -> dict[str, int]:
    """Met la table des axes à l'image des modules `droits/axes/`.

    Un axe retiré du code est désactivé, jamais supprimé : l'historique y reste rattaché.
    """
    compte = {"crees": 0, "mis_a_jour": 0, "desactives": 0}
    for definition in AXES.values():
        _, cree = Axe.objects.update_or_create(
            code=definition.code,
            defaults={
                "ordre": definition.ordre,
                "libelle": definition.libelle,
                "libelle_court": definition.libelle_court,
                "description": definition.description,
                "actif": True,
            },
        )
        compte["crees" if cree else "mis_a_jour"] += 1
    compte["desactives"] = Axe.objects.exclude(code__in=AXES).filter(actif=True).update(actif=False)
    return compte
