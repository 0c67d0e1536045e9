"""Le dossier social tenu depuis les écrans, comme le font les personnes : l'accueil inscrit une
personne et crée son foyer avec son adresse ; le travailleur social y ajoute un conjoint et un
enfant, le loyer, des ressources datées, lance « Simuler maintenant » et voit les droits
estimés, corrige une ressource, simule à nouveau et voit l'estimation changer — et la base le
contient, le journal aussi. Le travail du worker est fait par le test (comme
tests/navigateur/test_detection.py) ; le vrai worker est éprouvé dans tests/droits/."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal, Site
from droits.detection import execution as detection
from droits.models import ExecutionDetection
from habitants.models import Foyer, Habitant, MembreFoyer, PeriodeLoyer, Ressource
from tests.factories import MOT_DE_PASSE, AgentFactory
from tests.navigateur.test_connexion import se_connecter

pytestmark = [pytest.mark.navigateur, pytest.mark.moteur]


@pytest.fixture
def agents(referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    return (
        AgentFactory(role=Role.ACCUEIL, sites=[site]),
        AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site]),
    )


def simuler(page) -> str:
    """Clique « Simuler maintenant », fait le travail du worker, revient au dossier ; renvoie
    les droits estimés tels que la page les montre.

    Pendant le calcul, la page est quittée : sur la base SQLite en mémoire que partagent le
    test et le serveur, une lecture de la page (htmx, toutes les 2 s) pendant l'écriture d'un
    lot trouverait la table verrouillée (PostgreSQL n'a pas cette limite)."""
    avant = ExecutionDetection.objects.count()
    simulation = page.locator("#simulation")
    simulation.get_by_role("button", name="Simuler maintenant").click()
    expect(simulation).to_contain_text("en attente d'un worker")
    dossier = page.url
    page.goto("about:blank")
    execution = ExecutionDetection.objects.order_by("pk")[avant]
    for lot in detection.preparer(execution.pk):
        detection.traiter_lot(lot)
    page.goto(dossier)
    expect(simulation.locator("ul")).to_be_visible()
    expect(simulation.get_by_role("button", name="Simuler maintenant")).to_be_visible()
    return simulation.locator("ul").inner_text()


def test_dossier_social_de_l_inscription_aux_ressources(page, verifier_page, agents):
    accueil, ts = agents

    # --- L'accueil : inscription, puis le foyer et son adresse depuis la fiche.
    se_connecter(page, accueil.username, MOT_DE_PASSE)
    page.goto(reverse("habitants:inscrire") + "?site=mdh-abbaye")
    page.get_by_label("Nom d'usage").fill("Moreau")
    page.get_by_label("Prénom(s)").fill("Nadia")
    page.get_by_label("Date de naissance").fill("1986-07-14")
    page.get_by_label("Sexe").select_option(label="Femme")
    page.get_by_role("button", name="Inscrire la personne").click()
    expect(page.get_by_role("status").first).to_contain_text("est inscrite")
    page.get_by_role("link", name="fiche : coordonnées et foyer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MOREAU Nadia")
    expect(page.locator("body")).not_to_contain_text("Ressource")
    foyer_form = page.locator("#nouveau-foyer-formulaire")
    foyer_form.get_by_label("Adresse (numéro et voie)").fill("14 rue Very")
    foyer_form.get_by_label("Code postal").fill("38000")
    # Une commune qui n'a pas ce code postal : refusée, sous son champ.
    foyer_form.get_by_label("Commune").fill("Échirolles")
    foyer_form.get_by_label("Statut d'occupation").select_option(label="Locataire du parc privé")
    # La date tapée au clavier comme sur le poste d'un agent : un clic sur le jour, puis
    # jj mm aaaa (Chromium passe seul au mois puis à l'année).
    foyer_form.get_by_label("Dans ce logement depuis le").click(position={"x": 12, "y": 10})
    page.keyboard.type("01092024")
    foyer_form.get_by_role("button", name="Créer le foyer").click()
    foyer_form = page.locator("#nouveau-foyer-formulaire")
    expect(foyer_form.locator("[data-resume-erreurs]")).to_be_focused()
    expect(foyer_form).to_contain_text("pas le code postal 38000, qui est celui de : Grenoble.")
    verifier_page(page, "foyer-erreur-commune")
    # Corrigée au clavier : le champ, effacé, puis Entrée pour envoyer.
    commune = foyer_form.get_by_label("Commune")
    commune.fill("")
    commune.type("grenoble")
    commune.press("Enter")
    fiche_foyer = page.locator("#fiche-foyer")
    expect(fiche_foyer.get_by_role("status")).to_contain_text("Foyer créé.")
    expect(fiche_foyer).to_contain_text("14 rue Very")
    verifier_page(page, "fiche-avec-foyer")
    nadia = Habitant.objects.get(nom_usage="Moreau", prenoms="Nadia")
    foyer = Foyer.objects.get(membres__habitant=nadia)
    assert (foyer.adresse, foyer.code_postal, foyer.commune, foyer.code_insee) == (
        "14 rue Very",
        "38000",
        "Grenoble",
        "38185",
    )
    membre = MembreFoyer.objects.get(habitant=nadia)
    assert (membre.role, membre.date_debut) == ("demandeur", date(2024, 9, 1))

    # --- Le travailleur social, au dossier du foyer.
    page.context.clear_cookies()
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("habitants:fiche", args=[nadia.pk]))
    page.get_by_role("link", name="Dossier du foyer et accompagnements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossier du foyer de MOREAU Nadia")
    section = page.locator("#dossier-social")

    def inscrire(nom, prenom, naissance, role, depuis):
        section.locator("summary", has_text="Inscrire une nouvelle personne").click()
        form = section.locator("#nouveau-membre-formulaire")
        form.get_by_label("Nom d'usage").fill(nom)
        form.get_by_label("Prénom(s)").fill(prenom)
        form.get_by_label("Date de naissance").fill(naissance)
        form.get_by_label("Rôle dans le foyer").select_option(label=role)
        form.get_by_label("Dans ce foyer depuis le").fill(depuis)
        form.get_by_role("button", name="Inscrire et ajouter au foyer").click()
        expect(section.locator("table").first).to_contain_text(f"MOREAU {prenom}")
        expect(section.get_by_role("status")).to_contain_text("Personne inscrite et ajoutée")

    inscrire("Moreau", "Julien", "1984-02-03", "Conjoint", "2024-09-01")
    inscrire("Moreau", "Léo", "2019-05-20", "Enfant", "2024-09-01")

    # Le bailleur, puis le loyer daté : au clavier, de champ en champ.
    section.locator("summary", has_text="Modifier l'adresse et le logement").click()
    logement = section.locator("#logement-formulaire")
    logement.get_by_label("Bailleur").select_option(label="Bailleur privé")
    logement.get_by_role("button", name="Enregistrer l'adresse et le logement").click()
    expect(section.get_by_role("status")).to_contain_text("Logement enregistré.")
    section.locator("summary", has_text="Nouveau loyer à une date").click()
    loyer = section.locator("#loyer-formulaire")
    loyer.get_by_label("Loyer mensuel, hors charges (€)").fill("640")
    page.keyboard.press("Tab")
    page.keyboard.type("75,50")
    loyer.get_by_label("Loyer et charges depuis le").fill("2024-09-01")
    loyer.get_by_label("Loyer et charges depuis le").press("Enter")
    expect(section.get_by_role("status")).to_contain_text("Nouveau loyer enregistré.")
    expect(section.locator("#historique-loyer")).to_contain_text("depuis le 01/09/2024")

    julien = Habitant.objects.get(prenoms="Julien")

    def ajouter_ressource(personne, nature, montant, depuis, affiche):
        carte = section.locator(f"#personne-{personne.pk}")
        carte.locator("summary", has_text="Ajouter une ressource").click()
        form = carte.locator(f"#ressource-{personne.pk}-formulaire")
        form.get_by_label("Nature").select_option(label=nature)
        form.get_by_label("Montant mensuel net (€)").fill(montant)
        form.get_by_label("Perçue depuis le").fill(depuis)
        form.get_by_role("button", name="Ajouter la ressource").click()
        # La section remplacée : la ressource est dans le tableau de la personne.
        tableau = section.locator(f"#personne-{personne.pk} table")
        expect(tableau).to_contain_text(nature)
        expect(tableau).to_contain_text(affiche)
        expect(section.get_by_role("status")).to_contain_text("Ressource ajoutée.")

    ajouter_ressource(nadia, "Salaire net", "980", "2024-01-01", "980,00")
    ajouter_ressource(julien, "Allocation chômage", "830,40", "2025-01-01", "830,40")
    verifier_page(page, "dossier-ressources")

    # « Simuler maintenant » : le test fait ici le travail du worker (découper, traiter les
    # lots) pendant que la page interroge le résultat (htmx, toutes les 2 s).
    premiere = simuler(page)
    verifier_page(page, "simulation")

    # Corriger la ressource de Julien : le montant était faux.
    carte = section.locator(f"#personne-{julien.pk}")
    carte.locator("summary", has_text="Corriger").click()
    r = Ressource.objects.get(habitant=julien)
    correction = carte.locator(f"#correction-{r.pk}-formulaire")
    expect(correction.get_by_label("Montant mensuel net (€)")).to_have_value("830,40")
    correction.get_by_label("Montant mensuel net (€)").fill("380,40")
    verifier_page(page, "correction-ouverte")
    correction.get_by_role("button", name="Corriger la ressource").click()
    expect(section.get_by_role("status")).to_contain_text("Ressource corrigée.")
    expect(section.locator(f"#personne-{julien.pk}")).to_contain_text("380,40")
    # La chronologie a suivi, sans recharger la page.
    expect(page.locator("#chronologie")).to_contain_text("Ressource corrigée : Allocation chômage")

    # Simulé à nouveau : l'estimation suit la ressource corrigée.
    seconde = simuler(page)
    assert seconde != premiere

    # Le loyer change au 1er juillet 2025 (révision) : à la souris, une date déjà passée ;
    # d'abord une date avant le loyer en cours, refusée sous le champ.
    section.locator("summary", has_text="Nouveau loyer à une date").click()
    loyer = section.locator("#loyer-formulaire")
    loyer.get_by_label("Loyer mensuel, hors charges (€)").fill("655")
    loyer.get_by_label("Charges mensuelles (€)").fill("75,50")
    loyer.get_by_label("Loyer et charges depuis le").fill("2024-06-01")
    loyer.get_by_role("button", name="Enregistrer le nouveau loyer").click()
    loyer = section.locator("#loyer-formulaire")
    expect(loyer).to_contain_text("Le loyer le plus récent court depuis le 01/09/2024")
    verifier_page(page, "loyer-date-refusee")
    loyer.get_by_label("Loyer et charges depuis le").fill("2025-07-01")
    loyer.get_by_role("button", name="Enregistrer le nouveau loyer").click()
    expect(section.get_by_role("status")).to_contain_text("Nouveau loyer enregistré.")
    historique_loyer = section.locator("#historique-loyer")
    expect(historique_loyer).to_contain_text("depuis le 01/07/2025")
    expect(historique_loyer).to_contain_text("depuis le 01/09/2024 jusqu'au 30/06/2025")
    expect(page.locator("#chronologie")).to_contain_text(
        "Nouveau loyer du foyer (le précédent clos le 30/06/2025)"
    )
    verifier_page(page, "loyer-historique")
    # Le foyer au 1er mars 2025 : le loyer d'alors.
    page.get_by_label("Date", exact=True).fill("2025-03-01")
    page.get_by_role("button", name="Voir le foyer à cette date").click()
    expect(section).to_contain_text("loyer : 640,00")

    # La chronologie, relue : « modifié le … par … » et la valeur d'avant.
    page.reload()
    chronologie = page.locator("ol.chronologie")
    expect(chronologie).to_contain_text(re.compile(r"Ressource corrigée : Allocation chômage"))
    expect(chronologie).to_contain_text(f"par {ts.get_full_name()}")
    expect(chronologie).to_contain_text("(avant : 830,40")
    expect(chronologie).to_contain_text("Montant mensuel (€) : 380,40")
    verifier_page(page, "dossier-chronologie")

    # --- La base.
    foyer.refresh_from_db()
    assert list(
        PeriodeLoyer.objects.filter(foyer=foyer)
        .order_by("date_debut")
        .values_list("loyer_mensuel", "charges_mensuelles", "date_debut", "date_fin")
    ) == [
        (Decimal("640"), Decimal("75.50"), date(2024, 9, 1), date(2025, 6, 30)),
        (Decimal("655"), Decimal("75.50"), date(2025, 7, 1), None),
    ]
    assert foyer.type_bailleur == "prive"
    roles = dict(
        MembreFoyer.objects.filter(foyer=foyer, date_fin__isnull=True).values_list(
            "habitant__prenoms", "role"
        )
    )
    assert roles == {"Nadia": "demandeur", "Julien": "conjoint", "Léo": "enfant"}
    ressources = {
        (r.habitant.prenoms, r.type, r.montant_mensuel, r.date_debut)
        for r in Ressource.objects.select_related("habitant")
    }
    assert ressources == {
        ("Nadia", "salaire_net", Decimal("980"), date(2024, 1, 1)),
        ("Julien", "chomage", Decimal("380.40"), date(2025, 1, 1)),
    }
    correction = EntreeJournal.objects.filter(
        objet_type="habitants.foyer",
        objet_id=str(foyer.pk),
        details__fait__startswith="Ressource corrigée",
    ).get()
    assert correction.agent == ts
    assert correction.details["avant"] == {"Montant mensuel (€)": "830,40\u00a0€"}
