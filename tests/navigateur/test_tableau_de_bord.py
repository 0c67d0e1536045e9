"""Parcours du responsable dans un vrai Chromium : connexion → tableau de bord → période
changée (mars 2026) → graphiques tracés et tableau de données → page de l'axe logement →
export CSV téléchargé ; axe-core à chaque page."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.ccas_portal.test_pilotage import monde  # noqa: F401 (fixture : données comptées)
from tests.factories import MOT_DE_PASSE
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


def _graphiques_traces(page) -> int:
    return page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-graphique]')]"
        ".filter((c) => window.Chart && window.Chart.getChart(c)).length"
    )


def test_parcours_responsable(page, verifier_page, monde):  # noqa: F811
    se_connecter(page, monde.responsable.username, MOT_DE_PASSE)
    expect(page).to_have_url(re.compile(r"/tableau-de-bord/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    verifier_page(page, "tableau-de-bord")

    # Mars 2026.
    page.get_by_label("Période", exact=True).select_option(label="Mois")
    page.get_by_label("Année", exact=True).fill("2026")
    page.get_by_label(re.compile("^Mois")).select_option(label="Mars")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("main")).to_contain_text("mars 2026")
    expect(page.locator("main")).to_contain_text("Chiffres calculés le")
    carte = page.locator(".carte-chiffre").filter(has_text="Passages à l'accueil")
    expect(carte).to_contain_text("10")
    assert _graphiques_traces(page) >= 5
    # L'alternative accessible : le tableau de données sous le graphique.
    section = page.locator("#section-interventions_types")
    section.get_by_text("Tableau des données").click()
    tableau = section.get_by_role("table")
    expect(tableau).to_be_visible()
    # 2 appels pour 1 foyer : « < 5 » ; les 5 entretiens, déduits du total (7), sont « secret ».
    expect(tableau.get_by_role("row", name=re.compile("Appel téléphonique"))).to_contain_text("< 5")
    expect(tableau.get_by_role("row", name=re.compile("Entretien au bureau"))).to_contain_text(
        "secret"
    )
    verifier_page(page, "tableau-de-bord-mars")

    # Page de l'axe logement, mêmes filtres.
    page.get_by_role("link", name="Logement et hébergement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tableau de bord — Logement et hébergement"
    )
    expect(page.locator("main")).to_contain_text("mars 2026")
    assert _graphiques_traces(page) >= 3
    verifier_page(page, "tableau-de-bord-logement")

    # Export CSV du tableau par site.
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="CSV — Par site").click()
    fichier = telechargement.value
    assert fichier.suggested_filename.startswith("ccas_axe-logement_par_site_2026-03-01_2026-03-31")
    contenu = Path(fichier.path()).read_text(encoding="utf-8-sig")
    assert contenu.startswith("Tableau;Par site")
    assert "Maison A" in contenu
