"""La file de travail des signalements, comme la travaille une travailleuse sociale : « attribués
à moi », un signalement ouvert, « personne contactée » refusé sans accord (message sous le
champ, rien en base), « la personne est venue d'elle-même » cochée au clavier, « demande
déposée », puis « droit ouvert » avec un montant illisible d'abord, puis le montant accordé et
la date (Entrée) ; la base vérifiée (prestation perçue, état, historique, journal), puis
« estimé / accordé » sur le dossier du foyer. Et le sens inverse : une prestation perçue
saisie au dossier fait passer le signalement à « droit ouvert »."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accompagnement import services as accompagnements
from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal, Site
from droits.models import PrestationFoyer, Signalement
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


def _signaler(f, code, montant):
    return Signalement.objects.create(
        foyer=f,
        prestation_id=code,
        montant_estime=Decimal(montant),
        empreinte="e",
        explication={"mois": "10/2026", "personnes": 2, "ages": [41, 12], "loyer": 480},
    )


@pytest.fixture
def file(referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site], prenom="Claire", nom="Vidal")
    # Un foyer suivi par Claire : son signalement lui revient par défaut.
    suivi = foyer(ts)
    nadia = habitant(ts, nom_usage="Haddad", prenoms="Nadia", date_naissance=date(1985, 3, 9))
    ajouter_membre(
        agent=ts, foyer=suivi, habitant=nadia, role="demandeur", date_debut=date(2019, 1, 1)
    )
    accompagnements.ouvrir_accompagnement(
        agent=ts, foyer=suivi, axe="existence", membres=[nadia], date_ouverture=date(2026, 1, 12)
    )
    rsa = _signaler(suivi, "rsa", "420")
    # Un foyer sans accompagnement : son signalement n'est attribué à personne.
    autre = foyer(ts, adresse="8 rue Servan")
    marc = habitant(ts, nom_usage="Roux", prenoms="Marc", date_naissance=date(1970, 7, 1))
    ajouter_membre(
        agent=ts, foyer=autre, habitant=marc, role="demandeur", date_debut=date(2019, 1, 1)
    )
    prime = _signaler(autre, "prime_activite", "610")
    return ts, suivi, rsa, autre, prime


def test_du_signalement_nouveau_au_droit_ouvert(page, verifier_page, file):
    ts, suivi, rsa, _, _ = file
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("droits:signalements"))
    expect(page.locator("main")).to_contain_text("2 signalements")
    verifier_page(page, "file")

    # « Attribués : à moi », choisi dans sa liste, puis Filtrer.
    filtres = page.get_by_role("form", name="Filtrer les signalements")
    filtres.get_by_label("Attribués").select_option(label="À moi")
    filtres.get_by_role("button", name="Filtrer").click()
    expect(page.locator("main")).to_contain_text("1 signalement")
    expect(page.locator("tbody")).to_contain_text("HADDAD Nadia")
    expect(page.locator("tbody")).not_to_contain_text("ROUX Marc")
    expect(page.locator("tbody")).to_contain_text("accord non recueilli")

    # Le signalement, ouvert à la souris.
    page.get_by_role("link", name="HADDAD Nadia").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("HADDAD Nadia")
    verifier_page(page, "signalement")
    formulaire = page.locator("#etat-formulaire")

    # « Personne contactée » sans accord : refusé sous le champ, rien en base.
    formulaire.get_by_label("Nouvel état").select_option(label="Personne contactée")
    formulaire.get_by_role("button", name="Enregistrer le nouvel état").click()
    formulaire = page.locator("#etat-formulaire")
    expect(formulaire.locator(f"#signalement-{rsa.pk}-etat_error")).to_contain_text(
        "n'a pas été recueilli à l'accueil"
    )
    expect(formulaire.locator("[data-resume-erreurs]")).to_be_focused()
    rsa.refresh_from_db()
    assert rsa.etat == "nouveau"
    assert not rsa.changements.exists()
    verifier_page(page, "contacte-refuse")

    # La personne est venue d'elle-même : la case cochée au clavier.
    formulaire.get_by_label("Nouvel état").select_option(label="Personne contactée")
    formulaire.get_by_label("La personne est venue d'elle-même").focus()
    page.keyboard.press("Space")
    formulaire.get_by_role("button", name="Enregistrer le nouvel état").click()
    expect(page.get_by_role("status")).to_contain_text("personne contactée")
    rsa.refresh_from_db()
    assert rsa.etat == "contacte"
    assert rsa.changements.get().venue_d_elle_meme is True

    # Demande déposée : la demande entre au dossier du foyer.
    formulaire = page.locator("#etat-formulaire")
    formulaire.get_by_label("Nouvel état").select_option(label="Demande déposée")
    formulaire.get_by_role("button", name="Enregistrer le nouvel état").click()
    expect(page.get_by_role("status")).to_contain_text("demande déposée")
    demande = PrestationFoyer.objects.get(foyer=suivi)
    assert (demande.prestation_id, demande.statut) == ("rsa", "demandee")

    # Droit ouvert : un montant illisible d'abord.
    formulaire = page.locator("#etat-formulaire")
    formulaire.get_by_label("Nouvel état").select_option(label="Droit ouvert")
    formulaire.get_by_label("Montant mensuel accordé").fill("cinq cents")
    formulaire.get_by_role("button", name="Enregistrer le nouvel état").click()
    formulaire = page.locator("#etat-formulaire")
    expect(formulaire.locator(f"#signalement-{rsa.pk}-montant_accorde_error")).to_contain_text(
        "Saisissez un nombre."
    )
    rsa.refresh_from_db()
    assert rsa.etat == "demande_deposee"
    assert PrestationFoyer.objects.get(foyer=suivi).statut == "demandee"
    verifier_page(page, "montant-refuse")

    # Puis le montant accordé et la date de début, validés par Entrée.
    debut = timezone.localdate().replace(day=1)
    formulaire.get_by_label("Nouvel état").select_option(label="Droit ouvert")
    formulaire.get_by_label("Montant mensuel accordé").fill("512,30")
    formulaire.get_by_label("Versé depuis le").fill(debut.isoformat())
    formulaire.get_by_label("Commentaire").fill("Notification CAF reçue")
    formulaire.get_by_label("Commentaire").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("droit ouvert")
    expect(page.locator("main")).to_contain_text("Ce signalement est clos")

    rsa.refresh_from_db()
    percue = PrestationFoyer.objects.get(foyer=suivi)  # la demande, devenue perçue
    assert percue.pk == demande.pk
    assert (percue.statut, percue.montant_mensuel, percue.date_debut, percue.saisi_par) == (
        "percue",
        Decimal("512.30"),
        debut,
        ts,
    )
    assert (rsa.etat, rsa.prestation_foyer_id) == ("droit_ouvert", percue.pk)
    assert list(rsa.changements.values_list("ancien", "nouveau", "agent", "commentaire")) == [
        ("nouveau", "contacte", ts.pk, ""),
        ("contacte", "demande_deposee", ts.pk, ""),
        ("demande_deposee", "droit_ouvert", ts.pk, "Notification CAF reçue"),
    ]
    journal = EntreeJournal.objects.filter(objet_type="droits.signalement", objet_id=str(rsa.pk))
    assert [e.details["etat"] for e in journal.filter(details__has_key="etat").order_by("pk")] == [
        ["nouveau", "contacte"],
        ["contacte", "demande_deposee"],
        ["demande_deposee", "droit_ouvert"],
    ]

    # Sur le dossier du foyer : l'estimé face à l'accordé.
    page.get_by_role("link", name=str(suivi)).click()
    signalement = page.locator(f"#signalement-{rsa.pk}")
    expect(signalement).to_contain_text("estimé 420,00\u00a0€ / accordé 512,30\u00a0€ par mois")
    expect(page.locator("#droits")).to_contain_text("Perçue depuis le")
    verifier_page(page, "dossier-estime-accorde")


def test_une_prestation_percue_saisie_au_dossier_ouvre_le_droit(page, verifier_page, file):
    ts, _, _, autre, prime = file
    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("accompagnement:dossier", args=[autre.pk]))
    page.locator("summary", has_text="Enregistrer une prestation").click()
    prestation = page.locator("#prestation-formulaire")
    prestation.get_by_label("Prestation").select_option(label="Prime d'activité")
    prestation.get_by_label("Statut").select_option(label="Perçue")
    prestation.get_by_label("Source").select_option(label="Organisme payeur")
    prestation.get_by_label("Versée depuis le").fill("2026-09-01")
    prestation.get_by_label("Montant mensuel (€)").fill("598")
    prestation.get_by_label("Montant mensuel (€)").press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        "Prestation « Prime d'activité » enregistrée."
    )
    prime.refresh_from_db()
    p = PrestationFoyer.objects.get(foyer=autre)
    assert (prime.etat, prime.prestation_foyer_id, p.montant_mensuel) == (
        "droit_ouvert",
        p.pk,
        Decimal("598"),
    )
    expect(page.locator(f"#signalement-{prime.pk}")).to_contain_text(
        "estimé 610,00\u00a0€ / accordé 598,00\u00a0€ par mois"
    )
    verifier_page(page, "dossier-prestation-percue")
