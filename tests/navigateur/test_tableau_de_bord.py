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
    """Les graphiques tracés, plus ceux dont tous les chiffres sont masqués (un message dit
    pourquoi à leur place) ; chaque toile de la page est tracée."""
    traces = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-graphique]')]"
        ".filter((c) => window.Chart && window.Chart.getChart(c)).length"
    )
    assert traces == page.locator("canvas[data-graphique]").count()
    return traces + page.locator(".graphique-masque").count()


def ouvrir_le_tableau(section) -> None:
    """Déplie le tableau des données (déjà ouvert quand le graphique est tout masqué)."""
    if not section.locator("details").evaluate("(d) => d.open"):
        section.locator("summary").click()


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
    ouvrir_le_tableau(section)
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


def test_graphiques_honnetes(page, verifier_page, monde):  # noqa: F811
    """Le mois en cours tracé en pointillé et dit partiel ; nombres sur un axe à graduations
    entières, heures sur le leur ; un graphique tout masqué dit pourquoi."""
    from datetime import date

    from accompagnement.models import Intervention
    from tests.navigateur.conftest import ARTEFACTS

    # Des appels pour cinq foyers en mars : interventions et heures publiables.
    for prenom in ("Noé", "Léa", "Marc", "Rose"):
        Intervention.objects.create(
            accompagnement=monde.acc[prenom],
            type="appel",
            date=date(2026, 3, 12),
            duree_minutes=15,
            auteur=monde.ts,
        )
    se_connecter(page, monde.responsable.username, MOT_DE_PASSE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    tendances = page.locator("#section-tendances")
    expect(tendances).to_contain_text("En pointillé : le mois en cours, partiel")
    ouvrir_le_tableau(tendances)
    expect(tendances.get_by_role("table")).to_contain_text("(mois en cours, partiel)")
    trace = page.evaluate(
        """() => {
        const g = Chart.getChart(document.getElementById('graphique-tendances'));
        const meta = g.getDatasetMeta(0);
        const n = meta.data.length;
        const segment = g.data.datasets[0].segment.borderDash;
        return {
          n,
          dernier: segment({p1DataIndex: n - 1}),
          avant: segment({p1DataIndex: n - 2}) || null,
          ticks: g.scales.nombres.ticks.map((t) => t.value),
        };
    }"""
    )
    assert trace["n"] == 12
    assert trace["dernier"] == [6, 4]
    assert trace["avant"] is None
    assert all(float(v).is_integer() for v in trace["ticks"])
    ARTEFACTS.mkdir(exist_ok=True)
    tendances.locator(".graphique-pilotage").screenshot(
        path=str(ARTEFACTS / "tableau-de-bord-tendances-mois-partiel.png")
    )

    # Mars 2026 : interventions en nombre (graduations entières) et temps en heures, deux axes.
    page.get_by_label("Période", exact=True).select_option(label="Mois")
    page.get_by_label("Année", exact=True).fill("2026")
    page.get_by_label(re.compile("^Mois")).select_option(label="Mars")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("main")).to_contain_text("mars 2026")
    axes = page.evaluate(
        """() => {
        const g = Chart.getChart(document.getElementById('graphique-interventions_types'));
        return Object.fromEntries(Object.entries(g.scales).filter(([id]) => id !== 'x')
          .map(([id, s]) => [id, s.ticks.map((t) => t.value)]));
    }"""
    )
    assert set(axes) == {"nombres", "heures"}
    assert all(float(v).is_integer() for v in axes["nombres"])
    page.locator("#section-interventions_types").screenshot(
        path=str(ARTEFACTS / "tableau-de-bord-interventions-deux-axes.png")
    )

    # Maison B seule : tout est masqué ; le message remplace le repère vide.
    page.get_by_label("Maison B").check()
    page.get_by_role("button", name="Afficher").click()
    masque = page.locator("#graphique-par_age")
    expect(masque).to_contain_text("tous ses chiffres sont masqués")
    assert page.locator("canvas#graphique-par_age").count() == 0
    verifier_page(page, "tableau-de-bord-tout-masque")
