"""L'écran du journal des accès, comme le lit la déléguée à la protection des données : le
menu à la souris, le rapport des accès inhabituels et son lien, une recherche par personne
tapée au clavier (Entrée), des dates dans le mauvais ordre (message sous le champ), puis
l'export CSV des entrées filtrées ; la base vérifiée (lectures et export journalisés)."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ccas_portal.acces_inhabituels import etablir_rapport
from ccas_portal.enums import Role
from ccas_portal.journal import journaliser
from ccas_portal.models import EntreeJournal, Site
from tests import roles_de_test
from tests.factories import MOT_DE_PASSE, AgentFactory, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


@pytest.fixture
def journal(referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    dpo = AgentFactory(role=Role.ADMIN, sites=[site], prenom="Agnès", nom="Protection")
    claire = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site], prenom="Claire", nom="Vidal")
    piege = AgentFactory(role=Role.ACCUEIL, sites=[site], prenom="=SOMME(A1)", nom="Piège")
    nadia = habitant(claire, nom_usage="Haddad", prenoms="Nadia", date_naissance=date(1985, 3, 9))
    marc = habitant(claire, nom_usage="Roux", prenoms="Marc")
    journaliser(agent=claire, action="consultation", objet=nadia)
    journaliser(agent=piege, action="consultation", objet=nadia)
    journaliser(agent=claire, action="consultation", objet=marc)
    # Un export à 23 h 10 hier : le rapport du matin le relève.
    hier = timezone.localdate() - timedelta(days=1)
    roles_de_test.entree_datee(
        agent=claire,
        agent_libelle="Claire Vidal",
        action="export",
        objet_type="tableau de bord",
        horodatage=timezone.make_aware(datetime.combine(hier, time(23, 10))),
    )
    etablir_rapport(jour=hier)
    return dpo, claire, nadia, hier


def test_filtrer_et_exporter_le_journal(page, verifier_page, journal, tmp_path):
    dpo, _, _, hier = journal
    se_connecter(page, dpo.username, MOT_DE_PASSE)
    page.get_by_role("navigation").get_by_role("link", name="Journal des accès", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal des accès")
    expect(page.locator("main")).to_contain_text("Export la nuit")
    expect(page.locator("main")).to_contain_text("1 export (23:10)")
    verifier_page(page, "journal")

    # Le constat du rapport mène aux entrées de cet agent ce jour-là.
    page.get_by_role("link", name="Claire Vidal").first.click()
    expect(page.get_by_label("Du")).to_have_value(hier.isoformat())
    expect(page.locator("main")).to_contain_text("1 entrée")
    expect(page.locator("tbody")).to_contain_text("Export")
    page.get_by_role("link", name="Tout afficher").click()

    # Une personne, tapée au clavier, puis Entrée.
    filtres = page.get_by_role("form", name="Filtrer le journal")
    filtres.get_by_label("Personne", exact=True).click()
    page.keyboard.type("haddad nadia")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("2 entrées")
    expect(page.locator("tbody")).to_contain_text("Fiche de la personne : HADDAD Nadia")
    expect(page.locator("tbody")).not_to_contain_text("ROUX")
    verifier_page(page, "personne")
    lecture = EntreeJournal.objects.get(agent=dpo, action="consultation")
    assert lecture.details == {"filtres": {"personne": "haddad nadia"}}

    # Dates dans le mauvais ordre : le message sous « Au », la personne gardée.
    filtres = page.get_by_role("form", name="Filtrer le journal")
    filtres.get_by_label("Du").fill("2026-03-10")
    filtres.get_by_label("Au").fill("2026-03-01")
    filtres.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#div_id_au")).to_contain_text(
        "La date de fin doit suivre la date de début."
    )
    expect(filtres.get_by_label("Au")).to_have_attribute("aria-invalid", "true")
    verifier_page(page, "dates-inversees")
    filtres = page.get_by_role("form", name="Filtrer le journal")
    filtres.get_by_label("Du").fill("")
    filtres.get_by_label("Au").fill("")
    filtres.get_by_role("button", name="Filtrer").click()
    expect(page.locator("main")).to_contain_text("2 entrées")

    # L'export des entrées affichées.
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Exporter ces entrées (CSV)").click()
    fichier = tmp_path / "journal.csv"
    telechargement.value.save_as(fichier)
    lignes = list(csv.reader(io.StringIO(fichier.read_text("utf-8-sig")), delimiter=";"))
    donnees = lignes[[ligne[:1] for ligne in lignes].index(["Date et heure"]) + 1 :]
    assert {ligne[1] for ligne in donnees} == {"Claire Vidal", "'=SOMME(A1) Piège"}
    assert {ligne[3] for ligne in donnees} == {"Fiche de la personne : HADDAD Nadia"}
    export = EntreeJournal.objects.get(agent=dpo, action="export")
    assert export.details == {"filtres": {"personne": "haddad nadia"}}
    assert reverse("export_journal") in telechargement.value.url
