"""Le travailleur social choisit au clavier un mois passé à côté de « Simuler maintenant », lance
la simulation et voit ce mois sur le résultat, puis sur le signalement ; la base a simulé ce
mois-là. Le travail du worker est fait par le test (comme tests/navigateur/test_dossier_social.py)."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from droits.detection import execution as detection
from droits.forms import mois_proposes
from droits.models import EtatDetectionFoyer, ExecutionDetection, Signalement
from tests.droits.conftest import seul_sans_revenu, ts  # noqa: F401 (fixtures)
from tests.factories import MOT_DE_PASSE
from tests.navigateur.test_connexion import se_connecter

pytestmark = [pytest.mark.navigateur, pytest.mark.moteur]


def test_simuler_un_mois_passe_au_clavier(
    page,
    verifier_page,
    ts,  # noqa: F811
    seul_sans_revenu,  # noqa: F811
):
    f, _ = seul_sans_revenu
    (courant, libelle_courant), (passe, libelle) = mois_proposes()[:2]
    se_connecter(page, ts.username, MOT_DE_PASSE)
    dossier = reverse("accompagnement:dossier", args=[f.pk])
    page.goto(dossier)
    simulation = page.locator("#simulation")
    champ = simulation.get_by_label("Mois simulé")
    expect(champ).to_have_value(courant)  # par défaut, le mois en cours
    verifier_page(page, "dossier")

    # Au clavier : le mois précédent (la liste va du plus récent au plus ancien), puis le bouton.
    champ.focus()
    page.keyboard.press("ArrowDown")
    expect(champ).to_have_value(passe)
    page.keyboard.press("Tab")
    expect(simulation.get_by_role("button", name="Simuler maintenant")).to_be_focused()
    page.keyboard.press("Enter")
    expect(simulation).to_contain_text(f"Simulation pour {libelle} demandée")
    execution = ExecutionDetection.objects.get()
    assert execution.mois_cible == date.fromisoformat(f"{passe}-01")

    # Le worker (voir test_dossier_social.simuler : la page est quittée pendant l'écriture).
    page.goto("about:blank")
    for lot in detection.preparer(execution.pk):
        detection.traiter_lot(lot)
    page.goto(dossier)
    expect(simulation.get_by_role("heading", level=3)).to_have_text(
        f"Droits estimés pour {libelle} (OpenFisca-France)"
    )
    expect(simulation.locator("ul")).to_contain_text("Revenu de solidarité active (RSA)")
    expect(simulation.get_by_label("Mois simulé")).to_have_value(courant)  # formulaire neuf
    assert EtatDetectionFoyer.objects.get(foyer=f).mois_cible == execution.mois_cible
    verifier_page(page, "resultat")

    # À la souris : le signalement du RSA dit aussi son mois.
    rsa = Signalement.objects.get(prestation="rsa")
    expect(page.locator(f"#signalement-{rsa.pk}")).to_contain_text(f"Calcul sur {libelle}")
    page.locator(f"#signalement-{rsa.pk}").get_by_role("link", name="Traiter").click()
    expect(page.locator("#mois-simule")).to_have_text(libelle)
    verifier_page(page, "signalement")
    assert libelle != libelle_courant
