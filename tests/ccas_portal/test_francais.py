"""Le français des textes : accords (0 et 1 au singulier), élision, genre, montants, dates,
temps écoulé ; les fonctions et les filtres de gabarit qui les appellent."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from ccas_portal import formats

PARIS = ZoneInfo("Europe/Paris")
FINE = "\u202f"
INSECABLE = "\u00a0"


def rendre(gabarit, **contexte):
    return Template(gabarit).render(Context(contexte))


@pytest.mark.parametrize(
    ("n", "attendu"),
    [
        (0, "0 personne trouvée"),
        (1, "1 personne trouvée"),
        (2, "2 personnes trouvées"),
        (1250, f"1{FINE}250 personnes trouvées"),
    ],
)
def test_zero_et_un_sont_au_singulier(n, attendu):
    assert formats.compte(n, "personne trouvée", "personnes trouvées") == attendu
    assert rendre('{{ n|compte:"personne trouvée,personnes trouvées" }}', n=n) == attendu


def test_une_forme_pour_zero_et_le_pluriel_par_defaut():
    formes = "nouveau signalement,nouveaux signalements,aucun nouveau signalement"
    assert rendre("{{ n|compte:f }}", n=0, f=formes) == "aucun nouveau signalement"
    assert rendre("{{ n|compte:f }}", n=1, f=formes) == "1 nouveau signalement"
    assert rendre("{{ n|compte:f }}", n=3, f=formes) == "3 nouveaux signalements"
    assert rendre('{{ n|compte:"entrée" }}', n=0) == "0 entrée"
    assert rendre('{{ n|compte:"entrée" }}', n=2) == "2 entrées"
    assert rendre('{{ n|accord:"foyer" }}', n=5) == "foyers"


@pytest.mark.parametrize(
    ("nom", "attendu"),
    [
        ("Antoine", "d'Antoine"),
        ("Hélène", "d'Hélène"),
        ("Hugo", "d'Hugo"),
        ("Émile", "d'Émile"),
        ("ABDELLI Karim", "d'ABDELLI Karim"),
        ("Yves", "d'Yves"),
        ("Yannick", "de Yannick"),
        ("Martin", "de Martin"),
        ("MARTIN Sophie", "de MARTIN Sophie"),
    ],
)
def test_de_s_elide_devant_une_voyelle_ou_un_h_muet(nom, attendu):
    assert formats.de(nom) == attendu
    assert rendre("{{ nom|de }}", nom=nom) == attendu


def test_de_sans_nom_ne_dit_rien():
    assert formats.de(None) == ""
    assert rendre("{{ nom|de }}", nom=None) == ""


def test_le_filtre_de_echappe_le_nom():
    assert rendre("{{ nom|de }}", nom="<b>Ali</b>") == "de &lt;b&gt;Ali&lt;/b&gt;"
    assert rendre("{{ nom|de }}", nom="Éa<i>") == "d'Éa&lt;i&gt;"


def test_genre_selon_le_sexe_neutre_si_inconnu():
    class Personne:
        def __init__(self, sexe):
            self.sexe = sexe

    assert rendre('{{ p|genre:"né,née" }}', p=Personne("F")) == "née"
    assert rendre('{{ p|genre:"né,née" }}', p=Personne("M")) == "né"
    assert rendre('{{ p|genre:"né,née" }}', p=Personne("")) == "né(e)"
    assert formats.genre("", "inscrit", "inscrite") == "inscrit(e)"


@pytest.mark.parametrize(
    ("montant", "attendu"),
    [
        (Decimal("250.00"), f"250,00{INSECABLE}€"),
        (1250, f"1{FINE}250,00{INSECABLE}€"),
        (1234567.891, f"1{FINE}234{FINE}567,89{INSECABLE}€"),
        ("573.495", f"573,50{INSECABLE}€"),
        (0, f"0,00{INSECABLE}€"),
        (-12.5, f"-12,50{INSECABLE}€"),
        (None, "—"),
    ],
)
def test_montants_a_la_francaise(montant, attendu):
    assert formats.euros(montant) == attendu
    assert rendre("{{ m|euros }}", m=montant) == attendu


def test_dates_iso_en_jour_mois_annee():
    assert formats.date_courte("2024-03-01") == "01/03/2024"
    assert formats.date_courte(date(2024, 3, 1)) == "01/03/2024"
    # Un datetime est lu à l'heure de Paris (23 h 30 UTC le 29 février : 1er mars à Paris).
    assert formats.date_courte(datetime(2024, 2, 29, 23, 30, tzinfo=ZoneInfo("UTC"))) == (
        "01/03/2024"
    )
    assert formats.date_courte("pas une date") == "pas une date"


@pytest.mark.parametrize(
    ("ecart", "attendu"),
    [
        (timedelta(seconds=0), "à l'instant"),
        (timedelta(seconds=59), "à l'instant"),
        (timedelta(seconds=-30), "à l'instant"),
        (timedelta(minutes=1), "il y a 1 minute"),
        (timedelta(minutes=2, seconds=5), "il y a 2 minutes"),
        (timedelta(hours=1, minutes=20), "il y a 1 heure"),
        (timedelta(hours=5), "il y a 5 heures"),
        (timedelta(days=1, hours=2), "il y a 1 jour"),
        (timedelta(days=3), "il y a 3 jours"),
        (timedelta(days=62), "il y a 2 mois"),
        (timedelta(days=800), "il y a 2 ans"),
    ],
)
def test_temps_ecoule_en_francais(ecart, attendu):
    maintenant = datetime(2026, 6, 1, 12, 0, tzinfo=PARIS)
    assert formats.il_y_a(maintenant - ecart, maintenant) == attendu


def test_le_filtre_il_y_a_ne_dit_jamais_zero_minute():
    from django.utils import timezone

    assert rendre("{{ m|il_y_a }}", m=timezone.now()) == "à l'instant"


def test_jours_de_retard():
    assert formats.retard_en_jours(date(2026, 1, 1), date(2026, 1, 11)) == 10
    assert formats.retard_en_jours(date(2026, 1, 20), date(2026, 1, 11)) == 0
    assert formats.retard_en_jours(None) == 0
