"""Fusion de deux fiches d'une même personne, dans Chromium : une travailleuse sociale ouvre
la fiche d'un doublon, choisit l'autre fiche, choisit des valeurs à la souris et au clavier,
envoie d'abord sans cocher la confirmation (message sous la case, rien de fusionné), puis
confirme ; la base montre que tout a rejoint la fiche conservée et que l'autre n'existe plus."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accompagnement import services as accompagnements
from accompagnement.models import Accompagnement, Intervention, Seance
from ccas_portal.enums import Role
from ccas_portal.models import Site
from habitants import services
from habitants.models import Habitant, MembreFoyer, Passage, Ressource, SituationSante
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant, passage
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


@pytest.fixture
def doublon(referentiels):
    """Nadia Benali inscrite une première fois à l'accueil (fiche ancienne, sans téléphone),
    puis une seconde fois dans un foyer suivi (« Benalli », téléphone, ressources, santé,
    accompagnement, intervention, séance)."""
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site], prenom="Claire", nom="Fabre")
    ancienne = habitant(
        ts, nom_usage="Benali", prenoms="Nadia", sexe="F", date_naissance=date(1986, 4, 12)
    )
    passage(ts, ancienne)
    recente = habitant(
        ts,
        nom_usage="Benalli",
        prenoms="Nadia Samira",
        sexe="F",
        date_naissance=date(1986, 4, 12),
        telephone="06 11 22 33 44",
    )
    f = foyer(ts)
    services.ajouter_membre(
        agent=ts, foyer=f, habitant=recente, role="demandeur", date_debut=date(2022, 9, 1)
    )
    services.ajouter_ressource(
        agent=ts,
        habitant=recente,
        type="chomage",
        montant_mensuel=Decimal("980"),
        date_debut=date(2025, 1, 1),
    )
    services.modifier_sante(
        agent=ts, habitant=recente, taux_incapacite=50, reconnaissance_mdph=False
    )
    acc = accompagnements.ouvrir_accompagnement(
        agent=ts, foyer=f, axe="logement", membres=[recente], date_ouverture=date(2025, 3, 3)
    )
    accompagnements.enregistrer_intervention(
        agent=ts,
        accompagnement=acc,
        type="entretien_bureau",
        date_intervention=date(2025, 3, 10),
        participants=[recente],
    )
    atelier = accompagnements.creer_action_collective(
        agent=ts, titre="Atelier budget", type="atelier", site=site, date_debut=date(2025, 1, 6)
    )
    accompagnements.enregistrer_seance(
        agent=ts,
        action=atelier,
        date_seance=date(2025, 4, 2),
        theme="Factures",
        participants=[recente],
    )
    return ts, ancienne, recente, f, acc


def test_fusionner_deux_fiches(page, verifier_page, doublon):
    ts, ancienne, recente, f, acc = doublon
    recente_pk = recente.pk
    se_connecter(page, ts.username, MOT_DE_PASSE)

    # La fiche du doublon récent signale l'autre fiche ; on passe par « Fusionner avec une
    # autre fiche » et la recherche.
    page.goto(reverse("habitants:fiche", args=[recente.pk]))
    expect(page.locator("#doublons")).to_contain_text("BENALI Nadia")
    verifier_page(page, "fiche-avec-doublon")
    page.get_by_role("link", name="Fusionner avec une autre fiche").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fusionner la fiche")
    page.get_by_label("Nom et prénom").fill("benali")
    page.get_by_label("Nom et prénom").press("Enter")
    expect(page.get_by_text("1 fiche trouvée")).to_be_visible()
    verifier_page(page, "choisir")
    page.locator("section", has_text="Chercher parmi").get_by_role(
        "link", name=re.compile("Comparer et fusionner")
    ).click()

    # Côte à côte : la plus ancienne fiche est proposée comme conservée.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fusionner deux fiches")
    expect(page.get_by_label(re.compile(f"Fiche n° {ancienne.pk} :"))).to_be_checked()
    expect(page.locator("#lignes-deplacees")).to_contain_text("Passages à l'accueil")
    verifier_page(page, "comparer")

    # Valeurs choisies : le nom « Benalli » à la souris, les prénoms au clavier
    # (flèche dans le groupe de boutons radio) ; le téléphone, vide sur la fiche conservée,
    # est proposé depuis l'autre.
    page.locator("#choix-nom_usage").get_by_label(re.compile("^Benalli")).click()
    prenoms = page.locator("#choix-prenoms")
    # La fiche de départ est à gauche : la valeur proposée (à droite) cède à la flèche.
    prenoms.get_by_label(re.compile(r"^Nadia \(fiche")).focus()
    page.keyboard.press("ArrowLeft")
    expect(prenoms.get_by_label(re.compile("^Nadia Samira"))).to_be_checked()
    expect(
        page.locator("#choix-telephone").get_by_label(re.compile("06 11 22 33 44"))
    ).to_be_checked()

    # Sans la confirmation : message sous la case, rien de fusionné.
    page.get_by_role("button", name="Fusionner définitivement").click()
    expect(page.locator("#erreur-confirmation")).to_have_text(
        "Cochez cette case pour confirmer : la fusion est définitive."
    )
    expect(page.locator("[data-resume-erreurs]")).to_be_focused()
    assert Habitant.objects.filter(pk=recente_pk).exists()
    assert Passage.objects.get().habitant_id == ancienne.pk
    # Les choix faits sont gardés.
    expect(page.locator("#choix-nom_usage").get_by_label(re.compile("^Benalli"))).to_be_checked()
    expect(prenoms.get_by_label(re.compile("^Nadia Samira"))).to_be_checked()
    verifier_page(page, "sans-confirmation")

    # La case cochée au clavier, puis l'envoi.
    page.get_by_label(re.compile("Je comprends que la fusion est définitive")).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Fusionner définitivement").click()
    expect(page).to_have_url(re.compile(reverse("habitants:fiche", args=[ancienne.pk]) + "$"))
    expect(page.get_by_role("status")).to_contain_text(f"la fiche n° {recente_pk} est supprimée")
    expect(page.get_by_role("heading", level=1)).to_contain_text("BENALLI Nadia Samira")
    expect(page.locator("#doublons")).to_have_count(0)
    verifier_page(page, "fiche-conservee")

    # La base : la fiche absorbée n'existe plus, tout a rejoint la fiche conservée.
    assert not Habitant.objects.filter(pk=recente_pk).exists()
    ancienne.refresh_from_db()
    assert (ancienne.nom_usage, ancienne.prenoms, ancienne.telephone) == (
        "Benalli",
        "Nadia Samira",
        "06 11 22 33 44",
    )
    assert MembreFoyer.objects.get(foyer=f, date_fin__isnull=True).habitant == ancienne
    assert Ressource.objects.get().habitant == ancienne
    assert SituationSante.objects.get().habitant_id == ancienne.pk
    assert list(Accompagnement.objects.get(pk=acc.pk).membres.all()) == [ancienne]
    assert list(Intervention.objects.get().participants.all()) == [ancienne]
    assert list(Seance.objects.get().participants.all()) == [ancienne]
    assert Passage.objects.get().habitant == ancienne
