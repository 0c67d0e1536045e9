"""Une réserve de pile pour les calculs récursifs d'OpenFisca.

CPython (3.11 et suivants) range les cadres d'appel des fonctions Python dans des blocs de
16 Kio qu'il demande au système (`mmap`) quand la pile d'appels franchit la fin d'un bloc, et
qu'il rend (`munmap`) dès que l'appel qui l'a ouvert se termine. Le calcul d'une simulation
appelle des formules qui appellent des formules : sa profondeur va et vient sans cesse ; si
elle oscille autour d'une fin de bloc, chaque appel coûte un `mmap`, un `munmap` et des
défauts de page. Mesuré dans un worker Celery, dont la pile de départ est plus profonde que
celle d'un script : 380 000 défauts de page par lot de 5 000 foyers (≈ 1,5 Go mis à zéro),
et une simulation 1,5 fois plus lente que dans un script (docs/benchmarks.md).

`pile_reservee` appelle la fonction depuis un cadre qui annonce une très grande pile de
travail (`co_stacksize`) : CPython lui donne un bloc à lui de 1 Mio dont il n'occupe que la
première moitié, et tous les appels qu'il fait tiennent dans la seconde — plus aucun bloc
demandé ni rendu pendant le calcul. Les pages de ce bloc ne sont réservées qu'au premier
usage ; le bloc est rendu au retour.
"""

import functools

#: Emplacements (8 octets) annoncés par le cadre d'appel : ≈ 528 Kio, d'où un bloc de 1 Mio
#: et ≈ 520 Kio (≈ 65 000 emplacements, des centaines d'appels imbriqués) pour les appelés.
RESERVE = 66_000


def _appeler(fonction, args, kwargs):
    return fonction(*args, **kwargs)


_appeler.__code__ = _appeler.__code__.replace(co_stacksize=_appeler.__code__.co_stacksize + RESERVE)


def pile_reservee(fonction):
    """Décorateur : la fonction et tout ce qu'elle appelle s'exécutent dans un seul bloc de
    pile réservé d'avance (voir le module)."""

    @functools.wraps(fonction)
    def enveloppe(*args, **kwargs):
        return _appeler(fonction, args, kwargs)

    return enveloppe
