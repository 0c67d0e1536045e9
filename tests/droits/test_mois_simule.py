"""Le mois simulé : choisi parmi le mois en cours et les 11 précédents (lancement d'une
exécution, « Simuler maintenant »), puis montré sur chaque résultat."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from droits.detection import execution as detection
from droits.forms import LancerDetectionForm, SimulerFoyerForm, mois_proposes
from droits.models import EtatDetectionFoyer, ExecutionDetection, Signalement
from tests.factories import AgentFactory, SiteFactory

pytestmark = pytest.mark.django_db

HORS_LISTE = "Choisissez un mois de la liste : le mois en cours ou l'un des 11 précédents."


@pytest.fixture
def en_janvier_2027(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 15))


def _mois_passe() -> tuple[str, date, str]:
    """Le mois précédent : (valeur du champ, premier jour, libellé)."""
    valeur, libelle = mois_proposes()[1]
    return valeur, date.fromisoformat(f"{valeur}-01"), libelle


def test_les_mois_proposes_vont_du_mois_en_cours_aux_onze_precedents(en_janvier_2027):
    choix = mois_proposes()
    assert len(choix) == 12
    assert choix[0] == ("2027-01", "janvier 2027")
    assert choix[1] == ("2026-12", "décembre 2026")
    assert choix[-1] == ("2026-02", "février 2026")
    form = SimulerFoyerForm()
    assert form.fields["mois_cible"].initial == "2027-01"
    assert list(form.fields["mois_cible"].choices) == choix


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [("2026-12", date(2026, 12, 1)), ("2026-02", date(2026, 2, 1)), ("", date(2027, 1, 1))],
)
def test_un_mois_de_la_liste_est_accepte(en_janvier_2027, valeur, attendu):
    form = SimulerFoyerForm({"mois_cible": valeur})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["mois_cible"] == attendu


@pytest.mark.parametrize(
    "valeur", ["2026-01", "2027-02", "2026-13", "2026-1", "décembre 2026", "0000-00", "a\x00b"]
)
def test_un_mois_hors_liste_est_refuse_en_francais(en_janvier_2027, valeur, referentiels):
    form = SimulerFoyerForm({"mois_cible": valeur})
    assert not form.is_valid()
    assert form.errors["mois_cible"] == [HORS_LISTE]
    agent = AgentFactory(role="responsable", sites=[SiteFactory(type="service_central")])
    form = LancerDetectionForm({"perimetre": "tous", "mois_cible": valeur}, agent=agent)
    assert not form.is_valid()
    assert form.errors["mois_cible"] == [HORS_LISTE]


@pytest.mark.moteur
def test_simuler_maintenant_pour_un_mois_passe(
    client, ts, seul_sans_revenu, django_capture_on_commit_callbacks
):
    f, _ = seul_sans_revenu
    valeur, mois, libelle = _mois_passe()
    client.force_login(ts)
    dossier = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    assert 'name="mois_cible"' in dossier
    assert f'<option value="{mois_proposes()[0][0]}" selected>' in dossier  # par défaut
    with django_capture_on_commit_callbacks() as rappels:
        fragment = client.post(
            reverse("droits:simuler_foyer", args=[f.pk]),
            {"mois_cible": valeur},
            HTTP_HX_REQUEST="true",
        ).content.decode()
    assert len(rappels) == 1
    e = ExecutionDetection.objects.get()
    assert (e.perimetre, e.foyer, e.mois_cible) == ("foyer", f, mois)
    assert f"Simulation pour {libelle} demandée" in fragment
    for lot in detection.preparer(e.pk):  # ce que fait le worker
        detection.traiter_lot(lot)
    assert EtatDetectionFoyer.objects.get(foyer=f).mois_cible == mois
    fragment = client.get(reverse("droits:simulation_foyer", args=[f.pk])).content.decode()
    assert f"Droits estimés pour {libelle}" in fragment
    assert "Revenu de solidarité active (RSA) :" in fragment
    # Chaque signalement dit son mois : dossier, file de travail, page du signalement.
    rsa = Signalement.objects.get(prestation="rsa")
    assert rsa.mois_simule == mois
    dossier = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    assert f"Calcul sur {libelle} : 1 personne" in dossier
    file = client.get(reverse("droits:signalements")).content.decode()
    assert '<th scope="col">Mois simulé</th>' in file
    assert file.count(f"<td>{libelle}</td>") == Signalement.objects.count()
    page = client.get(reverse("droits:signalement", args=[rsa.pk])).content.decode()
    assert f'<dd class="col-sm-7" id="mois-simule">{libelle}</dd>' in page


def test_simuler_un_mois_hors_liste_ne_lance_rien(
    client, ts, seul_sans_revenu, django_capture_on_commit_callbacks
):
    f, _ = seul_sans_revenu
    client.force_login(ts)
    url = reverse("droits:simuler_foyer", args=[f.pk])
    with django_capture_on_commit_callbacks() as rappels:
        sans_js = client.post(url, {"mois_cible": "2019-01"})
        avec_htmx = client.post(url, {"mois_cible": "2019-01"}, HTTP_HX_REQUEST="true")
    assert not rappels
    assert not ExecutionDetection.objects.exists()
    # Sans JavaScript : une page en 422, l'erreur sous le champ ; htmx : le bloc et son erreur
    # (htmx n'échange pas une réponse 4xx).
    assert sans_js.status_code == 422
    assert avec_htmx.status_code == 200
    for reponse in (sans_js, avec_htmx):
        html = reponse.content.decode()
        assert HORS_LISTE.replace("'", "&#x27;") in html
        assert 'id="simulation-mois_cible"' in html
        assert 'aria-invalid="true"' in html or "is-invalid" in html


def test_lancer_une_execution_pour_un_mois_passe(
    client, referentiels, django_capture_on_commit_callbacks
):
    responsable = AgentFactory(role="responsable", sites=[SiteFactory(type="service_central")])
    client.force_login(responsable)
    valeur, mois, libelle = _mois_passe()
    page = client.get(reverse("droits:detection"))
    assert page.context["form"].fields["mois_cible"].initial == mois_proposes()[0][0]
    with django_capture_on_commit_callbacks() as rappels:
        reponse = client.post(
            reverse("droits:detection"), {"perimetre": "tous", "mois_cible": "2001-01"}
        )
    assert reponse.status_code == 422
    assert HORS_LISTE.replace("'", "&#x27;") in reponse.content.decode()
    assert not rappels
    assert not ExecutionDetection.objects.exists()
    with django_capture_on_commit_callbacks() as rappels:
        reponse = client.post(
            reverse("droits:detection"), {"perimetre": "tous", "mois_cible": valeur}, follow=True
        )
    assert len(rappels) == 1
    e = ExecutionDetection.objects.get()
    assert e.mois_cible == mois
    assert f"mois simulé : {libelle}" in reponse.content.decode()
    fragment = client.get(reverse("droits:progression", args=[e.pk])).content.decode()
    assert f"mois simulé : {libelle}" in fragment
