"""Parcours du travailleur social dans un vrai Chromium : portefeuille → dossier du foyer →
ouverture d'un accompagnement « logement » → objectif et deux actions (htmx) → visite à
domicile avec note confidentielle → orientation → action réalisée ; axe-core à chaque page."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from accompagnement import services
from accompagnement.models import Accompagnement, Action, Intervention, Orientation
from ccas_portal.enums import Role
from ccas_portal.models import Partenaire, Site
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


def test_parcours_travailleur_social(page, verifier_page, referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])
    f = foyer(ts)
    mere = habitant(ts, nom_usage="Benali", prenoms="Samira", date_naissance=date(1988, 4, 2))
    fils = habitant(ts, nom_usage="Benali", prenoms="Yanis", date_naissance=date(2016, 9, 1))
    ajouter_membre(agent=ts, foyer=f, habitant=mere, role="demandeur", date_debut=date(2020, 1, 1))
    ajouter_membre(agent=ts, foyer=f, habitant=fils, role="enfant", date_debut=date(2020, 1, 1))
    services.ouvrir_accompagnement(
        agent=ts, foyer=f, axe="sante", membres=[mere], date_ouverture=date(2026, 1, 5)
    )

    se_connecter(page, ts.username, MOT_DE_PASSE)
    expect(page).to_have_url(re.compile(r"/accompagnements/$"))
    verifier_page(page, "portefeuille")
    page.get_by_role("link", name="BENALI Samira").or_(
        page.get_by_role("link", name="Benali Samira")
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dossier du foyer")
    verifier_page(page, "dossier")

    page.get_by_role("link", name="Ouvrir un accompagnement").click()
    page.get_by_label("Axe").select_option(label="Logement et hébergement")
    page.get_by_label(re.compile("Samira")).check()
    verifier_page(page, "ouverture")
    page.get_by_role("button", name="Ouvrir l'accompagnement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accompagnement « Logement et hébergement »"
    )
    adresse = page.url
    verifier_page(page, "accompagnement")

    # Objectif proposé par l'axe, puis deux actions : htmx, sans quitter la page.
    plan = page.locator("#plan")
    plan.get_by_label("Objectif proposé pour l'axe").select_option(
        label="Déposer ou renouveler la demande de logement social"
    )
    plan.get_by_role("button", name="Ajouter l'objectif").click()
    expect(plan).to_contain_text("Objectif ajouté.")
    for libelle, echeance in (
        ("Compléter le formulaire Cerfa", "2026-12-15"),
        ("Rassembler les justificatifs", ""),
    ):
        plan.locator("#action-libelle").fill(libelle)
        if echeance:
            plan.get_by_label("Échéance").fill(echeance)
        plan.get_by_role("button", name="Ajouter l'action").click()
        expect(plan).to_contain_text(libelle)
    expect(plan).to_contain_text("Action ajoutée.")
    assert page.url == adresse
    verifier_page(page, "plan")

    # Visite à domicile, note confidentielle.
    interventions = page.locator("#interventions")
    interventions.get_by_label("Type").select_option(label="Visite à domicile")
    interventions.get_by_label("Durée (minutes)").fill("60")
    interventions.get_by_label("Lieu").fill("Domicile")
    interventions.get_by_label("Compte rendu").fill("Logement suroccupé, humidité dans la chambre.")
    interventions.get_by_label(re.compile("Note confidentielle")).check()
    interventions.get_by_role("button", name="Enregistrer l'intervention").click()
    expect(interventions).to_contain_text("Intervention enregistrée.")
    expect(interventions.locator(".badge")).to_have_text("Confidentielle")

    # Orientation vers un partenaire.
    orientations = page.locator("#orientations")
    orientations.get_by_label("Partenaire").select_option(
        value=str(Partenaire.objects.get(code="caf").pk)
    )
    orientations.get_by_label("Motif de l'orientation").fill("Ouverture des droits APL")
    orientations.get_by_role("button", name="Orienter").click()
    expect(orientations).to_contain_text("Orientation enregistrée.")
    verifier_page(page, "interventions-orientations")

    # Une action réalisée.
    action = Action.objects.get(libelle="Rassembler les justificatifs")
    plan.get_by_label("Statut de l'action « Rassembler les justificatifs »").select_option(
        label="Réalisée"
    )
    plan.get_by_role("button", name=re.compile("Mettre à jour le statut de « Rassembler")).click()
    expect(plan).to_contain_text("statut mis à jour")
    expect(plan.get_by_label("Statut de l'action « Rassembler les justificatifs »")).to_have_value(
        "realisee"
    )
    assert page.url == adresse
    verifier_page(page, "action-realisee")

    # Le dossier raconte tout.
    page.get_by_role("link", name=re.compile("rue Mallifaud")).first.click()
    chronologie = page.locator("#titre-chronologie").locator("..")
    expect(chronologie).to_contain_text("Visite à domicile — Logement et hébergement")
    expect(chronologie).to_contain_text("Orientation vers")
    expect(chronologie).to_contain_text("Ouverture de l'accompagnement « Logement et hébergement »")
    verifier_page(page, "dossier-final")

    logement = Accompagnement.objects.get(axe="logement")
    assert logement.referent == ts
    assert list(logement.objectifs.values_list("libelle", flat=True)) == [
        "Déposer ou renouveler la demande de logement social"
    ]
    action.refresh_from_db()
    assert action.statut == "realisee"
    assert Intervention.objects.get(accompagnement=logement).confidentiel
    assert Orientation.objects.get(accompagnement=logement).partenaire.code == "caf"
