"""L'accueil corrige les coordonnées d'une personne et l'adresse de son foyer, comme le fait
une personne : un courriel mal tapé puis un code postal qui ne va pas avec la commune (message
français sous le champ, rien d'écrit), puis les bonnes valeurs, au clavier pour l'une ; la base
et le journal vérifiés ensuite."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal, Site
from habitants.models import Foyer, Habitant
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


@pytest.fixture
def personne(referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])
    f = foyer(ts)
    h = habitant(
        ts,
        nom_usage="Roussel",
        prenoms="Yanis",
        sexe="M",
        date_naissance=date(1988, 4, 2),
        telephone="04 76 00 00 01",
    )
    ajouter_membre(agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2019, 3, 1))
    accueil = AgentFactory(role=Role.ACCUEIL, sites=[site])
    return accueil, f, h


def test_accueil_corrige_coordonnees_et_adresse(page, verifier_page, personne):
    accueil, f, h = personne
    adresse_avant = f.adresse
    se_connecter(page, accueil.username, MOT_DE_PASSE)
    page.goto(reverse("habitants:fiche", args=[h.pk]))

    # Coordonnées : un courriel sans arobase d'abord.
    identite = page.locator("#fiche-identite")
    identite.locator("summary", has_text="Modifier les coordonnées").click()
    contact = page.locator("#contact-formulaire")
    contact.get_by_label("Téléphone").fill("06 12 34 56 78")
    contact.get_by_label("Courriel").fill("yanis.roussel.exemple.fr")
    contact.get_by_role("button", name="Enregistrer les coordonnées").click()
    contact = page.locator("#contact-formulaire")
    expect(contact.locator("#contact-courriel_error")).to_contain_text("adresse de courriel valide")
    expect(page.locator("[data-resume-erreurs]")).to_be_focused()
    h.refresh_from_db()
    assert (h.telephone, h.courriel) == ("04 76 00 00 01", "")

    # Corrigé au clavier : le champ, puis Entrée.
    courriel = contact.get_by_label("Courriel")
    courriel.fill("yanis.roussel@exemple.fr")
    courriel.press("Enter")
    expect(page.locator("#fiche-identite")).to_contain_text("Coordonnées enregistrées.")
    expect(page.locator("#fiche-identite")).to_contain_text("yanis.roussel@exemple.fr")
    h.refresh_from_db()
    assert (h.telephone, h.courriel) == ("06 12 34 56 78", "yanis.roussel@exemple.fr")

    # Adresse du foyer : un code postal d'une autre commune d'abord.
    foyer_section = page.locator("#fiche-foyer")
    foyer_section.locator("summary", has_text="Modifier l'adresse du foyer").click()
    adresse = page.locator("#adresse-formulaire")
    # Une date tapée dans le champ de l'adresse : refusée, le message sous le champ.
    adresse.get_by_label("Adresse (numéro et voie)").fill("31/02/2026")
    adresse.get_by_label("Code postal").fill("38100")
    adresse.get_by_label("Commune").fill("Grenoble")
    adresse.get_by_role("button", name="Enregistrer l'adresse").click()
    adresse = page.locator("#adresse-formulaire")
    expect(adresse.locator("#adresse-adresse_error")).to_contain_text(
        "L'adresse doit contenir au moins une lettre (le nom de la voie ou du lieu-dit)."
    )
    f.refresh_from_db()
    assert f.adresse == adresse_avant

    adresse.get_by_label("Adresse (numéro et voie)").fill("12 rue des Trembles")
    adresse.get_by_label("Code postal").fill("69001")
    adresse.get_by_label("Commune").fill("Grenoble")
    adresse.get_by_role("button", name="Enregistrer l'adresse").click()
    adresse = page.locator("#adresse-formulaire")
    expect(adresse.locator("#adresse-commune_error")).to_contain_text(
        "« Grenoble » n'a pas le code postal 69001, qui est celui de : Lyon."
    )
    expect(adresse.get_by_label("Commune")).to_have_value("Grenoble")
    f.refresh_from_db()
    assert f.adresse == adresse_avant
    verifier_page(page, "accueil-adresse-refusee")

    adresse.get_by_label("Code postal").fill("38100")
    adresse.get_by_role("button", name="Enregistrer l'adresse").click()
    expect(page.locator("#fiche-foyer")).to_contain_text("Adresse du foyer enregistrée.")
    expect(page.locator("#fiche-foyer")).to_contain_text("12 rue des Trembles")
    f = Foyer.objects.get(pk=f.pk)
    assert (f.adresse, f.code_postal, f.commune, f.code_insee) == (
        "12 rue des Trembles",
        "38100",
        "Grenoble",
        "38185",
    )
    assert Habitant.objects.get(pk=h.pk).courriel == "yanis.roussel@exemple.fr"
    # Chaque correction journalisée, par l'agent d'accueil.
    assert EntreeJournal.objects.filter(agent=accueil, objet_id=str(f.pk)).exists()
    verifier_page(page, "accueil-adresse-corrigee")
