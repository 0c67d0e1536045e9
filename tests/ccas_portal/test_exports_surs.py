import csv
import io

import pytest

from ccas_portal.exports_surs import csv_sur, neutraliser


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        ('=HYPERLINK("http://x";"clic")', '\'=HYPERLINK("http://x";"clic")'),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SOMME(A1)", "'@SOMME(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Martin", "Martin"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (12, "12"),
    ],
)
def test_une_cellule_qui_commencerait_une_formule_est_neutralisee(valeur, attendu):
    assert neutraliser(valeur) == attendu


def test_csv_sur_est_lisible_par_un_tableur_francais():
    contenu = csv_sur([["Nom", "Note"], ["=1+1", "Lefèvre; Dupont"]])
    assert contenu.startswith("\ufeff".encode())
    lignes = list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))
    assert lignes == [["Nom", "Note"], ["'=1+1", "Lefèvre; Dupont"]]
