"""Un formulaire renvoyé n'écrit qu'une fois (double clic, rejeu du réseau, retour arrière).

Chaque formulaire d'écriture porte un jeton caché (`FormulairePortail.jeton`), nouveau à chaque
affichage d'un formulaire vide. L'écriture et l'enregistrement du jeton se font dans la même
transaction : si l'écriture échoue (erreur de saisie), le jeton n'est pas gardé et le
formulaire corrigé peut repartir ; si le jeton est déjà là, rien n'est écrit. Deux envois
simultanés du même jeton : la contrainte d'unicité de la base fait attendre le second, qui
trouve ensuite le jeton et n'écrit rien.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from ccas_portal.models import Agent, SoumissionTraitee

T = TypeVar("T")

#: Un jeton plus vieux n'empêche plus rien : un formulaire laissé ouverte une semaine
#: repart comme un nouveau.
DUREE_DE_GARDE = timedelta(days=7)


class DejaTraite(Exception):
    """Ce formulaire (ce jeton) a déjà été enregistré : rien n'a été écrit cette fois."""


def une_seule_fois(*, jeton: UUID | None, agent: Agent, ecrire: Callable[[], T]) -> T:
    """Appelle `ecrire()` et garde le jeton, dans une transaction ; lève DejaTraite si le
    jeton a déjà servi. Sans jeton (client qui n'en envoie pas), écrit simplement."""
    if jeton is None:
        return ecrire()
    with transaction.atomic():
        try:
            with transaction.atomic():
                SoumissionTraitee.objects.create(jeton=jeton, agent=agent)
        except IntegrityError:
            raise DejaTraite from None
        resultat = ecrire()
    purger()
    return resultat


def purger(*, maintenant=None) -> int:
    """Efface les jetons de plus de 7 jours ; renvoie leur nombre."""
    limite = (maintenant or timezone.now()) - DUREE_DE_GARDE
    return SoumissionTraitee.objects.filter(le__lt=limite).delete()[0]
