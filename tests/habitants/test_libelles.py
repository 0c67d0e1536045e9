"""Le français des pages de l'accueil : accords (0 et 1 au singulier, genre de la personne),
élision, pas d'espace avant une virgule."""

from datetime import date

import pytest
from django.urls import reverse

from habitants import services
from habitants.models import Habitant
from tests.factories import habitant
from tests.texte import texte_visible

pytestmark = pytest.mark.django_db

GUICHET = reverse("habitants:guichet")


@pytest.fixture
def accueil(client, agent_accueil, motifs):
    client.force_login(agent_accueil)
    return client


def test_aucun_resultat_au_singulier(accueil, site):
    texte = texte_visible(accueil.get(GUICHET, {"site": site.code, "q": "zzzz"}).content.decode())
    assert "0 personne trouvée" in texte
    assert "personnes" not in texte


def test_resultats_accordes_au_sexe_et_de_elide(accueil, agent_accueil, site):
    habitant(
        agent_accueil,
        nom_usage="Roux",
        prenoms="Antoine",
        sexe="M",
        date_naissance=date(1980, 1, 2),
        nom_naissance="Blanc",
    )
    habitant(
        agent_accueil, nom_usage="Roux", prenoms="Hélène", sexe="F", date_naissance=date(1982, 3, 4)
    )
    habitant(agent_accueil, nom_usage="Roux", prenoms="Camille", date_naissance=date(1990, 5, 6))
    texte = texte_visible(accueil.get(GUICHET, {"site": site.code, "q": "roux"}).content.decode())
    assert "3 personnes trouvées" in texte
    assert "(né BLANC)" in texte
    assert "né le 02/01/1980" in texte
    assert "née le 04/03/1982" in texte
    assert "né(e) le 06/05/1990" in texte
    assert "Passage d'Antoine Roux" in texte
    assert "Passage d'Hélène Roux" in texte
    assert "Passage de Camille Roux" in texte


def test_doublons_sans_espace_avant_la_virgule(accueil, agent_accueil, site):
    habitant(
        agent_accueil,
        nom_usage="Lefèvre",
        prenoms="Hugo",
        sexe="M",
        date_naissance=date(1975, 3, 2),
    )
    url = reverse("habitants:inscrire") + f"?site={site.code}"
    reponse = accueil.post(
        url, {"nom_usage": "Lefevre", "prenoms": "Hugo", "date_naissance": "1975-03-02"}
    )
    texte = texte_visible(reponse.content.decode())
    assert "LEFÈVRE Hugo, né le 02/03/1975" in texte
    assert " ," not in texte


def test_inscription_accordee_au_sexe(accueil, site):
    url = reverse("habitants:inscrire") + f"?site={site.code}"
    reponse = accueil.post(
        url, {"nom_usage": "Durand", "prenoms": "Paul", "sexe": "M"}, follow=True
    )
    assert "DURAND Paul est inscrit." in texte_visible(reponse.content.decode())


def test_doublon_probable_message_au_singulier(agent_accueil, site):
    habitant(agent_accueil, nom_usage="Lefèvre", prenoms="Sophie", date_naissance=date(1980, 5, 4))
    with pytest.raises(services.DoublonProbable) as doublon:
        services.inscrire_habitant(
            agent=agent_accueil,
            site=site,
            nom_usage="Lefevre",
            prenoms="Sophie",
            date_naissance=date(1980, 5, 4),
        )
    assert str(doublon.value) == "1 personne déjà connue lui ressemble."


def test_fiche_sans_nee_le_pour_un_homme(client, travailleur, site):
    h = habitant(travailleur, nom_usage="Roux", prenoms="Antoine", sexe="M")
    f = services.creer_foyer(
        agent=travailleur,
        site=site,
        adresse="1 rue A",
        code_postal="38000",
        code_insee="38185",
        statut_occupation="locataire_parc_social",
    )
    services.ajouter_membre(
        agent=travailleur, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1)
    )
    client.force_login(travailleur)
    texte = texte_visible(client.get(reverse("habitants:fiche", args=[h.pk])).content.decode())
    assert "Née le" not in texte
    assert "Date de naissance" in texte
    assert "Informé du traitement" in texte
    dossier = texte_visible(
        client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    )
    assert "Née le" not in dossier
    assert "Dossier du foyer d'ROUX" not in dossier
    assert "Dossier du foyer de ROUX Antoine" in dossier
    assert Habitant.objects.count() == 1


def test_situation_de_sante_elidee(agent_accueil):
    from habitants.models import SituationSante

    h = habitant(agent_accueil, nom_usage="Arnaud", prenoms="Léa")
    assert str(SituationSante(habitant=h)) == "Situation de santé d'ARNAUD Léa"
