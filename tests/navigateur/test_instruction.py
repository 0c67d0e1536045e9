"""Une demande d'aide de bout en bout, comme les agents la font : le travailleur social l'ouvre
depuis le dossier du foyer (une erreur d'abord, puis au clavier) et la présente ; la
responsable ouvre une séance de commission (identités pseudonymisées) et accorde l'aide ; le
travailleur social télécharge la lettre ; les finances paient ; le budget le montre. La base
est vérifiée à chaque étape ; axe-core sur chaque page."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ccas_portal.enums import Role
from ccas_portal.models import Site
from droits.instruction import budget as budgets
from droits.instruction.demo import creer_reglement
from droits.instruction.enums import EtatDemande
from droits.instruction.models import Budget, Decision, Demande, Paiement
from habitants.services import ajouter_membre, enregistrer_ressource
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.habitants.test_droits_personne import texte_du_pdf
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


@pytest.fixture
def chaine(referentiels):
    annee = timezone.localdate().year
    creer_reglement(date_effet=date(2020, 1, 1), annee=annee)
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site], prenom="Inès", nom="Roux")
    responsable = AgentFactory(role=Role.RESPONSABLE, sites=[site])
    finances = AgentFactory(role=Role.FINANCES, sites=[site])
    f = foyer(ts, loyer_mensuel=Decimal("380"))
    h = habitant(
        ts, nom_usage="Bellil", prenoms="Yanis", sexe="M", date_naissance=date(annee - 21, 3, 2)
    )
    ajouter_membre(agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2023, 1, 1))
    enregistrer_ressource(
        agent=ts,
        habitant=h,
        type="salaire_net",
        montant_mensuel=Decimal("250"),
        date_debut=date(2024, 1, 1),
    )
    return ts, responsable, finances, f, h


def test_de_la_demande_au_budget(page, verifier_page, chaine):
    ts, responsable, finances, f, h = chaine

    # 1. Le travailleur social, depuis le dossier du foyer.
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("accompagnement:dossier", args=[f.pk]))
    page.get_by_role("link", name="Nouvelle demande").click()
    verifier_page(page, "choisir-type")
    page.get_by_role("link", name="Aide facultative du CCAS").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aide facultative du CCAS")
    formulaire = page.locator("#demande-formulaire")
    formulaire.get_by_label("Bénéficiaire").select_option(str(h.pk))
    formulaire.get_by_label("Type d'aide").select_option(label="Aide jeunes adultes 18–25 ans")
    formulaire.get_by_label("Montant demandé (€)").fill("trois cents")
    formulaire.get_by_label("Objet de la demande").fill("Permis de conduire pour un emploi")
    formulaire.get_by_role("button", name="Enregistrer la demande").click()
    expect(page.locator("#demande-montant_demande_error")).to_contain_text("Saisissez un nombre.")
    verifier_page(page, "erreur-montant")
    assert Demande.objects.count() == 0
    # Au clavier : corriger le montant et envoyer.
    montant = page.locator("#demande-formulaire").get_by_label("Montant demandé (€)")
    montant.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("300")
    page.keyboard.press("Enter")
    expect(page.locator("#eligibilite")).to_contain_text("Âge : condition remplie")
    demande = Demande.objects.get()
    assert (demande.montant_demande, demande.beneficiaire) == (Decimal("300"), h)
    verifier_page(page, "demande")
    page.get_by_role("button", name="Présenter à la commission").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#etat-demande")).to_have_text("Prête pour la commission")
    demande.refresh_from_db()
    assert demande.etat == EtatDemande.PRETE

    # 2. La commission : une séance, l'ordre du jour pseudonymisé, la décision.
    page.context.clear_cookies()
    se_connecter(page, responsable.username, MOT_DE_PASSE)
    page.get_by_role("link", name="Commission des aides").click()
    verifier_page(page, "commission")
    seance = page.locator("#seance-formulaire")
    seance.get_by_label("Date de la séance").fill(f"{timezone.localdate():%Y-%m-%d}")
    seance.get_by_label("Membres présents (un par ligne)").fill("Mme Adjointe\nM. Administrateur")
    seance.get_by_role("button", name="Créer la séance").click()
    point = page.locator(f"#point-{demande.pk}")
    expect(point).to_contain_text(demande.pseudonyme)
    expect(page.locator("main")).not_to_contain_text("Bellil")
    verifier_page(page, "seance")
    point.get_by_label("Accordée").check()
    point.get_by_label("Mode de paiement").select_option("personne")
    point.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text(f"Décision enregistrée pour {demande.pseudonyme}.")).to_be_visible()
    decision = Decision.objects.get()
    assert (decision.sens, decision.montant, decision.urgence) == (
        "accordee",
        Decimal("300"),
        False,
    )

    # 3. Le travailleur social télécharge la lettre.
    page.context.clear_cookies()
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("droits:demande", args=[demande.pk]))
    expect(page.locator("#etat-demande")).to_have_text("Accordée")
    with page.expect_download() as attente:
        page.locator("#lettres").get_by_role("link").click()
    texte = " ".join(texte_du_pdf(Path(attente.value.path()).read_bytes()).split())
    assert "Yanis Bellil" in texte
    assert "une aide de 300,00 € vous est accordée" in texte

    # 4. Les finances paient ; le budget le montre.
    page.context.clear_cookies()
    se_connecter(page, finances.username, MOT_DE_PASSE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Paiements et budgets")
    verifier_page(page, "paiements")
    carte = page.locator(f"#a-payer-{decision.pk}")
    reference = carte.get_by_label("Référence (mandat, virement…)")
    reference.focus()
    page.keyboard.type("MANDAT-2026-0042")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Paiement enregistré.")).to_be_visible()
    expect(page.locator("#budget-jeunes_adultes .budget-paye")).to_have_text("300,00\u00a0€")
    verifier_page(page, "budget")
    paiement = Paiement.objects.get()
    assert (paiement.montant, paiement.reference) == (Decimal("300"), "MANDAT-2026-0042")
    demande.refresh_from_db()
    assert demande.etat == EtatDemande.PAYEE
    c = budgets.chiffres(Budget.objects.get(code_type="jeunes_adultes", site=None))
    assert (c.paye, c.engage) == (Decimal("300"), Decimal("0"))
