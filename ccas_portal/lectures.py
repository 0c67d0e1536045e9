"""Lectures en parallèle : les requêtes indépendantes d'un même chargement, envoyées ensemble.

Un lot de la détection lit dix requêtes (membres, personnes, loyers, ressources…) : lues
l'une après l'autre, le worker attend PostgreSQL ≈ 0,2 s par lot de 10 000 foyers, sans
calculer. Lancées ensemble, chacune dans un fil et par sa propre connexion, PostgreSQL les
exécute pendant que le fil principal lit les résultats des autres : le chargement d'un lot
passe de 0,30–0,39 s à 0,21–0,27 s dans un worker (ADR 0037, docs/benchmarks.md).

En parallèle seulement quand l'appelant le demande (les gros chargements : un lot de la
détection), sur PostgreSQL et hors d'une transaction : une autre connexion ne verrait pas ce
qu'une transaction ouverte n'a pas encore validé (les tests en `TestCase`, une vue dans une
transaction lisent donc l'un après l'autre, dans l'ordre, comme avant). Le réglage
`LECTURES_PARALLELES = False` les remet toujours l'une après l'autre. Des lectures seulement :
rien n'est écrit par ces fils.

Chaque fil garde sa connexion selon `CONN_MAX_AGE`, comme une requête web (60 s par défaut :
se reconnecter à chaque lecture coûterait ≈ 0,08 s par lot) ; les fils sont créés à la
demande dans chaque processus (un worker Celery né par fork n'hérite d'aucun fil).
"""

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

#: Fils de lecture par processus : autant que de requêtes lancées ensemble par la détection
#: (neuf : ADR 0037, « Suite »).
FILS = 9

_verrou = threading.Lock()
_executeurs: dict[int, ThreadPoolExecutor] = {}  # par processus (os.getpid())


def _executeur() -> ThreadPoolExecutor:
    with _verrou:
        executeur = _executeurs.get(os.getpid())
        if executeur is None:
            _executeurs.clear()  # ceux d'un processus parent (fork) : sans fils ici
            executeur = _executeurs[os.getpid()] = ThreadPoolExecutor(
                max_workers=FILS, thread_name_prefix="lecture"
            )
        return executeur


def possibles(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Les lectures peuvent-elles partir en parallèle sur cette base, maintenant ?"""
    connexion = connections[using]
    return (
        getattr(settings, "LECTURES_PARALLELES", True)
        and connexion.vendor == "postgresql"
        and not connexion.in_atomic_block
    )


def _dans_un_fil(using: str, fonction, args):
    try:
        return fonction(*args)
    finally:
        # Comme à la fin d'une requête web : fermée si elle a échoué ou si `CONN_MAX_AGE`
        # est passé (0 : fermée tout de suite).
        connections[using].close_if_unusable_or_obsolete()


class Lectures:
    """Les lectures d'un chargement : `lectures.lancer(f, *args)` rend une lecture
    (`concurrent.futures.Future`) dont `.result()` attend et rend `f(*args)` (ou lève son
    erreur). Avec `en_parallele`, dans les fils de lecture quand c'est possible (`possibles`) ;
    sinon tout de suite, dans le fil de l'appelant."""

    def __init__(self, *, en_parallele: bool = False, using: str = DEFAULT_DB_ALIAS):
        self.using = using
        self.paralleles = en_parallele and possibles(using)

    def lancer(self, fonction, *args) -> Future:
        if self.paralleles:
            return _executeur().submit(_dans_un_fil, self.using, fonction, args)
        lecture = Future()
        try:
            lecture.set_result(fonction(*args))
        except Exception as erreur:
            lecture.set_exception(erreur)
        return lecture
