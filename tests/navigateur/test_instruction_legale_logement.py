"""Deux demandes qui ne passent pas en commission, comme les agents les font : un dossier
d'aide sociale légale transmis au Département dans le délai d'un mois (un autre, hors délai,
signalé sur la page des demandes), puis une demande de logement social ouverte et close au
clavier ; la responsable retrouve les demandes dans « Aides du CCAS » au tableau de bord. La
base est vérifiée à chaque étape ; axe-core sur chaque page."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ccas_portal.enums import Role
from ccas_portal.models import Site
from droits.instruction import services
from droits.instruction.demo import creer_reglement
from droits.instruction.enums import EtatDemande, NatureDemande
from droits.instruction.models import Demande
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


def _foyer(ts, nom, naissance):
    f = foyer(ts)
    h = habitant(ts, nom_usage=nom, prenoms="Jeanne", sexe="F", date_naissance=naissance)
    ajouter_membre(agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2015, 1, 1))
    return f, h


def test_aide_sociale_legale_puis_logement_social(page, verifier_page, referentiels):
    aujourd_hui = timezone.localdate()
    creer_reglement(date_effet=date(2020, 1, 1), annee=aujourd_hui.year)
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])
    responsable = AgentFactory(role=Role.RESPONSABLE, sites=[site])
    f, jeanne = _foyer(ts, "Mercier", date(1938, 6, 3))
    # Un autre dossier, déposé il y a 40 jours et pas transmis : hors délai.
    g, autre = _foyer(ts, "Girard", date(1941, 2, 14))
    en_retard = services.creer_demande(
        agent=ts,
        foyer=g,
        beneficiaire=autre,
        nature=NatureDemande.AIDE_SOCIALE_LEGALE,
        dispositif="aide_menagere",
        objet="Aide ménagère",
        date_depot=aujourd_hui - timedelta(days=40),
    )

    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("droits:demandes"))
    expect(page.locator("#retards")).to_contain_text("Aide ménagère au titre de l'aide sociale")
    expect(page.locator("#retards")).to_contain_text(
        f"à transmettre au plus tard le {en_retard.echeance_transmission:%d/%m/%Y}"
    )
    verifier_page(page, "dossier-hors-delai")

    # 1. Aide sociale légale, à la souris : déposée il y a 20 jours.
    page.goto(reverse("accompagnement:dossier", args=[f.pk]))
    page.get_by_role("link", name="Nouvelle demande").click()
    page.get_by_role("link", name="Aide sociale légale (dossier pour le Département)").click()
    form = page.locator("#demande-formulaire")
    form.get_by_label("Bénéficiaire").select_option(str(jeanne.pk))
    form.get_by_label("Dispositif").select_option(label="Aide sociale à l'hébergement (ASH)")
    form.get_by_label("Objet de la demande").fill("Entrée en EHPAD, frais d'hébergement")
    depot = aujourd_hui - timedelta(days=20)
    form.get_by_label("Déposée le").fill(f"{depot:%Y-%m-%d}")
    form.get_by_label("Établissement ou service concerné").fill("EHPAD Les Écrins")
    form.get_by_role("button", name="Enregistrer la demande").click()
    legale = Demande.objects.get(nature=NatureDemande.AIDE_SOCIALE_LEGALE, foyer=f)
    echeance = legale.echeance_transmission
    assert echeance > aujourd_hui  # dans le délai d'un mois
    expect(page.locator("#echeance")).to_have_text(f"{echeance:%d/%m/%Y}")
    verifier_page(page, "dossier-a-transmettre")

    # Une date avant le dépôt : refusée sous le champ, rien d'écrit.
    page.get_by_label("Transmis au Département le").fill(f"{depot - timedelta(days=1):%Y-%m-%d}")
    page.get_by_role("button", name="Enregistrer la transmission").click()
    expect(page.locator("section[aria-labelledby='titre-transmission']")).to_contain_text(
        "La transmission ne peut pas précéder le dépôt."
    )
    legale.refresh_from_db()
    assert legale.etat != EtatDemande.TRANSMISE
    assert legale.date_transmission is None
    # Un second onglet ouvert sur le dossier avant la transmission (un collègue, un double
    # clic d'une autre fenêtre) : il transmettra après le premier.
    second_onglet = page.context.new_page()
    second_onglet.goto(reverse("droits:demande", args=[legale.pk]))

    # Transmis aujourd'hui, au clavier.
    page.get_by_label("Transmis au Département le").fill(f"{aujourd_hui:%Y-%m-%d}")
    page.get_by_label("Transmis au Département le").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#etat-demande")).to_have_text("Transmise au Département")
    expect(page.locator("#echeance")).to_contain_text(f"transmis le {aujourd_hui:%d/%m/%Y}")
    legale.refresh_from_db()
    assert (legale.etat, legale.date_transmission) == (EtatDemande.TRANSMISE, aujourd_hui)
    assert not legale.en_retard(aujourd_hui)
    verifier_page(page, "dossier-transmis")
    # Le second onglet transmet à son tour, à la souris : refusé, la raison dans la page
    # (le formulaire n'y est plus), la première transmission gardée.
    second_onglet.get_by_label("Transmis au Département le").fill(
        f"{aujourd_hui - timedelta(days=1):%Y-%m-%d}"
    )
    second_onglet.get_by_role("button", name="Enregistrer la transmission").click()
    expect(second_onglet.locator(".alert-danger")).to_contain_text(
        "Ce dossier a déjà été transmis."
    )
    legale.refresh_from_db()
    assert (legale.etat, legale.date_transmission) == (EtatDemande.TRANSMISE, aujourd_hui)
    verifier_page(second_onglet, "transmission-en-double")
    second_onglet.close()

    # 2. Logement social : ouverte depuis le dossier, close au clavier.
    page.goto(reverse("accompagnement:dossier", args=[f.pk]))
    page.get_by_role("link", name="Nouvelle demande").click()
    page.get_by_role("link", name="Demande de logement social (accompagnement)").click()
    form = page.locator("#demande-formulaire")
    form.get_by_label("Bénéficiaire").select_option(str(jeanne.pk))
    form.get_by_label("Objet de la demande").fill("Logement adapté de plain-pied")
    form.get_by_label("Déposée le").fill(f"{aujourd_hui - timedelta(days=10):%Y-%m-%d}")
    form.get_by_label("Numéro unique de demande").fill("038-2026-00042")
    form.get_by_label("Typologie souhaitée (T1, T2…)").fill("T2")
    form.get_by_role("button", name="Enregistrer la demande").click()
    logement = Demande.objects.get(nature=NatureDemande.LOGEMENT_SOCIAL)
    cloture = page.locator("#cloture")
    expect(cloture).to_contain_text("Clore la demande de logement social")
    # Sans issue : refusé, message sous le champ.
    cloture.get_by_role("button", name="Clore la demande").click()
    expect(page.locator("#cloture")).to_contain_text("Choisissez l'issue de la demande.")
    logement.refresh_from_db()
    assert logement.etat == EtatDemande.EN_INSTRUCTION
    verifier_page(page, "cloture-refusee")
    page.locator("#cloture").get_by_label("Logement attribué (bail signé)").focus()
    page.keyboard.press("Space")
    page.locator("#cloture").get_by_label("Close le").fill(f"{aujourd_hui:%Y-%m-%d}")
    page.locator("#cloture").get_by_label("Close le").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#etat-demande")).to_have_text("Close")
    expect(page.locator("#issue-demande")).to_have_text(
        f"Logement attribué (bail signé), le {aujourd_hui:%d/%m/%Y}"
    )
    expect(page.locator("#cloture")).to_have_count(0)
    logement.refresh_from_db()
    assert (logement.etat, logement.issue, logement.date_cloture) == (
        EtatDemande.CLOSE,
        "attribue",
        aujourd_hui,
    )
    assert logement.champs == {"numero_unique": "038-2026-00042", "typologie": "T2"}
    expect(page.get_by_role("main")).to_contain_text("Numéro unique de demande")
    verifier_page(page, "logement-close")

    # 3. La responsable : « Aides du CCAS » au tableau de bord, pour les demandes déposées
    # aujourd'hui (5 demandes de logement : leur nombre n'est pas masqué).
    for i in range(5):
        h_foyer, h = _foyer(ts, f"Voisin{i}", date(1980, 1, 1))
        services.creer_demande(
            agent=ts,
            foyer=h_foyer,
            beneficiaire=h,
            nature=NatureDemande.LOGEMENT_SOCIAL,
            objet="Logement social",
        )
    page.get_by_role("button", name="Se déconnecter").click()
    se_connecter(page, responsable.username, MOT_DE_PASSE)
    page.goto(reverse("tableau_de_bord") + f"?periode=dates&du={aujourd_hui}&au={aujourd_hui}")
    page.get_by_role("link", name="Aides du CCAS", exact=True).click()
    section = page.locator("#section-aides_par_type")
    ligne = section.locator("tr", has_text="Demande de logement social")
    expect(ligne.locator("td")).to_have_text("5")
    expect(section.locator("tr", has_text="Aide sociale légale").locator("td")).to_have_text("0")
    etats = page.locator("#section-aides_par_etat")
    expect(etats.locator("tr", has_text="En instruction").locator("td")).to_have_text("5")
    expect(page.locator("#section-aides_budgets")).to_contain_text(
        "Aide énergie (fournisseur) — tout le CCAS"
    )
    verifier_page(page, "tableau-de-bord-aides")
