"""La passation des accompagnements, dans le navigateur.

1. Un travailleur social change de site : il n'ouvre plus le foyer qu'il a quitté (404) ; la
   responsable du site ouvre « Passations » à la souris, essaie d'enregistrer sans choisir de
   référent (message sous le champ, rien d'écrit), puis choisit le nouveau référent au
   clavier. La base est vérifiée.
2. Un travailleur social prépare son congé : depuis « Mes accompagnements », il confie son
   accompagnement à une collègue et reste co-intervenant, tout au clavier.
"""

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accompagnement import services
from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal, Site
from ccas_portal.services import modifier_affectation
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


@pytest.fixture
def monde(referentiels):
    abbaye = Site.objects.get(code="mdh-abbaye")
    mistral = Site.objects.get(code="mdh-mistral")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[abbaye], prenom="Karim", nom="Benali")
    collegue = AgentFactory(
        role=Role.TRAVAILLEUR_SOCIAL, sites=[abbaye], prenom="Lucie", nom="Garnier"
    )
    f = foyer(ts)
    parent = habitant(ts, nom_usage="Perrin", prenoms="Odile")
    ajouter_membre(
        agent=ts, foyer=f, habitant=parent, role="demandeur", date_debut=date(2020, 1, 1)
    )
    a = services.ouvrir_accompagnement(
        agent=ts, foyer=f, axe="logement", membres=[parent], date_ouverture=date(2026, 1, 5)
    )
    return abbaye, mistral, ts, collegue, f, a


def test_changement_de_site_puis_passation_par_la_responsable(page, verifier_page, monde):
    abbaye, mistral, ts, collegue, f, a = monde
    modifier_affectation(agent=ts, role=Role.TRAVAILLEUR_SOCIAL, sites=[mistral])
    se_connecter(page, ts.username, MOT_DE_PASSE)
    reponse = page.goto(reverse("accompagnement:dossier", args=[f.pk]))
    assert reponse.status == 404
    reponse = page.goto(reverse("accompagnement:detail", args=[a.pk]))
    assert reponse.status == 404
    # Chromium note en console les deux 404 voulus.
    assert len(page.erreurs_console) == 2
    assert all("status of 404" in e for e in page.erreurs_console)
    page.erreurs_console.clear()
    page.context.clear_cookies()

    responsable = AgentFactory(role=Role.RESPONSABLE, sites=[abbaye])
    se_connecter(page, responsable.username, MOT_DE_PASSE)
    page.get_by_role("link", name="Passations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passation des accompagnements")
    verifier_page(page, "liste")
    page.get_by_role("link", name=f"Passer les accompagnements de {ts}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Passation des accompagnements de {ts}"
    )
    carte = page.locator(f"#accompagnement-{a.pk}")
    expect(carte).to_contain_text(f"N'a plus accès à ce foyer : {ts}")
    expect(page.locator("main")).not_to_contain_text("Perrin")  # aucun nom de personne
    verifier_page(page, "a_passer")

    # Sans référent choisi : le message sous le champ, rien d'écrit.
    carte.get_by_role("button", name="Enregistrer la passation").click()
    carte = page.locator(f"#accompagnement-{a.pk}")
    expect(carte.get_by_text("Choisissez le nouveau référent.").first).to_be_visible()
    a.refresh_from_db()
    assert a.referent == ts
    verifier_page(page, "referent_manquant")

    # Au clavier : le champ Référent, la flèche vers Lucie Garnier, Tab jusqu'au bouton.
    choix = carte.get_by_label("Référent")
    choix.focus()
    choix.select_option(label=str(collegue))
    choix.press("Tab")
    while page.evaluate("document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        f"Accompagnement n° {a.pk} : passation enregistrée."
    )
    expect(page.locator(f"#accompagnement-{a.pk}")).to_have_count(0)
    verifier_page(page, "passe")
    a.refresh_from_db()
    assert a.referent == collegue
    assert list(a.co_intervenants.all()) == []
    entree = EntreeJournal.objects.filter(objet_id=str(a.pk)).latest("pk")
    assert entree.agent == responsable
    assert entree.details["passation"]["referent"] == [ts.pk, collegue.pk]


def test_conge_le_travailleur_social_passe_le_sien_au_clavier(page, verifier_page, monde):
    _, _, ts, collegue, _, a = monde
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.get_by_role("link", name=re.compile("Préparer un départ ou un congé")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Passation des accompagnements de {ts}"
    )
    verifier_page(page, "les_miens")
    carte = page.locator(f"#accompagnement-{a.pk}")
    choix = carte.get_by_label("Référent")
    choix.focus()
    choix.select_option(label=str(collegue))
    # Tab jusqu'à sa propre case de co-intervenant, espace pour la cocher.
    moi = carte.get_by_label(str(ts), exact=True)
    for _ in range(10):
        page.keyboard.press("Tab")
        if moi.evaluate("e => e === document.activeElement"):
            break
    page.keyboard.press("Space")
    expect(moi).to_be_checked()
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("passation enregistrée")
    verifier_page(page, "apres")
    a.refresh_from_db()
    assert a.referent == collegue
    assert list(a.co_intervenants.all()) == [ts]
    # Toujours co-intervenant : il ouvre encore l'accompagnement.
    assert page.goto(reverse("accompagnement:detail", args=[a.pk])).status == 200
