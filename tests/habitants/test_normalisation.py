"""Clé phonétique française, distance d'édition et ressemblance des noms (sans base)."""

import pytest

from habitants.normalisation import (
    cle_phonetique,
    distance,
    mots_de_recherche,
    ressemblance,
    ressemblance_mots,
    variante_probable,
)


@pytest.mark.parametrize(
    "graphies",
    [
        ["Lefèvre", "Lefebvre", "Lefevre", "LEFEVRE", "lfevre"],
        ["Mohamed", "Mohammed", "Mouhamed", "Mohmed", "Mohamad", "Muhammad"],
        ["Philippe", "Filipe", "Philipe"],
        ["Dupont", "Dupond"],
        ["N'Diaye", "Ndiaye", "N Diaye"],
        ["Christophe", "Kristof"],
        ["Jérôme", "Gérôme"],
        ["Youssef", "Youcef", "Yousef"],
        ["Yacine", "Yassine"],
        ["Gauthier", "Gautier"],
        ["Thomas", "Tomas"],
        ["Aïcha", "Aisha"],
        ["Ben Ali", "Benali"],
    ],
)
def test_memes_sons_meme_cle(graphies):
    assert len({cle_phonetique(g) for g in graphies}) == 1, [
        (g, cle_phonetique(g)) for g in graphies
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [("Martin", "Marin"), ("Lefèvre", "Lebrun"), ("Mohamed", "Mamadou"), ("Inès", "Anaïs")],
)
def test_sons_differents_cles_differentes(a, b):
    assert cle_phonetique(a) != cle_phonetique(b)


def test_cle_vide_pour_un_texte_sans_lettre():
    assert cle_phonetique("  - ") == ""


def test_distance_compte_une_inversion_pour_une_faute():
    assert distance("martin", "martin") == 0
    assert distance("matrin", "martin") == 1  # lettres inversées
    assert distance("lfevre", "lefevre") == 1  # lettre oubliée
    assert distance("lfevre", "lefebvre") == 2
    assert distance("", "abc") == 3


def test_ressemblance_des_mots():
    assert ressemblance_mots("martin", "martin") == 1.0
    assert ressemblance_mots("lef", "lefevre") == 0.85  # début de mot
    # Faute de frappe : le plus proche a la meilleure note.
    assert ressemblance_mots("lfevre", "lefevre") > ressemblance_mots("lfevre", "lefebvre") > 0
    assert ressemblance_mots("filipe", "philippe") > 0  # même son, trois lettres d'écart
    assert ressemblance_mots("teo", "theo") > 0  # clé d'une lettre : une faute au plus
    assert ressemblance_mots("lea", "lou") == 0.0
    assert ressemblance_mots("zoe", "lea") == 0.0
    assert ressemblance_mots("dupont", "durand") == 0.0


def test_chaque_mot_tape_doit_ressembler():
    assert ressemblance(("lfevre", "helene"), "lefevre helene") > ressemblance(
        ("lfevre", "helene"), "lefebvre helene"
    )
    assert ressemblance(("lefevre", "sophie"), "lefevre helene") == 0.0
    assert ressemblance(("ndiaye", "awa"), "n diaye awa") == 1.0  # mots accolés


def test_mots_de_recherche_accole_les_lettres_isolees():
    assert mots_de_recherche("N'Diaye Awa") == ["ndiaye", "awa"]
    assert mots_de_recherche("d'Alembert Jean") == ["dalembert", "jean"]
    assert mots_de_recherche("Awa N") == ["awa", "n"]


def test_variante_probable():
    assert variante_probable("mohamed", "mohammed")
    assert variante_probable("jouve", "jouve")
    assert variante_probable("garnier", "garnir")  # une faute sur un nom long
    assert not variante_probable("lea", "leo")  # même clé « L », trop vague
    assert not variante_probable("martin", "bernard")
