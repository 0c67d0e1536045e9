"""Périodes du tableau de bord : bornes en dates locales et minuits de Paris."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from ccas_portal.periodes import Periode

PARIS = ZoneInfo("Europe/Paris")


def test_mois_trimestre_annee():
    assert Periode.mois(date(2026, 2, 14)) == Periode(
        date(2026, 2, 1), date(2026, 2, 28), "février 2026"
    )
    t = Periode.trimestre(date(2026, 5, 31))
    assert (t.debut, t.fin, t.libelle) == (date(2026, 4, 1), date(2026, 6, 30), "2e trimestre 2026")
    assert Periode.trimestre(date(2026, 1, 1)).libelle == "1er trimestre 2026"
    a = Periode.annee(date(2026, 7, 1))
    assert (a.debut, a.fin, a.jours) == (date(2026, 1, 1), date(2026, 12, 31), 365)


def test_bornes_horodatees_aux_minuits_de_paris():
    mars = Periode.mois(date(2026, 3, 1))
    # Heure d'hiver le 1er mars (UTC+1), heure d'été le 1er avril (UTC+2).
    assert mars.debut_horodate == datetime(2026, 3, 1, tzinfo=PARIS)
    assert mars.debut_horodate.utcoffset().total_seconds() == 3600
    assert mars.fin_horodate == datetime(2026, 4, 1, tzinfo=PARIS)
    assert mars.fin_horodate.utcoffset().total_seconds() == 7200


def test_un_an_avant_et_douze_mois():
    fevrier = Periode.mois(date(2025, 2, 1)).un_an_avant()
    assert (fevrier.debut, fevrier.fin) == (date(2024, 2, 1), date(2024, 2, 29))  # bissextile
    choisie = Periode.dates(date(2024, 2, 29), date(2024, 3, 10)).un_an_avant()
    assert (choisie.debut, choisie.fin) == (date(2023, 2, 28), date(2023, 3, 10))
    douze = Periode.mois(date(2026, 3, 1)).douze_mois()
    assert (douze.debut, douze.fin) == (date(2025, 4, 1), date(2026, 3, 31))
    assert len(douze.mois_couverts()) == 12


def test_bornes_du_calendrier_plausible_sans_debordement():
    """Les bornes du formulaire (01/01/2000, un an d'ici) : un an avant, les douze mois et les
    minuits de Paris se calculent sans sortir du calendrier."""
    from ccas_portal.pilotage.forms import PREMIER_JOUR, dernier_jour

    for periode in (
        Periode.dates(PREMIER_JOUR, PREMIER_JOUR),
        Periode.dates(dernier_jour(), dernier_jour()),
        Periode.annee(dernier_jour()),
    ):
        avant = periode.un_an_avant()
        assert avant.debut.year == periode.debut.year - 1
        douze = periode.douze_mois()
        assert len(douze.mois_couverts()) == 12
        assert douze.debut_horodate < douze.fin_horodate
        assert avant.debut_horodate < periode.fin_horodate
