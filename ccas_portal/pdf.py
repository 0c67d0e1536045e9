"""Les documents PDF du portail (fpdf2, ADR 0023) : une seule mise en route pour tous — A4,
français, polices DejaVu livrées avec le code (`habitants/polices/`, tous les caractères
français et les espaces insécables des montants), saut de page automatique — et les quelques
briques de mise en page communes (titre, paragraphe, ligne « libellé : valeur »)."""

from pathlib import Path

from fpdf import FPDF

POLICES = Path(__file__).resolve().parent.parent / "habitants" / "polices"


def document(titre: str):
    """Un PDF vide d'une page, titré et en français, polices chargées."""
    pdf = FPDF(format="A4")
    pdf.set_title(titre)
    pdf.set_lang("fr")
    pdf.add_font("DejaVu", "", str(POLICES / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(POLICES / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def titre(pdf, texte: str, taille: int = 16) -> None:
    pdf.set_font("DejaVu", "B", taille)
    pdf.multi_cell(pdf.epw, taille / 2, texte, new_x="LMARGIN", new_y="NEXT")


def paragraphe(pdf, texte: str, taille: int = 10, hauteur: float = 5, gras: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if gras else "", taille)
    pdf.multi_cell(pdf.epw, hauteur, texte, new_x="LMARGIN", new_y="NEXT")


def en_octets(pdf) -> bytes:
    return bytes(pdf.output())
