"""Les pièces justificatives d'une demande, comme le fait une personne : depuis la page de la
demande, un faux PDF refusé à la souris (message sous le champ, rien d'écrit), puis une
facture jointe au clavier, téléchargée, supprimée après confirmation ; la base, le journal et
le stockage vérifiés ensuite ; axe-core sur chaque page."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal, Site
from droits import documents
from droits.instruction import services
from droits.instruction.demo import creer_reglement
from droits.instruction.enums import NatureDemande
from droits.models import Document
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_joindre_une_piece_a_une_demande(page, verifier_page, referentiels):
    annee = timezone.localdate().year
    reglement = creer_reglement(date_effet=date(2020, 1, 1), annee=annee)
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])
    f = foyer(ts, loyer_mensuel=Decimal("420"))
    nadia = habitant(
        ts, nom_usage="Ferhat", prenoms="Nadia", sexe="F", date_naissance=date(1979, 4, 12)
    )
    ajouter_membre(agent=ts, foyer=f, habitant=nadia, role="demandeur", date_debut=date(2021, 1, 1))
    demande = services.creer_demande(
        agent=ts,
        foyer=f,
        beneficiaire=nadia,
        nature=NatureDemande.FACULTATIVE,
        type_aide=reglement.types.get(code="energie"),
        montant_demande=Decimal("180"),
        objet="Facture de régularisation d'électricité",
    )

    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("droits:demande", args=[demande.pk]))
    section = page.locator("#documents")
    expect(section).to_contain_text("Aucune pièce déposée.")
    expect(section).not_to_contain_text("à venir")

    # À la souris : un fichier texte renommé en .pdf, refusé.
    section.locator("summary", has_text="Joindre une pièce").click()
    form = page.locator("#piece-formulaire")
    form.get_by_label("Fichier").set_input_files(
        {"name": "facture.pdf", "mimeType": "application/pdf", "buffer": b"pas un PDF"}
    )
    form.get_by_label("Type de pièce").select_option(label="Facture d'énergie")
    form.get_by_label("Date du document").fill("2025-10-15")
    form.get_by_role("button", name="Déposer la pièce").click()
    form = page.locator("#piece-formulaire")
    expect(form.locator("#piece-fichier_error, #error_1_piece-fichier").first).to_contain_text(
        "Le contenu de ce fichier n'est pas un PDF valide : déposez un fichier PDF, JPEG ou PNG."
    )
    assert not Document.objects.exists()
    verifier_page(page, "piece-refusee")

    # Au clavier : le bon fichier (le sélecteur de fichiers est celui du système), le type
    # choisi aux flèches, la personne, l'intitulé tapé, Entrée.
    form.get_by_label("Fichier").set_input_files(
        {"name": "Facture EDF octobre.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.get_by_label("Type de pièce").focus()
    page.keyboard.press("Home")  # « — »
    for _ in range(4):  # ressources, quittance, avis d'imposition, facture d'énergie
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # personne concernée
    page.keyboard.press("ArrowDown")  # Nadia, seule membre
    form.get_by_label("Date du document").fill("2025-10-15")
    form.get_by_label("Intitulé (facultatif)").focus()
    page.keyboard.type("Régularisation EDF")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Pièce jointe à la demande.")
    section = page.locator("#documents")
    expect(section).to_contain_text("Facture d'énergie — Régularisation EDF")
    expect(section).to_contain_text("FERHAT Nadia")
    d = Document.objects.get()
    assert (d.objet, d.foyer, d.personne) == (demande, f, nadia)
    assert (d.type_piece, d.date_document, d.intitule) == (
        "facture_energie",
        date(2025, 10, 15),
        "Régularisation EDF",
    )
    assert documents.stockage().exists(d.fichier)
    verifier_page(page, "piece-jointe")

    # Télécharger : le même contenu, l'ouverture au journal.
    with page.expect_download() as attente:
        section.get_by_role("link", name="Télécharger").click()
    assert attente.value.suggested_filename == "Facture EDF octobre.pdf"
    assert Path(attente.value.path()).read_bytes() == PDF
    ouverture = EntreeJournal.objects.get(action="consultation", objet_type="droits.document")
    assert (ouverture.agent, ouverture.details["rattachee_a"]) == (
        ts,
        f"droits.demande:{demande.pk}",
    )

    # Supprimer, la case cochée au clavier : retour à la demande.
    section.get_by_role("link", name="Supprimer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supprimer une pièce du dossier")
    expect(page.get_by_role("main")).to_contain_text(f"la demande n° {demande.pk}")
    verifier_page(page, "suppression-a-confirmer")
    page.get_by_label("Je confirme la suppression définitive").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Demande n° {demande.pk}")
    expect(page.locator("#documents")).to_contain_text("Aucune pièce déposée.")
    assert not Document.objects.exists()
    assert not documents.stockage().exists(d.fichier)
    verifier_page(page, "piece-supprimee")
