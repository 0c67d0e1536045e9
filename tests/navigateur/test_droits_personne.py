"""Les droits de la personne, comme les agents les exercent : l'accueil enregistre un refus
puis un accord au contact (souris, puis clavier ; un envoi sans réponse d'abord) ; un
travailleur social télécharge l'export d'une personne (PDF lu ensuite par pdftotext). La base
et le journal vérifiés ensuite ; axe-core sur chaque page."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal, Site
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.habitants.test_droits_personne import texte_du_pdf
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


@pytest.fixture
def personne(referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site], prenom="Inès", nom="Roux")
    f = foyer(ts)
    h = habitant(
        ts, nom_usage="Garnier", prenoms="Éloïse", sexe="F", date_naissance=date(1979, 6, 3)
    )
    ajouter_membre(agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2021, 5, 1))
    accueil = AgentFactory(role=Role.ACCUEIL, sites=[site])
    return accueil, ts, h


def test_accueil_enregistre_un_refus_puis_un_accord(page, verifier_page, personne):
    accueil, _, h = personne
    aujourd_hui = f"{timezone.localdate():%d/%m/%Y}"
    se_connecter(page, accueil.username, MOT_DE_PASSE)
    page.goto(reverse("habitants:fiche", args=[h.pk]))
    identite = page.locator("#fiche-identite")
    expect(identite.locator("#etat-consentement")).to_have_text("non demandé")
    verifier_page(page, "fiche-non-demande")

    # Envoyé sans réponse : message à côté de la question, rien d'écrit.
    bouton = "Enregistrer l'information et la réponse"
    identite.get_by_role("button", name=bouton).click()
    formulaire = page.locator("#information-formulaire")
    expect(formulaire.locator("#information-consentement_error")).to_contain_text(
        "Indiquez si la personne accepte ou refuse d'être contactée."
    )
    expect(page.locator("[data-resume-erreurs]")).to_be_focused()
    verifier_page(page, "sans-reponse")
    h.refresh_from_db()
    assert (h.consentement, h.date_information) == ("non_demande", None)

    # À la souris : elle refuse.
    formulaire.get_by_label("Non, elle refuse d'être contactée").check()
    formulaire.get_by_role("button", name=bouton).click()
    identite = page.locator("#fiche-identite")
    expect(identite).to_contain_text("Information sur le traitement et réponse au contact")
    expect(identite.locator("#etat-consentement")).to_have_text(f"refusé le {aujourd_hui}")
    h.refresh_from_db()
    assert (h.consentement, h.date_consentement) == ("refuse", timezone.localdate())

    # Au clavier, plus tard dans la conversation : elle accepte finalement.
    oui = page.locator("#information-formulaire").get_by_label("Oui, elle accepte d'être contactée")
    oui.focus()
    page.keyboard.press("Space")
    expect(oui).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=bouton)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#etat-consentement")).to_have_text(f"accepté le {aujourd_hui}")
    verifier_page(page, "accepte")
    h.refresh_from_db()
    assert (h.consentement, h.date_consentement) == ("accepte", timezone.localdate())
    reponses = [
        e.details["consentement"]["apres"]
        for e in EntreeJournal.objects.filter(
            objet_id=str(h.pk), details__has_key="consentement"
        ).order_by("horodatage", "id")
    ]
    assert reponses == ["refuse", "accepte"]


def test_le_travailleur_social_telecharge_l_export(page, verifier_page, personne):
    _, ts, h = personne
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("habitants:fiche", args=[h.pk]))
    page.get_by_role("link", name="Droit d'accès : exporter ses données").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Droit d'accès")
    verifier_page(page, "droit-d-acces")
    with page.expect_download() as attente:
        page.get_by_role("link", name="Télécharger le PDF").click()
    telechargement = attente.value
    assert telechargement.suggested_filename == f"donnees-personne-{h.pk}.pdf"
    texte = " ".join(texte_du_pdf(Path(telechargement.path()).read_bytes()).split())
    assert "Éloïse Garnier" in texte
    assert "Foyers et appartenances dans le temps" in texte
    assert "Accès à son dossier" in texte
    # Au clavier : l'archive.
    lien = page.get_by_role("link", name="Télécharger l'archive ZIP (JSON et PDF)")
    lien.focus()
    with page.expect_download() as attente:
        page.keyboard.press("Enter")
    assert attente.value.suggested_filename == f"donnees-personne-{h.pk}.zip"
    exports = EntreeJournal.objects.filter(action="export", objet_id=str(h.pk), agent=ts)
    assert sorted(exports.values_list("details__droit_d_acces", flat=True)) == ["pdf", "zip"]


def test_l_admin_efface_une_fiche_apres_confirmation(page, verifier_page, personne):
    _, _, h = personne
    admin = AgentFactory(role=Role.ADMIN, sites=[Site.objects.get(code="mdh-abbaye")])
    se_connecter(page, admin.username, MOT_DE_PASSE)
    page.goto(reverse("administration"))
    page.get_by_role("link", name="Droit d'accès et effacement d'une personne").click()
    recherche = page.get_by_label("Nom ou prénom")
    recherche.fill("garnier")
    recherche.press("Enter")
    expect(page.locator("caption")).to_have_text("1 personne trouvée")
    verifier_page(page, "recherche")
    page.get_by_role("link", name=f"Effacer {h}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Effacer (anonymiser)")
    page.get_by_label("Opposition de la personne au traitement (RGPD, article 21)").check()
    page.get_by_role("button", name="Anonymiser la fiche").click()
    expect(page.locator("#effacement-confirmation_error")).to_contain_text(
        "Cochez la confirmation pour anonymiser la fiche."
    )
    verifier_page(page, "sans-confirmation")
    h.refresh_from_db()
    assert h.anonymise_le is None
    # Au clavier : la case, puis le bouton.
    page.get_by_label("Opposition de la personne au traitement (RGPD, article 21)").check()
    case = page.get_by_label(re.compile("Je confirme"))
    case.focus()
    page.keyboard.press("Space")
    expect(case).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_contain_text(f"La fiche n° {h.pk} est anonymisée.")
    h.refresh_from_db()
    assert (h.nom_usage, h.anonymise_le is not None) == ("ANONYME", True)
    entree = EntreeJournal.objects.get(action="purge", objet_id=str(h.pk))
    assert entree.agent == admin
