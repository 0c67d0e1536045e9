"""Un agent de plusieurs sites n'inscrit à une séance, ni ne nomme dans un passage, qu'une
personne connue du site de l'événement : les agents de ce site liraient son nom (ADR 0025)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accompagnement import services
from accompagnement.models import Seance
from ccas_portal.enums import Role
from habitants import services as services_habitants
from habitants.models import Passage
from tests.factories import AgentFactory, SiteFactory, habitant

pytestmark = pytest.mark.django_db


@pytest.fixture
def deux_sites(referentiels):
    a = SiteFactory(code="mdh-a", nom="Maison A")
    m = SiteFactory(code="mdh-m", nom="Maison M")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[a, m])
    de_a = habitant(ts, site=a, nom_usage="Arnaud", prenoms="Alice")
    de_m = habitant(ts, site=m, nom_usage="Mercier", prenoms="Mona")
    collegue_a = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[a])
    action = services.creer_action_collective(
        agent=ts, titre="Atelier budget", type="atelier", site=a, date_debut=date(2026, 1, 1)
    )
    return a, m, ts, de_a, de_m, collegue_a, action


def test_seance_d_un_site_refuse_une_personne_d_un_autre_site(deux_sites):
    _a, _m, ts, de_a, de_m, _, action = deux_sites
    with pytest.raises(ValidationError, match="pas connue de Maison A"):
        services.enregistrer_seance(
            agent=ts, action=action, date_seance=date(2026, 2, 1), theme="T", participants=[de_m]
        )
    assert not Seance.objects.exists()
    services.enregistrer_seance(
        agent=ts,
        action=action,
        date_seance=date(2026, 2, 1),
        theme="T",
        participants=[de_a],
        participants_anonymes=1,  # Mona, comptée sans nom
    )
    assert Seance.objects.get().participants.get() == de_a


def test_page_de_seance_recherche_et_formulaire(client, deux_sites):
    a, _m, ts, _de_a, de_m, _collegue_a, action = deux_sites
    client.force_login(ts)
    url = reverse("accompagnement:chercher_participants", args=[action.pk])
    assert "Arnaud".upper() in client.get(url, {"q": "arnaud"}).content.decode()
    assert "MERCIER" not in client.get(url, {"q": "mercier"}).content.decode()
    reponse = client.post(
        reverse("accompagnement:enregistrer_seance", args=[action.pk]),
        {
            "date": "2026-02-01",
            "theme": "Budget",
            "site": a.pk,
            "participants": [de_m.pk],
            "participants_anonymes": "0",
        },
    )
    assert reponse.status_code == 422
    assert "pas connue de Maison A" in reponse.content.decode().replace("&#x27;", "'")
    assert not Seance.objects.exists()


def test_seance_ancienne_avec_une_personne_d_ailleurs_affichee_sans_nom(client, deux_sites):
    """Une séance enregistrée avant la règle : la personne d'un autre site est comptée, pas
    nommée, pour les agents du site porteur."""
    a, _m, ts, de_a, de_m, collegue_a, action = deux_sites
    s = Seance.objects.create(action=action, date=date(2026, 2, 1), site=a, theme="T", auteur=ts)
    s.participants.set([de_a, de_m])
    client.force_login(collegue_a)
    html = client.get(reverse("accompagnement:action_collective", args=[action.pk])).content
    html = html.decode()
    assert "Alice" in html
    assert "Mona" not in html
    assert "mercier" not in html.lower()
    assert "1 personne d&#x27;un autre site" in html or "1 personne d'un autre site" in html


def test_passage_a_l_accueil_de_a_refuse_une_personne_de_m(client, deux_sites, motifs):
    a, m, ts, _de_a, de_m, _, _ = deux_sites
    with pytest.raises(ValidationError, match="pas connue de Maison A"):
        services_habitants.enregistrer_passage(
            agent=ts,
            site=a,
            habitant=de_m,
            mode="physique",
            motifs=motifs[:1],
            reponse="information",
        )
    client.force_login(ts)
    reponse = client.post(
        reverse("habitants:enregistrer_passage"),
        {
            "site": a.code,
            "habitant": de_m.pk,
            "mode": "physique",
            "motifs": [motifs[0].pk],
            "reponse": "information",
            "note": "",
        },
    )
    assert reponse.status_code == 422
    texte = reponse.content.decode().replace("&#x27;", "'")
    assert "introuvable parmi celles connues de Maison A" in texte
    assert "depuis l'accueil de son site" in texte
    assert not Passage.objects.exists()
    # Choisie depuis la recherche à l'accueil de A : pas reprise, un lien vers l'accueil de M.
    page = client.get(reverse("habitants:guichet"), {"site": a.code, "habitant": de_m.pk})
    html = page.content.decode()
    assert f'name="habitant" value="{de_m.pk}"' not in html
    assert "accueil de Maison M" in html
    # À l'accueil de M, le passage nominatif s'enregistre.
    services_habitants.enregistrer_passage(
        agent=ts, site=m, habitant=de_m, mode="physique", motifs=motifs[:1], reponse="information"
    )
    assert Passage.objects.get().habitant == de_m


@pytest.fixture
def motifs(referentiels):
    from habitants.models import Motif

    return list(Motif.objects.all())
