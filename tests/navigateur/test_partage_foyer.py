"""Partager un foyer entre deux Maisons des Habitants, dans le navigateur : le travailleur
social de Bêta voit qu'une personne semblable est connue d'Alpha (le nom du site seul), en
demande le partage (d'abord sans motif : message sous le champ, rien d'écrit) ; celui d'Alpha
l'accepte au clavier ; Bêta ouvre alors le dossier du foyer. Puis un refus motivé. La base est
vérifiée à chaque pas."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from habitants.models import DemandePartage
from habitants.models_partage import StatutDemande
from tests.factories import MOT_DE_PASSE
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


def _se_deconnecter(page):
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion/"))


def _demander_depuis_l_inscription(page, verifier_page, site_b):
    page.goto(f"/accueil/habitants/nouveau/?site={site_b.code}")
    page.get_by_label("Nom d'usage").fill("Benali")
    page.get_by_label("Prénom(s)").fill("Amina")
    page.get_by_label("Date de naissance").fill("1984-05-06")
    page.get_by_role("button", name="Inscrire la personne").click()
    alerte = page.get_by_role("alert").filter(has_text="connue ailleurs")
    expect(alerte).to_contain_text("Connue de la Maison des Habitants Alpha : contactez-la.")
    # Rien d'autre que le site : ni adresse, ni lien vers la personne ou son foyer.
    expect(page.locator("main")).not_to_contain_text("12 rue Mallifaud")
    expect(page.locator("main")).not_to_contain_text("Yanis")
    expect(page.locator("a[href*='/habitants/'][href$='/']")).to_have_count(0)
    verifier_page(page, "connue_ailleurs")
    return page.get_by_role(
        "region", name=re.compile("demander le partage ou le transfert de son foyer")
    )


def test_partage_demande_puis_accepte_au_clavier(
    page, verifier_page, ts_a, ts_b, site_a, site_b, famille_de_a
):
    f, parent, *_ = famille_de_a
    se_connecter(page, ts_b.username, MOT_DE_PASSE)
    section = _demander_depuis_l_inscription(page, verifier_page, site_b)

    # Sans motif : la page revient avec le message sous le champ, rien n'est écrit.
    section.get_by_role("radio", name=re.compile("^Le partage du foyer")).check()
    section.get_by_role("button", name="Demander le partage ou le transfert").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Demander le partage ou le transfert d'un foyer"
    )
    expect(page.locator("#partage-motif_error")).to_have_text("Indiquez le motif de la demande.")
    assert not DemandePartage.objects.exists()
    verifier_page(page, "motif_manquant")

    # Avec le motif.
    page.get_by_label("Motif de la demande").fill("Suivi RSA à Bêta après déménagement")
    page.get_by_role("button", name="Demander le partage ou le transfert").click()
    expect(page).to_have_url(re.compile(r"/accompagnements/partages/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Demande de partage envoyée : Maison des Habitants Alpha"
    )
    demande = DemandePartage.objects.get()
    assert (demande.foyer_id, demande.habitant_id, demande.demandee_par_id) == (
        f.pk,
        parent.pk,
        ts_b.pk,
    )
    assert (demande.statut, demande.motif) == (
        StatutDemande.EN_ATTENTE,
        "Suivi RSA à Bêta après déménagement",
    )
    # Avant l'acceptation, rien du foyer sur la page du demandeur, et son dossier : 404.
    expect(page.locator("main")).not_to_contain_text("12 rue Mallifaud")
    verifier_page(page, "demande_envoyee")
    # (par la session du navigateur, sans ouvrir la page : Chromium noterait le 404 en console)
    assert page.request.get(reverse("accompagnement:dossier", args=[f.pk])).status == 404
    _se_deconnecter(page)

    # Le travailleur social d'Alpha voit la demande en arrivant, et l'accepte au clavier.
    se_connecter(page, ts_a.username, MOT_DE_PASSE)
    recues = page.get_by_role("region", name="Demandes reçues")
    expect(recues).to_contain_text("Partage demandé par Maison des Habitants Bêta")
    verifier_page(page, "demandes_recues")
    recues.get_by_role("link", name="Accepter ou refuser cette demande").click()
    expect(page.locator("main")).to_contain_text("Suivi RSA à Bêta après déménagement")
    verifier_page(page, "a_decider")
    accepter = page.get_by_role("radio", name="Accepter")
    accepter.focus()
    page.keyboard.press("Space")
    expect(accepter).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Motif du refus")).to_be_focused()
    page.keyboard.press("Tab")
    bouton = page.get_by_role("button", name="Enregistrer la décision")
    expect(bouton).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        "Partage accepté : Maison des Habitants Bêta suit aussi ce foyer."
    )
    demande.refresh_from_db()
    assert (demande.statut, demande.decidee_par_id) == (StatutDemande.ACCEPTEE, ts_a.pk)
    verifier_page(page, "accepte")
    _se_deconnecter(page)

    # Bêta ouvre le dossier du foyer depuis sa demande acceptée.
    se_connecter(page, ts_b.username, MOT_DE_PASSE)
    page.goto(reverse("accompagnement:partages"))
    page.get_by_role("link", name="Ouvrir le dossier du foyer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dossier du foyer")
    expect(page.locator("main")).to_contain_text("12 rue Mallifaud")
    partages = page.get_by_role("region", name="Partage du foyer")
    expect(partages).to_contain_text("Partagé avec Maison des Habitants Bêta")
    expect(page.locator("#chronologie")).to_contain_text(
        "Foyer partagé avec Maison des Habitants Bêta"
    )
    verifier_page(page, "dossier_partage")
    # Les autres foyers d'Alpha restent fermés.
    _, _, _, autre, _ = famille_de_a
    assert page.request.get(reverse("accompagnement:dossier", args=[autre.pk])).status == 404


def test_partage_refuse_avec_son_motif(
    page, verifier_page, ts_a, ts_b, site_a, site_b, famille_de_a
):
    f, *_ = famille_de_a
    se_connecter(page, ts_b.username, MOT_DE_PASSE)
    section = _demander_depuis_l_inscription(page, verifier_page, site_b)
    section.get_by_role("radio", name=re.compile("^Le transfert du foyer")).check()
    section.get_by_label("Motif de la demande").fill("La famille a déménagé")
    section.get_by_role("button", name="Demander le partage ou le transfert").click()
    expect(page).to_have_url(re.compile(r"/accompagnements/partages/$"))
    demande = DemandePartage.objects.get()
    assert (demande.nature, demande.statut) == ("transfert", StatutDemande.EN_ATTENTE)
    _se_deconnecter(page)

    se_connecter(page, ts_a.username, MOT_DE_PASSE)
    page.goto(reverse("accompagnement:partages"))
    page.get_by_role("radio", name="Refuser").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(f"#decision-{demande.pk}-motif_refus_error")).to_have_text(
        "Indiquez le motif du refus."
    )
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.EN_ATTENTE
    verifier_page(page, "refus_sans_motif")
    page.get_by_label("Motif du refus").fill("Le déménagement n'est pas encore fait")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Transfert demandé par Maison des Habitants Bêta : refusé."
    )
    demande.refresh_from_db()
    assert (demande.statut, demande.motif_refus) == (
        StatutDemande.REFUSEE,
        "Le déménagement n'est pas encore fait",
    )
    f.refresh_from_db()
    assert f.site == site_a
    # L'historique du dossier d'Alpha le garde.
    page.goto(reverse("accompagnement:dossier", args=[f.pk]))
    expect(page.get_by_role("region", name="Partage du foyer")).to_contain_text(
        "Le déménagement n'est pas encore fait"
    )
    verifier_page(page, "historique")
    _se_deconnecter(page)

    se_connecter(page, ts_b.username, MOT_DE_PASSE)
    page.goto(reverse("accompagnement:partages"))
    expect(page.locator("main")).to_contain_text("Motif du refus : Le déménagement n'est pas")
    expect(page.get_by_role("link", name="Ouvrir le dossier du foyer")).to_have_count(0)
    verifier_page(page, "refus_lu")
    assert page.request.get(reverse("accompagnement:dossier", args=[f.pk])).status == 404
