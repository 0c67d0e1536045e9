"""Du signalement « nouveau » au « droit ouvert », jusqu'à l'entonnoir du responsable.

Une responsable regarde d'abord l'entonnoir du non-recours des 60 derniers jours (« Afficher »
par Entrée) : 18 signalements repérés, dont 5 droits déjà ouverts. Une travailleuse sociale prend ensuite un signalement
« nouveau » : « personne contactée » (la case « venue d'elle-même » cochée au clavier),
« demande déposée » (à la souris), puis « droit ouvert » avec une date manquante d'abord
(message sous le champ, rien en base), puis le montant accordé et la date, validés par Entrée ;
la base vérifiée à chaque étape. Le dossier du foyer montre l'estimé, l'accordé et l'écart.
La responsable, revenue, voit encore les chiffres rangés (leur date est dite), clique
« Recalculer maintenant » : six droits ouverts, le montant accordé et le délai médian ;
axe-core à chaque page, captures regardées."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ccas_portal.enums import Role
from ccas_portal.models import Site
from droits.models import ChangementSignalement, PrestationFoyer, Signalement
from droits.services import changer_etat_signalement
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter
from tests.navigateur.test_tableau_de_bord import ouvrir_le_tableau

pytestmark = pytest.mark.navigateur


def _il_y_a(jours: int) -> datetime:
    return timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=jours), time(10))
    )


@pytest.fixture
def cas(referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site], prenom="Claire", nom="Vidal")
    responsable = AgentFactory(
        role=Role.RESPONSABLE,
        sites=[Site.objects.get(code="dir-action-sociale")],
        prenom="Hélène",
        nom="Garnier",
    )
    # Cinq droits ouverts il y a 20 jours, repérés il y a 30 jours (délai : 10 jours) :
    # estimés 480 €, accordés 500 € par mois.
    for n in range(5):
        f = foyer(ts, adresse=f"{n + 1} rue Bayard")
        s = Signalement.objects.create(
            foyer=f, prestation_id="rsa", montant_estime=Decimal(480), empreinte=f"d{n}"
        )
        Signalement.objects.filter(pk=s.pk).update(cree_le=_il_y_a(30))
        changer_etat_signalement(
            agent=ts,
            signalement=s,
            etat="droit_ouvert",
            montant_accorde=Decimal(500),
            date_debut=timezone.localdate() - timedelta(days=20),
        )
        ChangementSignalement.objects.filter(signalement=s).update(le=_il_y_a(20))
    # Et, repérés il y a 30 jours : 4 restés nouveaux, 3 personnes contactées, 5 contactées
    # puis refus de la personne.
    for n, etats in enumerate(
        [()] * 4 + [("contacte",)] * 3 + [("contacte", "refus_personne")] * 5
    ):
        s = Signalement.objects.create(
            foyer=foyer(ts, adresse=f"{n + 1} rue Servan"),
            prestation_id="rsa",
            montant_estime=Decimal(300),
            empreinte=f"r{n}",
        )
        Signalement.objects.filter(pk=s.pk).update(cree_le=_il_y_a(30))
        for etat in etats:
            changer_etat_signalement(agent=ts, signalement=s, etat=etat, venue_d_elle_meme=True)
    # Le signalement du parcours, repéré il y a 7 jours.
    suivi = foyer(ts, adresse="12 rue Très-Cloîtres")
    nadia = habitant(ts, nom_usage="Haddad", prenoms="Nadia", date_naissance=date(1985, 3, 9))
    ajouter_membre(
        agent=ts, foyer=suivi, habitant=nadia, role="demandeur", date_debut=date(2019, 1, 1)
    )
    rsa = Signalement.objects.create(
        foyer=suivi,
        prestation_id="rsa",
        montant_estime=Decimal(420),
        empreinte="e",
        explication={"mois": "10/2026", "personnes": 1, "ages": [41], "loyer": 480},
    )
    Signalement.objects.filter(pk=rsa.pk).update(cree_le=_il_y_a(7))
    return ts, responsable, suivi, rsa


def _cellules(section, ligne: str) -> list[str]:
    rang = section.get_by_role("row", name=re.compile(f"^{re.escape(ligne)}"))
    return [t.strip() for t in rang.locator("td").all_inner_texts()]


def _afficher_les_60_derniers_jours(page):
    """La période « Dates choisies » et ses dates, « Afficher » par Entrée dans le champ
    « Au » (le format que Chromium affiche dans un champ de date dépend de sa langue : les
    dates sont remplies, pas tapées segment par segment)."""
    du = timezone.localdate() - timedelta(days=60)
    page.get_by_label("Période", exact=True).select_option(label="Dates choisies")
    page.get_by_label(re.compile("^Du")).fill(du.isoformat())
    page.get_by_label("Au", exact=True).fill(timezone.localdate().isoformat())
    page.get_by_label("Au", exact=True).press("Enter")
    expect(page.locator("main")).to_contain_text(f"du {du:%d/%m/%Y}")


def _entonnoir_trace(page) -> dict:
    return page.evaluate(
        """() => {
        const g = Chart.getChart(document.getElementById('graphique-entonnoir'));
        return {
          indexAxis: g.options.indexAxis,
          etapes: g.data.labels,
          valeurs: g.data.datasets[0].data,
          ticks: g.scales.nombres.ticks.map((t) => t.value),
          position: g.scales.nombres.position,
        };
    }"""
    )


def test_du_signalement_nouveau_a_l_entonnoir_du_responsable(
    page, navigateur, live_server, verifier_page, cas
):
    ts, responsable, suivi, rsa = cas

    # La responsable, dans sa propre fenêtre : cinq droits ouverts.
    contexte = navigateur.new_context(base_url=live_server.url, locale="fr-FR")
    resp = contexte.new_page()
    se_connecter(resp, responsable.username, MOT_DE_PASSE)
    expect(resp.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    _afficher_les_60_derniers_jours(resp)
    section = resp.locator("#section-entonnoir")
    expect(section.get_by_role("heading")).to_contain_text("Entonnoir du non-recours")
    ouvrir_le_tableau(section)
    assert _cellules(section, "Repérés") == ["18"]
    assert _cellules(section, "Droits ouverts") == ["5"]
    assert _entonnoir_trace(resp)["valeurs"] == [18, 13, 5, 5, 5]
    verifier_page(resp, "tableau-de-bord-avant")
    url_du_tableau = resp.url

    # La travailleuse sociale : le signalement, ouvert à la souris depuis la file.
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("droits:signalements"))
    page.get_by_role("link", name="HADDAD Nadia").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("HADDAD Nadia")
    formulaire = page.locator("#etat-formulaire")

    # « Personne contactée » au clavier : l'état choisi, la case cochée par Espace, Entrée.
    formulaire.get_by_label("Nouvel état").select_option(label="Personne contactée")
    formulaire.get_by_label("La personne est venue d'elle-même").focus()
    page.keyboard.press("Space")
    formulaire.get_by_label("Commentaire").click()
    page.keyboard.type("Venue à la permanence")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("personne contactée")
    rsa.refresh_from_db()
    assert rsa.etat == "contacte"

    # « Demande déposée » à la souris.
    formulaire = page.locator("#etat-formulaire")
    formulaire.get_by_label("Nouvel état").select_option(label="Demande déposée")
    formulaire.get_by_role("button", name="Enregistrer le nouvel état").click()
    expect(page.get_by_role("status")).to_contain_text("demande déposée")
    rsa.refresh_from_db()
    assert rsa.etat == "demande_deposee"
    assert PrestationFoyer.objects.get(foyer=suivi).statut == "demandee"

    # « Droit ouvert » sans la date : refusé sous le champ, rien d'écrit.
    formulaire = page.locator("#etat-formulaire")
    formulaire.get_by_label("Nouvel état").select_option(label="Droit ouvert")
    formulaire.get_by_label("Montant mensuel accordé").fill("512,30")
    formulaire.get_by_role("button", name="Enregistrer le nouvel état").click()
    formulaire = page.locator("#etat-formulaire")
    expect(formulaire.locator(f"#signalement-{rsa.pk}-date_debut_error")).to_contain_text(
        "Indiquez depuis quand le droit est versé."
    )
    rsa.refresh_from_db()
    assert rsa.etat == "demande_deposee"
    assert PrestationFoyer.objects.get(foyer=suivi).montant_mensuel is None
    verifier_page(page, "droit-ouvert-sans-date")

    # Puis le montant accordé et la date, validés par Entrée.
    debut = timezone.localdate().replace(day=1)
    formulaire.get_by_label("Nouvel état").select_option(label="Droit ouvert")
    formulaire.get_by_label("Montant mensuel accordé").fill("512,30")
    formulaire.get_by_label("Versé depuis le").fill(debut.isoformat())
    formulaire.get_by_label("Versé depuis le").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("droit ouvert")
    rsa.refresh_from_db()
    percue = PrestationFoyer.objects.get(foyer=suivi)
    assert (rsa.etat, rsa.prestation_foyer_id) == ("droit_ouvert", percue.pk)
    assert (percue.statut, percue.montant_mensuel, percue.date_debut) == (
        "percue",
        Decimal("512.30"),
        debut,
    )
    assert list(rsa.changements.values_list("nouveau", flat=True)) == [
        "contacte",
        "demande_deposee",
        "droit_ouvert",
    ]
    expect(page.locator("#ecart-accorde")).to_have_text("+92,30\u00a0€ par mois (+22\u00a0%)")
    verifier_page(page, "signalement-droit-ouvert")

    # Le dossier du foyer : estimé, accordé, écart.
    page.get_by_role("link", name=str(suivi)).click()
    carte = page.locator(f"#signalement-{rsa.pk}")
    expect(carte).to_contain_text("estimé 420,00\u00a0€ / accordé 512,30\u00a0€ par mois")
    expect(carte).to_contain_text(
        "Écart de l'accordé à l'estimation : +92,30\u00a0€ par mois (+22\u00a0%) ; versé depuis le"
    )
    expect(carte).to_contain_text(f"versé depuis le {debut:%d/%m/%Y}")
    verifier_page(page, "dossier-estime-accorde-ecart")

    # La responsable revient : les chiffres rangés n'ont pas changé (leur date est dite)…
    resp.goto(url_du_tableau)
    section = resp.locator("#section-entonnoir")
    ouvrir_le_tableau(section)
    assert _cellules(section, "Droits ouverts") == ["5"]
    # … « Recalculer maintenant » : le droit ouvert du parcours y est.
    resp.get_by_role("button", name="Recalculer maintenant").click()
    expect(resp.locator("main")).to_contain_text("Chiffres calculés le")
    section = resp.locator("#section-entonnoir")
    ouvrir_le_tableau(section)
    assert _cellules(section, "Repérés") == ["18"]
    assert _cellules(section, "Contactés") == ["14"]
    assert _cellules(section, "Demandes déposées") == ["6"]
    assert _cellules(section, "Droits ouverts") == ["6"]
    assert _cellules(section, "Non éligibles ou refus de la personne") == ["5"]
    trace = _entonnoir_trace(resp)
    assert trace["indexAxis"] == "y"
    assert trace["etapes"][0] == "Repérés"
    assert trace["valeurs"] == [18, 14, 6, 6, 5]
    assert trace["position"] == "bottom"
    assert all(float(v).is_integer() for v in trace["ticks"])
    # Les montants : estimés 5 × 480 + 420, accordés 5 × 500 + 512,30, × 12 ; délai médian
    # de 10, 10, 10, 10, 10 et 7 jours.
    montants = resp.locator("#section-droits_ouverts_montants")
    ouvrir_le_tableau(montants)
    assert _cellules(montants, "Toutes prestations") == [
        "6",
        "2\u202f820,00\u00a0€",
        "3\u202f012,30\u00a0€",
        "36\u202f147,60\u00a0€",
        "10\u00a0jours",
        "0",
    ]
    for code in ("entonnoir", "entonnoir_prestations", "droits_ouverts_montants"):
        resp.locator(f"#section-{code}").screenshot(path=str(_artefact(f"section-{code}.png")))
    verifier_page(resp, "tableau-de-bord-entonnoir")
    contexte.close()


def _artefact(nom: str):
    from tests.navigateur.conftest import ARTEFACTS

    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS / nom
