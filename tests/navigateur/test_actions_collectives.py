"""Parcours d'une action collective : créer l'action, chercher et cocher des participants,
enregistrer la séance, voir les chiffres (sans nom) sur la page du site."""

import re

import pytest
from playwright.sync_api import expect

from accompagnement.models import Seance
from ccas_portal.enums import Role
from ccas_portal.models import Site
from tests.factories import MOT_DE_PASSE, AgentFactory, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


def test_parcours_action_collective(page, verifier_page, referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])
    nguyen = habitant(ts, nom_usage="Nguyen", prenoms="Linh")
    habitant(ts, nom_usage="Nguyen", prenoms="Minh")
    perrin = habitant(ts, nom_usage="Perrin", prenoms="Odile")
    se_connecter(page, ts.username, MOT_DE_PASSE)

    page.get_by_role("link", name="Actions collectives").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions collectives")
    verifier_page(page, "liste")
    page.get_by_label("Intitulé").fill("Jardin partagé de l'Abbaye")
    page.get_by_label("Type").select_option(label="Initiative collective d'habitants")
    page.get_by_label("Site porteur").select_option(label=str(site))
    page.get_by_role("button", name="Créer l'action collective").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jardin partagé de l'Abbaye")
    # htmx branche ses écouteurs au chargement du document : taper avant, c'est taper dans le
    # vide (vu en CI sous charge).
    page.wait_for_load_state("load")

    # Chercher deux personnes l'une après l'autre : la première cochée reste choisie.
    recherche = page.get_by_label("Chercher une personne (nom et prénom)")
    recherche.fill("nguyen linh")
    page.get_by_label(re.compile("NGUYEN Linh")).check()
    expect(page.locator("#participants-choisis")).to_contain_text("NGUYEN Linh")
    recherche.fill("perrin")
    page.get_by_label(re.compile("PERRIN Odile")).check()
    expect(page.locator("#participants-choisis")).to_contain_text("PERRIN Odile")
    page.get_by_label("Thème").fill("Semis de printemps")
    page.get_by_label("Participants non inscrits (nombre)").fill("3")
    verifier_page(page, "seance")
    page.get_by_role("button", name="Enregistrer la séance").click()
    expect(page.get_by_role("status")).to_contain_text("Séance enregistrée.")
    seance = Seance.objects.get()
    assert set(seance.participants.all()) == {nguyen, perrin}
    assert seance.participants_anonymes == 3
    verifier_page(page, "action")

    page.get_by_role("link", name=f"Page du site {site}").click()
    tableau = page.get_by_role("table", name=re.compile("Actions collectives du site"))
    expect(tableau).to_contain_text("Jardin partagé de l'Abbaye")
    expect(tableau.get_by_role("row").nth(1)).to_contain_text("5")  # 2 inscrits + 3
    expect(page.locator("main")).not_to_contain_text("Nguyen")
    verifier_page(page, "site")
