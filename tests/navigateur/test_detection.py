"""Parcours du responsable sur la page « Détection », dans un vrai Chromium : lancer une
exécution sur un site, voir la barre de progression avancer pendant que les lots sont traités,
puis l'exécution terminée avec ses droits probables (petits effectifs masqués) ; axe-core à chaque étape.

Le travail du worker (découpage puis lots) est fait ici par le test, pendant que la page
interroge la progression (htmx, toutes les 2 s) : le vrai worker est éprouvé à part
(tests/droits/test_detection.py, tests/droits/test_worker_perdu.py)."""

import re

import pytest
from playwright.sync_api import expect

from droits.detection import execution as detection
from droits.models import ExecutionDetection
from tests.droits.conftest import aise, seul_sans_revenu, ts  # noqa: F401 (fixtures)
from tests.factories import MOT_DE_PASSE, AgentFactory, SiteFactory
from tests.navigateur.test_connexion import se_connecter

pytestmark = [pytest.mark.navigateur, pytest.mark.moteur]


def test_lancer_une_detection_et_suivre_sa_progression(
    page,
    verifier_page,
    ts,  # noqa: F811
    seul_sans_revenu,  # noqa: F811
    aise,  # noqa: F811
):
    responsable = AgentFactory(
        role="responsable", sites=[SiteFactory(code="dir", type="service_central")]
    )
    site = ts.sites.get()
    se_connecter(page, responsable.username, MOT_DE_PASSE)
    page.get_by_role("link", name="Détection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Détection du non-recours")
    expect(page.locator("main")).to_contain_text("Aucune exécution pour l'instant.")
    verifier_page(page, "detection")

    page.get_by_label("Périmètre").select_option(label="Un site")
    page.get_by_label("Site").select_option(value=str(site.pk))
    page.get_by_role("button", name="Lancer la détection maintenant").click()
    expect(page.locator("main")).to_contain_text("Détection lancée")
    execution = ExecutionDetection.objects.get()
    ligne = page.locator(f"#execution-{execution.pk}")
    expect(ligne).to_contain_text(f"Un site ({site.nom})")
    expect(ligne).to_contain_text("En attente")
    expect(ligne.locator("progress")).to_have_attribute("value", "0")

    # Ce que fait le worker : découper, puis traiter chaque lot ; la page suit sans rechargement.
    lots = detection.preparer(execution.pk)
    expect(ligne).to_contain_text("En cours", timeout=10_000)
    for lot in lots:
        detection.traiter_lot(lot)
    expect(ligne).to_contain_text("Terminée", timeout=10_000)
    expect(ligne.locator("progress")).to_have_attribute("value", "100")
    expect(ligne).to_contain_text("2 foyers traités sur 2 (100 %)")
    expect(ligne).to_contain_text(re.compile(r"Revenu de solidarité active \(RSA\) < 5"))
    # Le total des droits probables s'explique : ici, tous deviennent de nouveaux signalements.
    expect(ligne).to_contain_text(
        "Droits probables : 3 (un par foyer et prestation), dont 0 déjà demandé ou perçu, "
        "0 déjà signalé et 3 nouveaux signalements."
    )
    page.reload()  # le tableau des comptes se relit avec la page
    tableau = page.get_by_role("table")
    expect(tableau.get_by_role("row", name=re.compile("Revenu de solidarité"))).to_contain_text(
        "< 5"
    )
    assert "Karim" not in page.content()
    verifier_page(page, "detection-terminee")


def test_une_execution_aux_lots_perdus_se_reprend_depuis_la_page(
    page,
    verifier_page,
    ts,  # noqa: F811
    settings,
):
    """Le broker a perdu deux lots sur trois : l'exécution est échouée avec sa raison ; le
    responsable la reprend au clavier ; seuls les lots manquants sont refaits."""
    from datetime import date

    from droits.models import LotDetection, Signalement
    from tests.droits.conftest import MOIS, creer_foyer

    settings.DETECTION_TAILLE_LOT = 1
    settings.DETECTION_RELANCES_MAX = 0
    settings.DETECTION_DELAI_RELANCE = 0
    foyers = [creer_foyer(ts, (f"P{i}", date(1991, 1, 1), "demandeur"))[0] for i in range(3)]
    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre="tous", mois_cible=MOIS
    )
    lots = detection.preparer(execution.pk)
    detection.traiter_lot(lots[0])
    detection.relancer_les_executions_bloquees()  # pas de nouvelles : échouée
    responsable = AgentFactory(
        role="responsable", sites=[SiteFactory(code="dir", type="service_central")]
    )
    se_connecter(page, responsable.username, MOT_DE_PASSE)
    page.get_by_role("link", name="Détection").click()
    ligne = page.locator(f"#execution-{execution.pk}")
    expect(ligne).to_contain_text("Échouée")
    expect(ligne.get_by_role("alert")).to_contain_text(
        "2 lots sur 3 sont restés sans réponse (foyers non traités : 2)"
    )
    verifier_page(page, "detection-echouee")

    bouton = ligne.get_by_role("button", name="Reprendre")
    bouton.focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Exécution reprise")
    ligne = page.locator(f"#execution-{execution.pk}")
    expect(ligne).to_contain_text("En cours")
    expect(ligne.get_by_role("button", name="Reprendre")).to_have_count(0)
    # Ce que fait le worker : les deux lots manquants ; la page suit sans rechargement.
    for lot in lots[1:]:
        detection.traiter_lot(lot)
    expect(ligne).to_contain_text("Terminée", timeout=10_000)
    expect(ligne).to_contain_text("3 foyers traités sur 3 (100 %)")
    assert LotDetection.objects.get(pk=lots[0]).tentatives == 1
    for f in foyers:
        assert Signalement.objects.filter(foyer=f).count() == 3
    verifier_page(page, "detection-reprise")
