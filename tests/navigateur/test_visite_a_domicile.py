"""Une visite à domicile saisie comme le fait une personne : type, durée, lieu, deux présents
cochés (l'un à la souris, l'autre au clavier, barre d'espace), compte rendu confidentiel, un seul
envoi — puis ce que la base contient. Avant la correction, cocher une case postait à lui seul
une intervention à moitié remplie (attributs htmx de crispy répétés sur l'enveloppe des cases).
Aussi : une saisie refusée montre le résumé des erreurs, qui prend le focus, et l'erreur sous
son champ ; un double clic n'enregistre qu'une intervention."""

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accompagnement import services
from accompagnement.models import Intervention
from ccas_portal.enums import Role
from ccas_portal.models import Site
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


@pytest.fixture
def dossier(referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])
    f = foyer(ts)
    mere = habitant(ts, nom_usage="Benali", prenoms="Samira", date_naissance=date(1988, 4, 2))
    pere = habitant(ts, nom_usage="Benali", prenoms="Karim", date_naissance=date(1985, 1, 9))
    fils = habitant(ts, nom_usage="Benali", prenoms="Yanis", date_naissance=date(2016, 9, 1))
    for personne, role in ((mere, "demandeur"), (pere, "conjoint"), (fils, "enfant")):
        ajouter_membre(agent=ts, foyer=f, habitant=personne, role=role, date_debut=date(2020, 1, 1))
    accompagnement = services.ouvrir_accompagnement(
        agent=ts, foyer=f, axe="logement", membres=[mere], date_ouverture=date(2026, 1, 5)
    )
    return ts, accompagnement, mere, pere, fils


def test_visite_a_domicile_saisie_comme_une_personne(page, verifier_page, dossier):
    ts, accompagnement, mere, pere, _ = dossier
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("accompagnement:detail", args=[accompagnement.pk]))
    interventions = page.locator("#interventions")

    interventions.get_by_label("Type").select_option(label="Visite à domicile")
    interventions.get_by_label("Durée (minutes)").fill("60")
    interventions.get_by_label("Lieu").fill("Domicile")
    # Samira à la souris ; Karim (la case d'avant) au clavier : Maj+Tab, puis Espace.
    interventions.get_by_label(re.compile("Samira")).click()
    page.keyboard.press("Shift+Tab")
    expect(interventions.get_by_label(re.compile("Karim"))).to_be_focused()
    page.keyboard.press("Space")
    expect(interventions.get_by_label(re.compile("Samira"))).to_be_checked()
    expect(interventions.get_by_label(re.compile("Karim"))).to_be_checked()
    expect(interventions.get_by_label(re.compile("Yanis"))).not_to_be_checked()
    page.wait_for_timeout(300)  # une requête partie au clic aurait le temps d'arriver
    # Rien n'est parti : pas de message, pas d'intervention, la saisie est intacte.
    expect(interventions).not_to_contain_text("Intervention enregistrée.")
    assert Intervention.objects.count() == 0
    expect(interventions.get_by_label("Durée (minutes)")).to_have_value("60")

    interventions.get_by_label("Compte rendu").fill("Logement suroccupé, humidité dans la chambre.")
    interventions.get_by_label(re.compile("Note confidentielle")).check()
    verifier_page(page, "visite-saisie")
    interventions.get_by_role("button", name="Enregistrer l'intervention").click()
    expect(interventions).to_contain_text("Intervention enregistrée.")
    verifier_page(page, "visite-enregistree")

    intervention = Intervention.objects.get()
    assert intervention.type == "visite_domicile"
    assert intervention.duree_minutes == 60
    assert intervention.lieu == "Domicile"
    assert set(intervention.participants.all()) == {mere, pere}
    assert intervention.compte_rendu == "Logement suroccupé, humidité dans la chambre."
    assert intervention.confidentiel
    assert intervention.auteur == ts
    # Le formulaire est vide et prêt pour la suivante.
    expect(interventions.get_by_label(re.compile("Samira"))).not_to_be_checked()
    expect(interventions.get_by_label("Compte rendu")).to_have_value("")


def test_erreur_sous_le_champ_resume_focalise_et_double_clic(page, verifier_page, dossier):
    ts, accompagnement, _, _, _ = dossier
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("accompagnement:detail", args=[accompagnement.pk]))
    interventions = page.locator("#interventions")
    interventions.get_by_label("Type").select_option(label="Appel téléphonique")
    interventions.get_by_label("Durée (minutes)").fill("900")
    interventions.get_by_label(re.compile("Samira")).check()
    interventions.get_by_role("button", name="Enregistrer l'intervention").click()

    resume = interventions.locator("[data-resume-erreurs]")
    expect(resume).to_contain_text("Le formulaire contient une erreur")
    expect(resume).to_be_focused()
    expect(interventions.locator("#intervention-duree_minutes_error")).to_contain_text(
        "inférieure ou égale à 600"
    )
    # Ce qui était saisi est resté.
    expect(interventions.get_by_label(re.compile("Samira"))).to_be_checked()
    verifier_page(page, "intervention-erreur")
    # Le lien du résumé mène au champ.
    resume.get_by_role("link", name="Durée (minutes)").click()
    expect(interventions.get_by_label("Durée (minutes)")).to_be_focused()
    assert Intervention.objects.count() == 0

    # Corrigé, puis double clic sur le bouton : une seule intervention.
    interventions.get_by_label("Durée (minutes)").fill("20")
    interventions.get_by_role("button", name="Enregistrer l'intervention").dblclick()
    expect(interventions).to_contain_text("Intervention enregistrée.")
    page.wait_for_load_state("networkidle")
    assert Intervention.objects.count() == 1
    assert Intervention.objects.get().duree_minutes == 20
