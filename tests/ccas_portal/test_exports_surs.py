"""Neutralisation des formules dans les exports CSV et XLSX (ccas_portal/exports_surs.py)."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from ccas_portal.exports_surs import csv_sur, ligne_sure, neutraliser
from tests.ccas_portal.test_pilotage import monde  # noqa: F401  (fixture)

RACINE = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        ('=HYPERLINK("http://x","clic")', '\'=HYPERLINK("http://x","clic")'),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12", "-12"),
        ("-3,50", "-3,50"),
        ("Maison A", "Maison A"),
        ("< 5", "< 5"),
        ("", ""),
        (-4, -4),
        (None, None),
    ],
)
def test_neutraliser(valeur, attendu):
    assert neutraliser(valeur) == attendu


def test_ligne_sure():
    assert ligne_sure(["=1+1", 3, "texte"]) == ["'=1+1", 3, "texte"]


def test_csv_sur_est_lisible_par_un_tableur_francais():
    contenu = csv_sur([["Nom", "Note"], ["=1+1", "Lefèvre; Dupont"], ["-12", None]])
    assert contenu.startswith("\ufeff".encode())
    lignes = list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))
    assert lignes == [["Nom", "Note"], ["'=1+1", "Lefèvre; Dupont"], ["-12", ""]]


def test_aucun_export_n_ecrit_sans_neutraliser():
    """Tout csv.writer et tout write_string/write d'XlsxWriter passent par exports_surs."""
    motif = re.compile(r"csv\.writer\(|\.write_string\(|\.write\(\s*\w+\s*,\s*\w+\s*,")
    fautifs = [
        p
        for d in ("ccas_portal", "droits", "habitants", "accompagnement")
        for p in (RACINE / d).rglob("*.py")
        if p.name != "exports_surs.py" and motif.search(p.read_text(encoding="utf-8"))
    ]
    assert fautifs == []


@pytest.fixture
def site_piege(monde):  # noqa: F811
    monde.a.nom = '=HYPERLINK("http://exemple.invalid","Maison A")'
    monde.a.save()
    return monde


def test_export_csv_d_un_nom_de_site_piege(client, site_piege):
    client.force_login(site_piege.responsable)
    url = reverse("export_tableau", args=["par_site", "csv"])
    reponse = client.get(url, {"periode": "mois", "annee": "2026", "mois": "3"})
    lignes = list(csv.reader(io.StringIO(reponse.content.decode("utf-8-sig")), delimiter=";"))
    premieres = [ligne[0] for ligne in lignes if ligne]
    assert '\'=HYPERLINK("http://exemple.invalid","Maison A")' in premieres
    assert not any(c.startswith("=") for ligne in lignes for c in ligne)


def test_export_xlsx_d_un_nom_de_site_piege(client, site_piege):
    import openpyxl

    client.force_login(site_piege.responsable)
    url = reverse("export_tableau", args=["par_site", "xlsx"])
    reponse = client.get(url, {"periode": "mois", "annee": "2026", "mois": "3"})
    classeur = openpyxl.load_workbook(io.BytesIO(reponse.content))
    valeurs = [c.value for ligne in classeur.active.iter_rows() for c in ligne]
    assert '\'=HYPERLINK("http://exemple.invalid","Maison A")' in valeurs
    assert not any(isinstance(v, str) and v.startswith("=") for v in valeurs)
    assert all(c.data_type != "f" for ligne in classeur.active.iter_rows() for c in ligne)
