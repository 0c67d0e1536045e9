"""La réserve de pile : même résultat, et plus de bloc de pile demandé puis rendu à chaque
appel quand la profondeur oscille autour d'une fin de bloc (défauts de page comptés)."""

import resource

import pytest

from droits.detection.pile import pile_reservee


def test_appelle_la_fonction_telle_quelle():
    @pile_reservee
    def additionner(a, b, *, c=0):
        """Documentation gardée."""
        return a + b + c

    assert additionner(1, 2, c=3) == 6
    assert additionner.__name__ == "additionner"
    assert additionner.__doc__ == "Documentation gardée."

    @pile_reservee
    def echouer():
        raise ValueError("non")

    with pytest.raises(ValueError, match="non"):
        echouer()


def _feuille(n):
    return 0 if n == 0 else _feuille(n - 1) + 1


def _pire_profondeur() -> int:
    """Le plus de défauts de page pour 300 appels courts faits depuis une même profondeur,
    sur 400 profondeurs de départ : l'une d'elles tombe sur une fin de bloc de pile."""

    def depuis(profondeur):
        if profondeur:
            return depuis(profondeur - 1)
        avant = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(300):
            _feuille(3)
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - avant

    return max(depuis(p) for p in range(400))


def test_plus_de_va_et_vient_de_blocs_de_pile():
    # Sans réserve, à une profondeur au moins, chaque appel redemande un bloc au système.
    assert _pire_profondeur() >= 300
    # Avec la réserve, tous les appels tiennent dans le bloc réservé.
    assert pile_reservee(_pire_profondeur)() < 30
