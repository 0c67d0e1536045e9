"""L'explication d'un signalement, lue comme une travailleuse sociale la lit : la détection
passe (OpenFisca) sur un foyer dont l'allocation de logement s'éteindrait avec un peu plus de
ressources et sur un foyer loin de tout seuil ; dans la file, la ligne courte dit « ALS —
proche d'un seuil : plus ouvert avec 32 € de plus par mois » (le seuil localisé) ; le signalement s'ouvre au clavier (Tab jusqu'au lien, Entrée), sa page
dit la prestation exacte, les entrées du calcul et ce qu'il faut vérifier ; retour à la
file à la souris, l'autre signalement dit « pas de seuil proche ». La base : chaque
consultation est au journal."""

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ccas_portal.enums import ActionJournal
from ccas_portal.models import EntreeJournal
from droits.models import Signalement
from tests.droits.conftest import creer_foyer
from tests.droits.test_detection import executer
from tests.factories import MOT_DE_PASSE, AgentFactory, SiteFactory
from tests.navigateur.test_connexion import se_connecter

pytestmark = [pytest.mark.navigateur, pytest.mark.moteur]


@pytest.fixture
def detectes(referentiels):
    ts = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-explication")])
    proche, _ = creer_foyer(
        ts,
        ("Inès", date(1990, 1, 1), "demandeur", [("salaire_net", "1300", date(2015, 1, 1))]),
        loyer="500",
    )
    loin, _ = creer_foyer(
        ts,
        ("Paul", date(1990, 1, 1), "demandeur", [("salaire_net", "800", date(2015, 1, 1))]),
        loyer="500",
    )
    executer()
    return (
        ts,
        Signalement.objects.get(foyer=proche, prestation="aide_logement"),
        Signalement.objects.get(foyer=loin, prestation="aide_logement"),
    )


def test_ouvrir_un_signalement_et_lire_son_explication(page, verifier_page, detectes):
    ts, proche, loin = detectes
    url_proche = reverse("droits:signalement", args=[proche.pk])
    url_loin = reverse("droits:signalement", args=[loin.pk])
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("droits:signalements"))
    ligne = page.locator("tr", has=page.locator(f'a[href="{url_proche}"]'))
    # Le seuil localisé : à quelques dizaines d'euros au-dessus des 1 300 € d'Inès.
    ecart = int(proche.explication["seuil"]["ressources_ecart"])
    assert 0 < ecart < 65
    expect(ligne).to_contain_text(
        f"ALS — proche d'un seuil plus ouvert avec {ecart}\u00a0€ de plus par mois"
    )
    verifier_page(page, "file")

    # Au clavier : le lien du signalement pris au focus, puis Entrée.
    lien = ligne.get_by_role("link").first
    lien.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(url_proche) + "$"))
    explication = page.get_by_role("region", name="Pourquoi ce droit est probable")
    expect(explication).to_contain_text(
        "Prestation exacte : ALS (allocation de logement sociale) — logement non conventionné, "
        "aucune personne à charge."
    )
    expect(explication.locator("#entrees-du-calcul")).to_contain_text(
        "Loyer retenu (plafonné, hors charges)"
    )
    expect(explication.locator("#entrees-du-calcul")).to_contain_text("\u00a0€ par an")
    expect(explication.locator("#seuil-proche")).to_contain_text(
        f"les ressources du foyer sont à environ {ecart}\u00a0€ par mois sous le plafond de ce "
        "droit (à "
    )
    expect(explication.locator("#seuil-proche")).to_contain_text(
        f"avec {ecart}\u00a0€ de plus par mois, ce droit ne serait plus ouvert."
    )
    expect(explication.locator("#seuil-proche")).to_contain_text(
        "À vérifier avec la personne : les ressources des 12 derniers mois"
    )
    verifier_page(page, "signalement-proche")

    # À la souris : retour à la file, puis l'autre allocation de logement.
    page.get_by_role("link", name="← File de travail des signalements").click()
    page.locator(f'a[href="{url_loin}"]').click()
    explication = page.get_by_role("region", name="Pourquoi ce droit est probable")
    expect(explication).to_contain_text("Prestation exacte : ALS")
    expect(explication.locator("#seuil-proche")).to_contain_text("Pas de seuil proche")
    expect(explication).not_to_contain_text("À vérifier avec la personne")
    verifier_page(page, "signalement-loin")

    # Les pages des signalements ouverts ; la file, elle, journalise à part chaque signalement
    # qu'elle montre (details["liste"]).
    consultes = set(
        EntreeJournal.objects.filter(
            agent=ts, action=ActionJournal.CONSULTATION, objet_type="droits.signalement"
        )
        .exclude(details__has_key="liste")
        .values_list("objet_id", flat=True)
    )
    assert consultes == {str(proche.pk), str(loin.pk)}
