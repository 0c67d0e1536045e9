"""Cellules sûres pour les exports CSV et XLSX : neutralise l'injection de formules.

Un tableur exécute une cellule qui commence par `=`, `+`, `-`, `@` (et, selon le logiciel, une
tabulation ou un retour chariot) comme une formule : un nom de site, de partenaire ou de motif
saisi « =HYPERLINK(…) » deviendrait un lien piégé dans le fichier exporté. Recommandation de
l'OWASP (« CSV Injection ») : préfixer une telle cellule d'une apostrophe, qui la fait lire comme
du texte. Les nombres (« -12 », « -3,50 ») restent des nombres. Tout export CSV ou XLSX du
portail écrit ses cellules par ces fonctions (`ccas_portal/pilotage/exports.py`).
"""

import csv
import io
import re
from collections.abc import Iterable

#: Les premiers caractères qui font d'une cellule une formule (OWASP).
DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")
_NOMBRE = re.compile(r"-?\d+(?:[.,]\d+)?")


def neutraliser(valeur):
    """La cellule telle qu'un tableur la lira comme texte : une chaîne qui commence comme une
    formule reçoit une apostrophe en tête ; un nombre, ou une chaîne qui n'est qu'un nombre
    (« -12 », « -3,50 »), est rendu tel quel."""
    if not isinstance(valeur, str) or not valeur.startswith(DEBUTS_DE_FORMULE):
        return valeur
    if _NOMBRE.fullmatch(valeur):
        return valeur
    return "'" + valeur


def ligne_sure(cellules) -> list:
    """Une ligne de cellules neutralisées (pour `csv.writer.writerow`)."""
    return [neutraliser(c) for c in cellules]


class EcrivainCsvSur:
    """Un `csv.writer` qui neutralise chaque cellule avant de l'écrire."""

    def __init__(self, sortie, **options):
        self._ecrivain = csv.writer(sortie, **options)

    def writerow(self, cellules):
        return self._ecrivain.writerow(ligne_sure(cellules))

    def writerows(self, lignes):
        for cellules in lignes:
            self.writerow(cellules)


def ecrire_texte_xlsx(feuille, ligne: int, colonne: int, texte: str, *formats) -> None:
    """Écrit un texte dans une feuille XlsxWriter, neutralisé (jamais une formule)."""
    feuille.write_string(ligne, colonne, neutraliser(texte), *formats)


def csv_sur(lignes: Iterable[Iterable]) -> bytes:
    """Un CSV pour un tableur français (« ; », fins de ligne CRLF, UTF-8 avec BOM pour les
    accents), chaque cellule neutralisée."""
    sortie = io.StringIO()
    EcrivainCsvSur(sortie, delimiter=";", lineterminator="\r\n").writerows(lignes)
    return ("\ufeff" + sortie.getvalue()).encode("utf-8")
