"""Les formulaires du dossier que les autres parcours ne remplissent pas, remplis comme le fait
une personne (listes, cases et boutons radio cliqués), une mauvaise valeur d'abord (message
français sous le champ, rien d'écrit), puis la base vérifiée : situation conjugale et activité,
santé (case MDPH), identité, personne déjà connue ajoutée au foyer (bouton radio), départ du
foyer, prestation perçue, second accompagnement sur le même axe (case de confirmation)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accompagnement import services as accompagnements
from accompagnement.models import Accompagnement
from ccas_portal.enums import Role
from ccas_portal.models import Site
from droits.models import PrestationFoyer
from habitants.models import Habitant, MembreFoyer, SituationSante
from habitants.services import ajouter_membre
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


@pytest.fixture
def dossier(referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])
    f = foyer(ts)
    mere = habitant(
        ts, nom_usage="Garnier", prenoms="Inès", sexe="F", date_naissance=date(1979, 2, 11)
    )
    fille = habitant(ts, nom_usage="Garnier", prenoms="Lina", date_naissance=date(2003, 6, 1))
    for personne, role in ((mere, "demandeur"), (fille, "enfant")):
        ajouter_membre(agent=ts, foyer=f, habitant=personne, role=role, date_debut=date(2018, 1, 1))
    # Une personne du site, sans foyer : à ajouter comme déjà connue.
    habitant(ts, nom_usage="Perrin", prenoms="Marc", sexe="M", date_naissance=date(1976, 9, 3))
    se_connecter_ts = lambda page: se_connecter(page, ts.username, MOT_DE_PASSE)  # noqa: E731
    return ts, f, mere, fille, se_connecter_ts


def test_situation_sante_identite_et_composition(page, verifier_page, dossier):
    _, f, mere, fille, connecter = dossier
    connecter(page)
    page.goto(reverse("accompagnement:dossier", args=[f.pk]))
    section = page.locator("#dossier-social")
    carte = section.locator(f"#personne-{mere.pk}")

    # Situation conjugale et activité : deux listes et une date.
    carte.locator("summary", has_text="Situation conjugale et activité").click()
    situation = carte.locator(f"#situation-{mere.pk}-formulaire")
    situation.get_by_label("Situation conjugale").select_option(label="Divorcé(e) ou séparé(e)")
    situation.get_by_label("Depuis le").fill("2017-03-01")
    situation.get_by_label("Situation d'activité").select_option(label="Demandeur d'emploi")
    situation.get_by_role("button", name="Enregistrer la situation").click()
    expect(section.get_by_role("status")).to_contain_text("Situation enregistrée.")
    mere.refresh_from_db()
    assert mere.activite == "demandeur_emploi"
    assert list(mere.situations_conjugales.values_list("statut", "date_debut")) == [
        ("divorce", date(2017, 3, 1))
    ]

    # Santé : un taux impossible d'abord, puis la case MDPH cochée au clavier.
    carte = section.locator(f"#personne-{mere.pk}")
    carte.locator("summary", has_text="Santé").click()
    sante = carte.locator(f"#sante-{mere.pk}-formulaire")
    sante.get_by_label("Taux d'incapacité (%)").fill("150")
    sante.get_by_role("button", name="Enregistrer la santé").click()
    sante = section.locator(f"#sante-{mere.pk}-formulaire")
    expect(sante.locator("[data-resume-erreurs]")).to_be_focused()
    expect(sante.locator(f"#sante-{mere.pk}-taux_incapacite_error")).to_contain_text(
        "Le taux d'incapacité ne dépasse pas 100 %."
    )
    assert not SituationSante.objects.filter(habitant=mere).exists()
    verifier_page(page, "sante-erreur")
    sante.get_by_label("Taux d'incapacité (%)").fill("80")
    sante.get_by_label("Reconnaissance MDPH", exact=True).focus()
    page.keyboard.press("Space")
    sante.get_by_label("Date de la reconnaissance MDPH").fill("2021-10-04")
    sante.get_by_role("button", name="Enregistrer la santé").click()
    expect(section.get_by_role("status")).to_contain_text("Santé enregistrée.")
    etat = SituationSante.objects.get(habitant=mere)
    assert (etat.taux_incapacite, etat.reconnaissance_mdph, etat.date_reconnaissance_mdph) == (
        80,
        True,
        date(2021, 10, 4),
    )

    # Identité : un nom sans lettre refusé, puis le sexe choisi dans sa liste.
    carte = section.locator(f"#personne-{fille.pk}")
    carte.locator("summary", has_text="Identité et coordonnées").click()
    identite = carte.locator(f"#identite-{fille.pk}-formulaire")
    identite.get_by_label("Nom d'usage").fill("99999")
    identite.get_by_role("button", name="Enregistrer l'identité").click()
    identite = section.locator(f"#identite-{fille.pk}-formulaire")
    expect(identite.locator(f"#identite-{fille.pk}-nom_usage_error")).to_be_visible()
    assert Habitant.objects.get(pk=fille.pk).nom_usage == "Garnier"
    identite.get_by_label("Nom d'usage").fill("Garnier-Rey")
    identite.get_by_label("Sexe").select_option(label="Femme")
    identite.get_by_role("button", name="Enregistrer l'identité").click()
    expect(section.get_by_role("status")).to_contain_text("Identité enregistrée.")
    fille.refresh_from_db()
    assert (fille.nom_usage, fille.sexe) == ("Garnier-Rey", "F")

    # Une personne déjà connue : chercher, cliquer son bouton radio, rôle, date.
    section.locator("summary", has_text="Ajouter une personne déjà connue").click()
    section.get_by_label("Nom et prénom").fill("perrin marc")
    section.get_by_role("button", name="Chercher").click()
    existant = section.locator("#membre-existant-formulaire")
    existant.get_by_label(re.compile("PERRIN Marc")).click()
    existant.get_by_label("Rôle dans le foyer").select_option(label="Conjoint")
    existant.get_by_label("Dans ce foyer depuis le").fill("2024-05-01")
    existant.get_by_role("button", name="Ajouter au foyer").click()
    expect(section.get_by_role("status")).to_contain_text("Personne ajoutée au foyer.")
    marc = Habitant.objects.get(prenoms="Marc")
    assert MembreFoyer.objects.get(habitant=marc, date_fin__isnull=True).foyer == f

    # Le départ de Lina : une date avant son arrivée d'abord, puis la bonne.
    lina = MembreFoyer.objects.get(habitant=fille)
    section.locator("summary", has_text=re.compile("Départ.*Lina")).click()
    depart = section.locator(f"#fin-membre-{lina.pk}-formulaire")
    depart.get_by_label("Jusqu'au").fill("1949-12-31")
    depart.get_by_role("button", name="Enregistrer la fin").click()
    depart = section.locator(f"#fin-membre-{lina.pk}-formulaire")
    expect(depart.locator(f"#fin-membre-{lina.pk}-date_fin_error")).to_contain_text(
        "Date invraisemblable"
    )
    lina.refresh_from_db()
    assert lina.date_fin is None
    depart.get_by_label("Jusqu'au").fill("2025-08-31")
    depart.get_by_role("button", name="Enregistrer la fin").click()
    expect(section.get_by_role("status")).to_contain_text("enregistré")
    lina.refresh_from_db()
    assert lina.date_fin == date(2025, 8, 31)
    verifier_page(page, "composition-finale")


def test_prestation_percue_et_second_accompagnement(page, verifier_page, dossier):
    ts, f, mere, _, connecter = dossier
    connecter(page)
    page.goto(reverse("accompagnement:dossier", args=[f.pk]))

    # Une prestation perçue : listes choisies, un montant illisible d'abord.
    page.locator("summary", has_text="Enregistrer une prestation").click()
    prestation = page.locator("#prestation-formulaire")
    prestation.get_by_label("Prestation").select_option(label="Prime d'activité")
    prestation.get_by_label("Statut").select_option(label="Perçue")
    prestation.get_by_label("Source").select_option(label="Justificatif")
    prestation.get_by_label("Bénéficiaire").select_option(label="GARNIER Inès")
    prestation.get_by_label("Versée depuis le").fill("2025-02-01")
    prestation.get_by_label("Montant mensuel (€)").fill("abc")
    prestation.get_by_role("button", name="Enregistrer la prestation").click()
    prestation = page.locator("#prestation-formulaire")
    expect(prestation.locator("#prestation-montant_mensuel_error")).to_contain_text(
        "Saisissez un nombre."
    )
    expect(page.locator("[data-resume-erreurs]")).to_be_focused()
    assert not PrestationFoyer.objects.exists()
    verifier_page(page, "prestation-erreur")
    # Ce qui était choisi est resté ; le montant corrigé, à la française.
    expect(prestation.get_by_label("Statut")).to_have_value("percue")
    prestation.get_by_label("Montant mensuel (€)").fill("187,50")
    prestation.get_by_role("button", name="Enregistrer la prestation").click()
    expect(page.locator("#droits")).to_contain_text("Prime d'activité")
    p = PrestationFoyer.objects.get()
    assert (p.prestation_id, p.statut, p.source, p.beneficiaire, p.montant_mensuel) == (
        "prime_activite",
        "percue",
        "justificatif",
        mere,
        Decimal("187.50"),
    )

    # Un second accompagnement sur le même axe : avertissement, lien, case à cocher.
    premier = accompagnements.ouvrir_accompagnement(
        agent=ts, foyer=f, axe="logement", membres=[mere], date_ouverture=date(2026, 1, 5)
    )
    page.goto(reverse("accompagnement:ouvrir", args=[f.pk]))
    page.get_by_label("Axe").select_option(label="Logement et hébergement")
    page.get_by_label(re.compile("Inès")).click()
    page.get_by_role("button", name="Ouvrir l'accompagnement").click()
    expect(page.get_by_role("status")).to_contain_text("est déjà ouvert pour ce foyer")
    expect(page.get_by_role("link", name="Voir l'accompagnement déjà ouvert")).to_have_attribute(
        "href", reverse("accompagnement:detail", args=[premier.pk])
    )
    assert Accompagnement.objects.count() == 1
    verifier_page(page, "second-accompagnement")
    expect(page.get_by_label(re.compile("Inès"))).to_be_checked()
    page.get_by_label("Ouvrir quand même un second accompagnement sur cet axe").click()
    page.get_by_role("button", name="Ouvrir l'accompagnement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accompagnement « Logement et hébergement »"
    )
    assert Accompagnement.objects.filter(foyer=f, axe="logement").count() == 2


def test_accueil_rattache_a_un_foyer_et_fait_d_axe_en_euros(
    page, verifier_page, dossier, live_server
):
    """L'accueil rattache une personne sans foyer à un foyer existant (recherche, bouton radio,
    rôle, date) ; le travailleur social saisit un reste à vivre illisible, puis à la française."""
    ts, f, mere, _, connecter = dossier
    accueil = AgentFactory(role=Role.ACCUEIL, sites=[f.site])
    marc = Habitant.objects.get(prenoms="Marc")
    se_connecter(page, accueil.username, MOT_DE_PASSE)
    page.goto(reverse("habitants:fiche", args=[marc.pk]))
    foyer_section = page.locator("#fiche-foyer")
    foyer_section.locator("summary", has_text="Rattacher à un foyer existant").click()
    foyer_section.get_by_label("Adresse ou nom d'un membre").fill("garnier")
    foyer_section.get_by_role("button", name="Chercher un foyer").click()
    rattachement = page.locator("#rattachement-formulaire")
    rattachement.get_by_label(re.compile("Mallifaud")).click()
    rattachement.get_by_label("Rôle dans le foyer").select_option(label="Conjoint")
    rattachement.get_by_label("Dans ce foyer depuis le").fill("9999-12-31")
    rattachement.get_by_role("button", name="Rattacher à ce foyer").click()
    rattachement = page.locator("#rattachement-formulaire")
    expect(rattachement.locator("#rattachement-date_debut_error")).to_contain_text(
        "Date invraisemblable"
    )
    assert not MembreFoyer.objects.filter(habitant=marc).exists()
    rattachement.get_by_label("Dans ce foyer depuis le").fill("2024-05-01")
    rattachement.get_by_role("button", name="Rattacher à ce foyer").click()
    expect(page.locator("#fiche-foyer")).to_contain_text("Personne rattachée au foyer.")
    membre = MembreFoyer.objects.get(habitant=marc)
    assert (membre.foyer, membre.role, membre.date_debut) == (f, "conjoint", date(2024, 5, 1))
    verifier_page(page, "rattache")

    # Le reste à vivre, fait de l'axe « existence » : un montant.
    a = accompagnements.ouvrir_accompagnement(
        agent=ts, foyer=f, axe="existence", membres=[mere], date_ouverture=date(2026, 1, 5)
    )
    page.context.clear_cookies()
    connecter(page)
    page.goto(reverse("accompagnement:detail", args=[a.pk]))
    page.locator("summary", has_text="Modifier les faits").click()
    faits = page.locator("#faits-formulaire")
    faits.get_by_label("Reste à vivre mensuel (€)").fill("abc")
    faits.get_by_role("button", name="Enregistrer les faits").click()
    faits = page.locator("#faits-formulaire")
    expect(faits.locator("#faits-reste_a_vivre_error")).to_be_visible()
    expect(page.locator("[data-resume-erreurs]")).to_be_focused()
    a.refresh_from_db()
    assert "reste_a_vivre" not in a.faits
    faits.get_by_label("Reste à vivre mensuel (€)").fill("1 234,50")
    faits.get_by_role("button", name="Enregistrer les faits").click()
    expect(page.locator("main")).to_contain_text("1\u202f234,50\u00a0€")
    a.refresh_from_db()
    assert a.faits["reste_a_vivre"] == "1234.50"
