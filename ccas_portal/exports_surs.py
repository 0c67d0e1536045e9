"""Exports sûrs pour un tableur : le module commun à tous les exports CSV du portail.

Une cellule qui commence par « = », « + », « - » ou « @ » (ou par une tabulation ou un retour
chariot, que certains tableurs ignorent avant de lire une formule) serait lue comme une
formule par Excel ou LibreOffice à l'ouverture du fichier : injection de formule (OWASP
« CSV Injection »). Un nom saisi « =HYPERLINK(…) » deviendrait un lien piégé dans le fichier
d'un administrateur. `neutraliser` préfixe ces cellules d'une apostrophe, que le tableur
n'affiche pas et qui fait lire la cellule comme du texte.
"""

import csv
import io
from collections.abc import Iterable

#: Premiers caractères qui font lire une cellule comme une formule.
DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def neutraliser(valeur) -> str:
    """La valeur en texte, précédée d'une apostrophe si elle commencerait une formule."""
    texte = "" if valeur is None else str(valeur)
    if texte.startswith(DEBUTS_DE_FORMULE):
        return "'" + texte
    return texte


def csv_sur(lignes: Iterable[Iterable]) -> bytes:
    """Un CSV pour un tableur français (« ; », fins de ligne CRLF, UTF-8 avec BOM pour les
    accents), chaque cellule neutralisée."""
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
    for ligne in lignes:
        ecrivain.writerow([neutraliser(cellule) for cellule in ligne])
    return ("\ufeff" + sortie.getvalue()).encode("utf-8")
