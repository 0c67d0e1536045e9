"""Normalisation des noms pour la recherche et les doublons : sans accents, minuscules."""

import re
import unicodedata
from functools import lru_cache

_NON_LETTRES = re.compile(r"[^a-z0-9]+")


def normaliser(texte: str) -> str:
    """« Lefèvre-Dupont  » -> « lefevre dupont » ; « Œuvray » -> « oeuvray »."""
    texte = (
        (texte or "").replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    )
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return _NON_LETTRES.sub(" ", sans_accents.lower()).strip()


# --- Clé phonétique française -----------------------------------------------------------------
#
# Squelette consonantique à la française : les graphies qui se prononcent pareil donnent la même
# clé (« Lefèvre », « Lefebvre », « Lefevre » -> LFVR ; « Mohamed », « Mohammed », « Mouhamed »,
# « Mohmed » -> MMT… sans la finale muette -> MM ; « Philippe », « Filipe » -> FLP). Inspirée des
# Soundex français (Phonex, Soundex2) : une voyelle initiale est gardée par famille de sons, les
# voyelles suivantes et les h sont omis, les consonnes doublées réduites, les finales muettes
# (s, x, z, t, d, -er) retirées ; la clé n'est pas tronquée. Voir l'ADR 0004.

_VOYELLES = frozenset("aeiouy")

#: Groupes de lettres réécrits avant le codage, dans cet ordre (majuscule = son déjà codé).
_GRAPHIES = [
    (re.compile(r"sch|sh"), "ch"),
    (re.compile(r"ch(?=[rl])"), "k"),  # Christophe, Chloé
    (re.compile(r"ph"), "f"),
    (re.compile(r"([tgrk])h"), r"\1"),  # Thomas, Ghislain, Rhône, Khaled
    (re.compile(r"ch"), "C"),  # chuintante
    (re.compile(r"ck|qu|q"), "k"),
    (re.compile(r"gn"), "n"),
    (re.compile(r"gu(?=[eiy])"), "G"),  # Guillaume : g dur
    (re.compile(r"g(?=[eiy])"), "J"),  # Gérôme, Georges : g doux
    (re.compile(r"c(?=[eiy])"), "s"),  # Cécile, Youcef
    (re.compile(r"c"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"w"), "v"),
    (re.compile(r"z"), "s"),
    (re.compile(r"bv"), "v"),  # Lefebvre
    (re.compile(r"h"), ""),
]

_CODES = {
    "b": "B",
    "d": "T",
    "t": "T",
    "f": "F",
    "v": "V",
    "j": "J",
    "J": "J",
    "g": "G",
    "G": "G",
    "k": "K",
    "l": "L",
    "m": "M",
    "n": "N",
    "p": "P",
    "r": "R",
    "s": "S",
    "C": "C",
}

#: Voyelle initiale, par famille de sons.
_INITIALES = [
    ("eau", "O"),
    ("au", "O"),
    ("ou", "U"),
    ("ai", "E"),
    ("ei", "E"),
    ("a", "A"),
    ("e", "E"),
    ("i", "I"),
    ("y", "I"),
    ("o", "O"),
    ("u", "U"),
]


@lru_cache(maxsize=65536)
def _cle_mot(mot: str) -> str:
    s = mot.lstrip("h") or mot
    if len(s) > 3:
        s = re.sub(r"[sxz]$", "", s)
    if len(s) > 3:
        s = re.sub(r"[dt]$", "", s)
    if len(s) > 4:
        s = re.sub(r"er$", "e", s)
    cle = ""
    for debut, code in _INITIALES:
        if s.startswith(debut):
            cle, s = code, s[len(debut) :]
            break
    for motif, remplacement in _GRAPHIES:
        s = motif.sub(remplacement, s)
    precedent = ""
    for lettre in s:
        code = _CODES.get(lettre)
        if code is None:  # voyelle : sépare deux consonnes identiques (Mamadou : MMT)
            precedent = ""
            continue
        if code != precedent:
            cle += code
        precedent = code
    return cle or mot[:1].upper()


def cle_phonetique(texte: str) -> str:
    """Clé phonétique d'un nom entier, mots accolés : « N'Diaye » et « Ndiaye » -> NT."""
    return _cle_mot(normaliser(texte).replace(" ", "")) if normaliser(texte) else ""


def premier_mot(texte: str) -> str:
    mots = normaliser(texte).split()
    return mots[0] if mots else ""


# --- Ressemblance tolérante d'un texte tapé avec les noms d'une personne -----------------------


def distance(a: str, b: str) -> int:
    """Distance d'édition (Damerau restreinte : une inversion de deux lettres compte pour un)."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    avant, ligne = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        courante = [i]
        for j, cb in enumerate(b, 1):
            cout = ca != cb
            valeur = min(ligne[j] + 1, courante[j - 1] + 1, ligne[j - 1] + cout)
            if avant is not None and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                valeur = min(valeur, avant[j - 2] + 1)
            courante.append(valeur)
        avant, ligne = ligne, courante
    return ligne[-1]


def fautes_tolerees(mot: str) -> int:
    """Fautes de frappe tolérées dans un mot : aucune sous 4 lettres, 2 à partir de 8."""
    return 0 if len(mot) < 4 else 1 if len(mot) < 8 else 2


@lru_cache(maxsize=50000)
def ressemblance_mots(tape: str, connu: str) -> float:
    """0 si le mot tapé ne désigne pas le mot connu ; sinon de 0,6 à 1 (identique).

    Début du mot (saisie en cours), faute de frappe (distance d'édition), ou même clé
    phonétique ; la note suit la distance d'édition pour classer le plus proche d'abord.
    """
    if tape == connu:
        return 1.0
    if len(tape) >= 2 and connu.startswith(tape):
        return 0.85
    longueur = max(len(tape), len(connu))
    cle = _cle_mot(tape)
    meme_son = cle == _cle_mot(connu)
    tolerance = fautes_tolerees(tape)
    if not meme_son and (
        abs(len(tape) - len(connu)) > tolerance or len(set(tape) ^ set(connu)) > 2 * tolerance
    ):
        return 0.0
    d = distance(tape, connu)
    proche = max(0.0, 1 - d / longueur)
    # Une clé d'une lettre (« Théo », « Léa ») est trop vague seule : une faute au plus.
    if meme_son and (len(cle) >= 2 or d <= 1):
        return 0.6 + 0.35 * proche
    return proche if d <= tolerance else 0.0


def _mots_connus(recherche: str) -> list[str]:
    mots = recherche.split()
    return mots + ["".join(mots[i : i + 2]) for i in range(len(mots) - 1)]


def mots_de_recherche(texte: str) -> list[str]:
    """Mots d'un texte tapé, une lettre isolée accolée au mot suivant (« n diaye » -> ndiaye)."""
    mots, lettres = [], ""
    for mot in normaliser(texte).split():
        if len(mot) == 1:
            lettres += mot
            continue
        mots.append(lettres + mot)
        lettres = ""
    if lettres:
        mots.append(lettres)
    return mots


@lru_cache(maxsize=20000)
def ressemblance(tapes: tuple[str, ...], recherche: str) -> float:
    """Ressemblance (0 à 1) des mots tapés avec les noms d'une personne (colonne `recherche`).

    0 si l'un des mots tapés ne ressemble à aucun de ses noms ; sinon la moyenne des meilleures
    ressemblances de chaque mot.
    """
    if not tapes:
        return 0.0
    connus = _mots_connus(recherche)
    total = 0.0
    for tape in tapes:
        meilleure = max((ressemblance_mots(tape, connu) for connu in connus), default=0.0)
        if not meilleure:
            return 0.0
        total += meilleure
    return total / len(tapes)


def variante_probable(nom_a: str, nom_b: str) -> bool:
    """Deux noms (normalisés) sont sans doute le même, écrit autrement : même clé phonétique
    assez précise (deux consonnes au moins), ou une seule faute de frappe sur un nom long."""
    if nom_a == nom_b:
        return True
    a, b = nom_a.replace(" ", ""), nom_b.replace(" ", "")
    if _cle_mot(a) == _cle_mot(b) and len(_cle_mot(a)) >= 2:
        return True
    return len(a) >= 5 and distance(a, b) <= 1
