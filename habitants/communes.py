"""Le référentiel des communes (code INSEE), chargé une fois depuis donnees/communes.csv."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FICHIER = Path(__file__).parent / "donnees" / "communes.csv"

#: Les 49 communes de Grenoble-Alpes Métropole, pour les données de démonstration.
METROPOLE_GRENOBLE = [
    "38185",
    "38421",
    "38151",
    "38169",
    "38229",
    "38382",
    "38485",
    "38474",
    "38317",
    "38158",
    "38545",
    "38524",
    "38486",
    "38111",
    "38562",
    "38179",
    "38150",
    "38516",
    "38423",
    "38126",
]


@dataclass(frozen=True)
class Commune:
    code_insee: str
    nom: str
    departement: str
    codes_postaux: tuple[str, ...]


@cache
def _communes() -> dict[str, Commune]:
    with FICHIER.open(encoding="utf-8", newline="") as f:
        return {
            ligne["code_insee"]: Commune(
                ligne["code_insee"],
                ligne["nom"],
                ligne["departement"],
                tuple(ligne["codes_postaux"].split()),
            )
            for ligne in csv.DictReader(f, delimiter=";")
        }


def commune(code_insee: str) -> Commune | None:
    return _communes().get((code_insee or "").strip().upper())


@cache
def _par_code_postal() -> dict[str, tuple[Commune, ...]]:
    index: dict[str, list[Commune]] = {}
    for c in _communes().values():
        for cp in c.codes_postaux:
            index.setdefault(cp, []).append(c)
    return {cp: tuple(liste) for cp, liste in index.items()}


def communes_du_code_postal(code_postal: str) -> tuple[Commune, ...]:
    """Les communes qui ont ce code postal (souvent une, parfois plusieurs)."""
    return _par_code_postal().get((code_postal or "").strip(), ())
