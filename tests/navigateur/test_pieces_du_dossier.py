"""Les pièces du dossier, comme le fait une personne : un faux PDF refusé (message sous le
champ, rien d'écrit), une vraie pièce déposée au clavier, téléchargée, puis supprimée après
confirmation ; la base, le journal et le stockage vérifiés ensuite ; axe-core sur chaque page."""

from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal, Site
from droits import documents
from droits.models import Document
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_deposer_telecharger_supprimer_une_piece(page, verifier_page, referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])
    f = foyer(ts)
    sonia = habitant(
        ts, nom_usage="Lemaire", prenoms="Sonia", sexe="F", date_naissance=date(1984, 7, 9)
    )
    ajouter_membre(agent=ts, foyer=f, habitant=sonia, role="demandeur", date_debut=date(2020, 1, 1))

    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("accompagnement:dossier", args=[f.pk]))
    section = page.locator("#pieces")
    expect(section).to_contain_text("Aucune pièce déposée.")

    # À la souris : un fichier texte renommé en .pdf.
    section.locator("summary", has_text="Déposer une pièce").click()
    form = page.locator("#piece-formulaire")
    form.get_by_label("Fichier").set_input_files(
        {"name": "faux.pdf", "mimeType": "application/pdf", "buffer": b"ceci n'est pas un PDF"}
    )
    form.get_by_label("Type de pièce").select_option(label="Avis d'imposition")
    form.get_by_label("Date du document").fill("2025-09-01")
    form.get_by_role("button", name="Déposer la pièce").click()
    form = page.locator("#piece-formulaire")
    expect(form.locator("#piece-fichier_error, #error_1_piece-fichier").first).to_contain_text(
        "Le contenu de ce fichier n'est pas un PDF valide : déposez un fichier PDF, JPEG ou PNG."
    )
    assert not Document.objects.exists()
    verifier_page(page, "piece-refusee")

    # Au clavier : le bon fichier, la personne choisie aux flèches, l'intitulé tapé, Entrée.
    form.get_by_label("Fichier").set_input_files(
        {"name": "Avis d'impôt 2025.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.get_by_label("Type de pièce").focus()
    page.keyboard.press("Tab")  # personne concernée
    page.keyboard.press("ArrowDown")  # Sonia, seule membre
    # (Tab dans un champ de date passe d'un segment à l'autre : la date est remplie.)
    form.get_by_label("Date du document").fill("2025-09-01")
    form.get_by_label("Intitulé (facultatif)").focus()
    page.keyboard.type("Avis d'imposition 2025")
    page.keyboard.press("Enter")
    section = page.locator("#pieces")
    expect(section.get_by_role("status")).to_contain_text("Pièce déposée.")
    expect(section).to_contain_text("Avis d'imposition — Avis d'imposition 2025")
    expect(section).to_contain_text("LEMAIRE Sonia")
    expect(page.locator("#chronologie")).to_contain_text(
        "Pièce déposée : Avis d'imposition 2025 du 01/09/2025"
    )
    d = Document.objects.get()
    assert (d.personne, d.type_piece, d.date_document) == (
        sonia,
        "avis_imposition",
        date(2025, 9, 1),
    )
    assert documents.stockage().exists(d.fichier)
    verifier_page(page, "piece-deposee")

    # Télécharger : le même contenu, et l'ouverture au journal.
    with page.expect_download() as attente:
        section.get_by_role("link", name="Télécharger").click()
    telechargement = attente.value
    assert telechargement.suggested_filename == "Avis d'impôt 2025.pdf"
    assert Path(telechargement.path()).read_bytes() == PDF
    ouverture = EntreeJournal.objects.get(action="consultation", objet_type="droits.document")
    assert ouverture.agent == ts

    # Supprimer : d'abord sans la case (refus), puis la case au clavier.
    section.get_by_role("link", name="Supprimer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supprimer une pièce du dossier")
    verifier_page(page, "suppression-a-confirmer")
    page.get_by_role("button", name="Supprimer la pièce").click()
    expect(page.locator("#suppression-piece-formulaire")).to_contain_text(
        "Cochez la case pour confirmer la suppression."
    )
    assert Document.objects.filter(pk=d.pk).exists()
    verifier_page(page, "suppression-refusee")
    page.get_by_label("Je confirme la suppression définitive").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dossier du foyer")
    expect(page.locator("#pieces")).to_contain_text("Aucune pièce déposée.")
    assert not Document.objects.exists()
    assert not documents.stockage().exists(d.fichier)
    verifier_page(page, "piece-supprimee")
