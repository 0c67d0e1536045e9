"""Parcours de l'agent d'accueil : recherche avec faute de frappe, doublon, inscription, passage."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from ccas_portal.enums import Role
from ccas_portal.models import Site
from habitants import services
from tests.factories import MOT_DE_PASSE, AgentFactory, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


@pytest.fixture
def agent_accueil(referentiels):
    return AgentFactory(role=Role.ACCUEIL, sites=[Site.objects.get(code="mdh-abbaye")])


def test_parcours_accueil(page, verifier_page, agent_accueil):
    existante = habitant(
        agent_accueil, nom_usage="Lefèvre", prenoms="Hélène", date_naissance=date(1975, 3, 2)
    )
    se_connecter(page, agent_accueil.username, MOT_DE_PASSE)
    expect(page).to_have_url(re.compile(r"/accueil/$"))
    recherche = page.get_by_role("searchbox", name="Nom et prénom")
    expect(recherche).to_be_focused()
    verifier_page(page, "guichet")

    # Recherche avec une faute de frappe, clavier seulement : taper puis Entrée.
    recherche.fill("lefevbre helene")
    recherche.press("Enter")
    resultats = page.locator("#resultats")
    expect(resultats).to_contain_text("1 personne trouvée")
    expect(resultats).to_contain_text("LEFÈVRE")
    # Flèche bas : du champ de recherche au premier résultat.
    recherche.press("ArrowDown")
    expect(resultats.get_by_role("link", name=re.compile("LEFÈVRE"))).to_be_focused()
    verifier_page(page, "resultats")

    # La personne au guichet n'est pas celle-ci : on l'inscrit, le portail montre le candidat.
    page.get_by_role("link", name="Inscrire une nouvelle personne").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscrire une personne")
    page.get_by_label("Nom d'usage").fill("Lefevre")
    page.get_by_label("Prénom(s)").fill("Helene")
    page.get_by_label("Date de naissance").fill("1975-03-02")
    page.get_by_role("button", name="Inscrire la personne").click()
    alerte = page.get_by_role("alert")
    expect(alerte).to_contain_text("Cette personne est peut-être déjà connue")
    expect(alerte).to_contain_text("02/03/1975")
    verifier_page(page, "doublon")
    page.get_by_label("Aucune de ces personnes : inscrire une nouvelle personne").check()
    page.get_by_label("Date de naissance").fill("1976-03-02")
    page.get_by_role("button", name="Inscrire la personne").click()

    # Retour à l'accueil, la nouvelle personne est choisie pour le passage.
    expect(page).to_have_url(re.compile(r"/accueil/\?site=mdh-abbaye&habitant=\d+$"))
    expect(page.get_by_role("status").first).to_contain_text("est inscrit(e)")
    formulaire = page.locator("#formulaire-passage")
    expect(formulaire).to_contain_text("LEFEVRE Helene")
    formulaire.get_by_label("Téléphone").check()
    formulaire.get_by_label("Demande de logement social").check()
    formulaire.get_by_label("Réponse apportée").select_option(
        label="Orientation vers un partenaire"
    )
    formulaire.get_by_label("Note (facultative)").fill("Orientée vers l'ADIL")
    # Sans partenaire nommé, l'orientation est refusée : message sous le champ.
    formulaire.get_by_role("button", name="Enregistrer le passage").click()
    formulaire = page.locator("#formulaire-passage")
    partenaire = formulaire.get_by_label("Partenaire (si orientation vers un partenaire)")
    expect(partenaire).to_have_attribute("aria-describedby", "erreur-partenaire")
    expect(formulaire.locator("#erreur-partenaire")).to_have_text(
        "Choisissez le partenaire vers qui la personne est orientée."
    )
    verifier_page(page, "partenaire_manquant")
    partenaire.select_option(label="ADIL de l'Isère")
    formulaire.get_by_role("button", name="Enregistrer le passage").click()

    # Mise à jour partielle : le passage apparaît dans la liste du jour.
    passages = page.locator("#passages-du-jour")
    expect(passages).to_contain_text("LEFEVRE Helene")
    expect(passages).to_contain_text("Téléphone")
    expect(passages).to_contain_text("Orientation vers un partenaire : ADIL de l'Isère")
    expect(page.locator("#annonce")).to_contain_text("Passage enregistré")
    # Le formulaire est remis à zéro (passage anonyme par défaut).
    expect(page.locator("#formulaire-passage")).to_contain_text("anonyme")
    verifier_page(page, "passage_enregistre")

    nouvelle = services.Habitant.objects.exclude(pk=existante.pk).get()
    passage = nouvelle.passages.get()
    assert passage.mode == "telephone"
    assert passage.reponse == "orientation_partenaire"
    assert passage.partenaire.code == "adil"
    assert [m.code for m in passage.motifs.all()] == ["demande_logement_social"]

    # La fiche de la personne : identité et passages.
    passages.get_by_role("link", name="LEFEVRE Helene").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LEFEVRE Helene")
    expect(page.get_by_role("table")).to_contain_text("Demande de logement social")
    verifier_page(page, "fiche")


def test_passage_anonyme_sans_motif_puis_corrige(page, agent_accueil):
    se_connecter(page, agent_accueil.username, MOT_DE_PASSE)
    formulaire = page.locator("#formulaire-passage")
    formulaire.get_by_role("button", name="Enregistrer le passage").click()
    expect(formulaire).to_contain_text("Choisissez au moins un motif.")
    page.locator("#formulaire-passage").get_by_label("Information générale").check()
    page.locator("#formulaire-passage").get_by_role("button", name="Enregistrer le passage").click()
    expect(page.locator("#passages-du-jour")).to_contain_text("Anonyme")


def test_personne_connue_d_un_autre_site(page, verifier_page, agent_accueil):
    """Connue d'une autre Maison des Habitants : le nom du site, rien d'autre ; on peut
    confirmer une nouvelle inscription."""
    mistral = Site.objects.get(code="mdh-mistral")
    ailleurs = AgentFactory(role=Role.ACCUEIL, sites=[mistral])
    habitant(ailleurs, nom_usage="Benali", prenoms="Mohammed", date_naissance=date(1990, 7, 14))
    se_connecter(page, agent_accueil.username, MOT_DE_PASSE)
    page.goto("/accueil/habitants/nouveau/")
    page.get_by_label("Nom d'usage").fill("Benali")
    page.get_by_label("Prénom(s)").fill("Mohamed")
    page.get_by_role("button", name="Inscrire la personne").click()
    alerte = page.get_by_role("alert")
    expect(alerte).to_contain_text("Connue de la Maison des Habitants Mistral : contactez-la.")
    expect(alerte).not_to_contain_text("Mohammed")
    expect(alerte).not_to_contain_text("14/07/1990")
    verifier_page(page, "connue_ailleurs")
    page.get_by_label("Aucune de ces personnes : inscrire une nouvelle personne").check()
    page.get_by_role("button", name="Inscrire la personne").click()
    expect(page).to_have_url(re.compile(r"/accueil/\?site=mdh-abbaye&habitant=\d+$"))
    assert services.Habitant.objects.filter(site__code="mdh-abbaye", prenoms="Mohamed").exists()
