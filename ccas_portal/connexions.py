"""Freiner qui essaie des mots de passe : après `CONNEXION_ECHECS_MAX` échecs (5 par défaut)
pour un même identifiant depuis une même adresse en `CONNEXION_BLOCAGE_MINUTES` minutes (15),
les tentatives suivantes sont refusées sans vérifier le mot de passe, jusqu'à ce que le plus
ancien de ces échecs ait plus de 15 minutes. Une connexion réussie efface les échecs.

Les échecs sont en base (`EchecConnexion`) : tous les processus du serveur les voient. Le même
traitement vaut pour un identifiant qui n'existe pas : le refus ne dit pas si le compte existe.
Derrière un mandataire inverse, l'adresse vue est la sienne : le frein porte alors sur
l'identifiant seul (voir le README).
"""

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ccas_portal.models import EchecConnexion


def _reglages() -> tuple[int, timedelta]:
    return (
        settings.CONNEXION_ECHECS_MAX,
        timedelta(minutes=settings.CONNEXION_BLOCAGE_MINUTES),
    )


def _cle(identifiant: str) -> str:
    return identifiant.strip().lower()[:150]


def minutes_de_blocage(identifiant: str, adresse: str | None) -> int:
    """0 si une tentative est permise ; sinon les minutes (arrondies au-dessus) à attendre."""
    maximum, fenetre = _reglages()
    recents = EchecConnexion.objects.filter(
        identifiant=_cle(identifiant), adresse_ip=adresse, le__gte=timezone.now() - fenetre
    )
    dates = list(recents.order_by("-le").values_list("le", flat=True)[:maximum])
    if len(dates) < maximum:
        return 0
    # Libre quand le plus ancien des `maximum` derniers échecs sort de la fenêtre.
    reste = dates[-1] + fenetre - timezone.now()
    return max(1, math.ceil(reste.total_seconds() / 60))


def noter_echec(identifiant: str, adresse: str | None) -> None:
    maintenant = timezone.now()
    EchecConnexion.objects.filter(le__lt=maintenant - timedelta(days=1)).delete()
    EchecConnexion.objects.create(identifiant=_cle(identifiant), adresse_ip=adresse, le=maintenant)


def effacer_echecs(identifiant: str, adresse: str | None) -> None:
    EchecConnexion.objects.filter(identifiant=_cle(identifiant), adresse_ip=adresse).delete()
