"""Le ramasse-miettes pendant un lot de la détection (docs/benchmarks.md, ADR 0039).

Un lot garde en vie des centaines de milliers d'objets sans cycle (lignes lues, foyers,
personnes, estimations) ; une simulation d'OpenFisca, elle, est un graphe d'objets à cycles
qui tient ≈ 1 Go de tableaux pour 10 000 foyers. Trois règles :

- hors du calcul d'OpenFisca, les collectes automatiques sont coupées
  (`sans_collecte_automatique`) : elles reparcourraient pour rien les objets du lot ;
- une simulation finie rend ses tableaux tout de suite (`rendre_les_tableaux`), sans attendre
  qu'une collecte complète trouve son graphe : une collecte complète au milieu du lot
  reparcourrait tous les objets du lot (50 à 120 ms par lot de 10 000 foyers) ;
- le graphe restant (quelques mégaoctets, sans ses tableaux) est ramassé en fin de lot
  (`collecte_de_fin_de_lot`), quand les objets du lot ne sont plus là.
"""

import gc
from contextlib import contextmanager


@contextmanager
def sans_collecte_automatique():
    """Le ramasse-miettes automatique coupé le temps d'une phase du lot hors calcul (lecture,
    préparation, extraction, empreintes, décision, écriture) : elles créent des centaines de
    milliers d'objets sans cycle qui vivent jusqu'à la fin du lot, et que ses collectes
    reparcourraient pour rien (≈ 350 collectes et 3 complètes par lot de 10 000 foyers). Il
    reste actif pendant le calcul d'OpenFisca, qui crée des cycles. Rend le ramasse-miettes
    tel qu'il était, même si la phase échoue."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def rendre_les_tableaux(simulation) -> None:
    """Vide les tableaux de chaque variable d'une simulation finie (API d'OpenFisca :
    `get_memory_usage`, `delete_arrays`) : leur mémoire est rendue dès maintenant, par le
    compte des références, même si le graphe de la simulation attend encore une collecte.
    Les tableaux déjà lus par l'appelant (`calculate`) restent valables : il en garde une
    référence."""
    for population in simulation.populations.values():
        for variable in population.get_memory_usage()["by_variable"]:
            simulation.delete_arrays(variable)


def collecte_de_fin_de_lot() -> int:
    """La collecte complète d'un lot fini : les graphes des simulations du lot (sans leurs
    tableaux, déjà rendus), quand les objets du lot ont disparu — quelques millisecondes."""
    return gc.collect()
