"""Exports CSV et XLSX d'un tableau du tableau de bord : les filtres dans le nom du fichier et
en tête, les chiffres masqués (« < 5 », « masqué : moins de 5 foyers », « secret ») comme à
l'écran. Aucune donnée nominative : ce sont les mêmes tableaux d'agrégats. Chaque cellule de
texte passe par `ccas_portal/exports_surs.py` (pas de formule injectée par un libellé)."""

import io

import xlsxwriter
from django.utils import timezone
from django.utils.text import slugify

from ccas_portal.exports_surs import EcrivainCsvSur, ecrire_texte_xlsx
from ccas_portal.models import Site
from ccas_portal.petits_effectifs import LEGENDE
from ccas_portal.pilotage.indicateurs import Filtres
from ccas_portal.pilotage.tableaux import Tableau

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def nom_de_fichier(page: str, tableau: Tableau, filtres: Filtres, extension: str) -> str:
    codes = dict(Site.objects.values_list("pk", "code"))
    choisis = filtres.sites_effectifs  # un responsable de site : les siens, jamais « tous »
    sites = "-".join(sorted(codes[pk] for pk in choisis)) if choisis is not None else "tous"
    axes = "-".join(filtres.axes) if filtres.axes else "tous"
    nom = (
        f"ccas_{page}_{tableau.code}_{filtres.periode.pour_nom_de_fichier()}"
        f"_sites-{sites}_axes-{axes}"
    )
    return f"{slugify(nom)[:180]}.{extension}"


def en_tete(tableau: Tableau, description: list[tuple[str, str]]) -> list[list[str]]:
    return [
        ["Tableau", tableau.titre],
        *([libelle, valeur] for libelle, valeur in description),
        ["Exporté le", f"{timezone.localtime():%d/%m/%Y à %H:%M}"],
        ["Secret statistique", LEGENDE],
    ]


def _cellule_csv(chiffre) -> str:
    if chiffre.masque:
        return chiffre.libelle_masque
    nombre = chiffre.nombre
    if chiffre.unite == "€":
        return f"{nombre:.2f}".replace(".", ",")
    return str(nombre).replace(".", ",") if isinstance(nombre, float) else str(nombre)


def csv_de(tableau: Tableau, description) -> bytes:
    sortie = io.StringIO()
    ecrivain = EcrivainCsvSur(sortie, delimiter=";", lineterminator="\r\n")
    ecrivain.writerows(en_tete(tableau, description))
    ecrivain.writerow([])
    ecrivain.writerow(["", *tableau.colonnes])
    for libelle, chiffres in tableau.lignes:
        ecrivain.writerow([libelle, *(_cellule_csv(c) for c in chiffres)])
    # BOM : le tableur reconnaît l'UTF-8 (accents) à l'ouverture.
    return ("\ufeff" + sortie.getvalue()).encode("utf-8")


def xlsx_de(tableau: Tableau, description) -> bytes:
    sortie = io.BytesIO()
    classeur = xlsxwriter.Workbook(sortie, {"in_memory": True})
    feuille = classeur.add_worksheet(nom_de_feuille(tableau.titre))
    gras = classeur.add_format({"bold": True})
    # Codes de format d'Excel : « , » et « . » y sont les séparateurs de milliers et décimal
    # de la langue du tableur (en français : espace et virgule).
    formats = {
        "": classeur.add_format({"num_format": "#,##0"}),
        "h": classeur.add_format({"num_format": "#,##0.0"}),
        "j": classeur.add_format({"num_format": '#,##0.0" j"'}),
        "€": classeur.add_format({"num_format": '#,##0.00" €"'}),
    }
    ligne = 0
    for libelle, valeur in en_tete(tableau, description):
        ecrire_texte_xlsx(feuille, ligne, 0, libelle, gras)
        ecrire_texte_xlsx(feuille, ligne, 1, valeur)
        ligne += 1
    ligne += 1
    for j, colonne in enumerate(tableau.colonnes, start=1):
        ecrire_texte_xlsx(feuille, ligne, j, colonne, gras)
    for libelle, chiffres in tableau.lignes:
        ligne += 1
        ecrire_texte_xlsx(feuille, ligne, 0, libelle)
        for j, chiffre in enumerate(chiffres, start=1):
            if chiffre.masque:
                ecrire_texte_xlsx(feuille, ligne, j, chiffre.libelle_masque)
            else:
                feuille.write_number(ligne, j, chiffre.nombre, formats[chiffre.unite])
    feuille.set_column(0, 0, 45)
    feuille.set_column(1, len(tableau.colonnes), 22)
    classeur.close()
    return sortie.getvalue()


def nom_de_feuille(titre: str) -> str:
    """Le titre du tableau sans les caractères qu'Excel refuse, en 31 caractères au plus."""
    propre = "".join(" " if c in "[]:*?/\\" else c for c in titre).strip(" '")
    return propre[:31].rstrip(" '") or "Tableau"


def exporter(tableau: Tableau, description, extension: str) -> bytes:
    return csv_de(tableau, description) if extension == "csv" else xlsx_de(tableau, description)
