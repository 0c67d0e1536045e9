"""Normalisation des noms pour la recherche et les doublons : sans accents, minuscules."""

import re
import unicodedata

_NON_LETTRES = re.compile(r"[^a-z0-9]+")


def normaliser(texte: str) -> str:
    """« Lefèvre-Dupont  » -> « lefevre dupont » ; « Œuvray » -> « oeuvray »."""
    texte = (
        (texte or "").replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    )
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return _NON_LETTRES.sub(" ", sans_accents.lower()).strip()
