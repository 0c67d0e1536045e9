"""Le tas d'un worker de calcul gardé d'un lot à l'autre (glibc, ADR 0043).

Un lot de 10 000 foyers alloue ≈ 1,2 Go de tableaux de 40 à 200 Kio, rendus en fin de lot.
Par défaut, l'allocateur de la glibc sert un tableau de plus de 128 Kio par `mmap` (puis relève
ce seuil, à la volée, à la taille du dernier tableau rendu) et rend au système le haut du tas
dès qu'il dépasse deux fois ce seuil : chaque nouvelle taille de tableau, chaque lot un peu plus
grand que le précédent redemande des pages au système, et chaque page demandée coûte un défaut
de page (mise à zéro par le noyau). Deux workers qui en font des centaines de milliers en même
temps s'attendent l'un l'autre.

`garder_le_tas` fixe les deux seuils (`mallopt`) : tout tableau de moins de 32 Mio vient du tas,
et le tas n'est plus rendu au système. La mémoire résidente du worker reste celle de son plus
gros lot (le pic, mesuré dans docs/benchmarks.md), ce qu'elle était déjà d'un lot à l'autre.
Hors glibc (musl, macOS), rien n'est changé.
"""

import ctypes
import ctypes.util

#: Paramètres de `mallopt` (malloc.h de la glibc).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: Le plus grand seuil de `mmap` que la glibc accepte en 64 bits (DEFAULT_MMAP_THRESHOLD_MAX).
SEUIL_MMAP = 32 * 1024 * 1024
#: Rendre le haut du tas au système au-delà de ce qu'un int peut dire : jamais, en pratique.
SEUIL_RENDU = 2**31 - 1


def garder_le_tas() -> bool:
    """Fixe les seuils de l'allocateur de la glibc pour ce processus ; False hors glibc."""
    nom = ctypes.util.find_library("c")
    if not nom:
        return False
    try:
        libc = ctypes.CDLL(nom)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, SEUIL_MMAP)) and bool(
        mallopt(M_TRIM_THRESHOLD, SEUIL_RENDU)
    )
