from datetime import date

import pytest

from habitants import services
from habitants.selectors import CriteresRecherche, doublons_probables, rechercher_habitants
from tests.factories import foyer, habitant

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(agent_accueil, agent_autre_site):
    personnes = {
        "lefevre": habitant(
            agent_accueil,
            nom_usage="Lefèvre",
            prenoms="Hélène",
            date_naissance=date(1975, 3, 2),
            telephone="06 12 34 56 78",
        ),
        "mohammed": habitant(
            agent_accueil, nom_usage="Benali", prenoms="Mohammed", date_naissance=date(1990, 7, 14)
        ),
        "dupont": habitant(agent_accueil, nom_usage="Dupont", prenoms="Jérôme"),
        "martin": habitant(
            agent_accueil, nom_usage="Martin", prenoms="Léa", date_naissance=date(2001, 1, 1)
        ),
        "philippe": habitant(agent_accueil, nom_usage="Garnier", prenoms="Philippe"),
        "ndiaye": habitant(agent_accueil, nom_usage="N'Diaye", prenoms="Awa"),
        "theo": habitant(agent_accueil, nom_usage="Arnaud", prenoms="Théo"),
        "ailleurs": habitant(agent_autre_site, nom_usage="Lefèvre", prenoms="Hélène"),
    }
    f = foyer(agent_accueil, adresse="40 galerie de l'Arlequin", code_postal="38100")
    services.ajouter_membre(
        agent=agent_accueil,
        foyer=f,
        habitant=personnes["martin"],
        role="demandeur",
        date_debut=date(2020, 1, 1),
    )
    return personnes


def chercher(agent, **criteres):
    return list(rechercher_habitants(agent, CriteresRecherche(**criteres)))


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("Lefevre", "lefevre"),  # sans accent
        ("LEFÈVRE hélène", "lefevre"),  # casse, accents, nom et prénom
        ("helene lefevre", "lefevre"),  # ordre inversé
        ("Mohamed", "mohammed"),  # variante d'orthographe
        ("benali mohamed", "mohammed"),
        ("Dupond", "dupont"),  # faute de frappe
        # Ce que la recherche « mêmes quatre premières lettres » de SQLite ne trouvait pas :
        ("mohmed", "mohammed"),  # lettre oubliée
        ("mouhamed", "mohammed"),  # autre transcription
        ("lfevre", "lefevre"),  # lettre oubliée au début
        ("Lefebvre Hélène", "lefevre"),  # variante qui se prononce pareil
        ("benali mouhamed", "mohammed"),
        ("Mohmed Benali", "mohammed"),
        ("Filipe", "philippe"),  # ph / f, consonne doublée
        ("Ndiaye", "ndiaye"),  # « N'Diaye » tapé sans apostrophe
        ("n diaye awa", "ndiaye"),
        ("Benalli Mohammed", "mohammed"),  # lettre doublée
        ("Bneali", "mohammed"),  # lettres inversées
        ("lef", "lefevre"),  # début de nom, saisie en cours
        ("Garnier Filippe", "philippe"),
        ("Martin Lea", "martin"),
        ("Arnaud Teo", "theo"),  # mot court : même son et une seule lettre de différence
    ],
)
def test_recherche_tolerante(agent_accueil, population, texte, attendu):
    resultats = chercher(agent_accueil, texte=texte)
    assert resultats, texte
    assert resultats[0] == population[attendu]


def test_variante_classee_apres_l_orthographe_exacte(agent_accueil, population):
    lefebvre = habitant(agent_accueil, nom_usage="Lefebvre", prenoms="Hélène")
    assert chercher(agent_accueil, texte="Lefebvre Hélène")[:2] == [lefebvre, population["lefevre"]]
    # Faute de frappe : le nom le plus proche d'abord (une lettre de moins que Lefèvre).
    assert chercher(agent_accueil, texte="lfevre helene")[:2] == [population["lefevre"], lefebvre]


def test_un_mot_qui_ne_ressemble_a_rien_exclut_la_personne(agent_accueil, population):
    assert chercher(agent_accueil, texte="martin zoe") == []
    assert chercher(agent_accueil, texte="lefevre mohamed") == []


def test_recherche_limitee_aux_sites_de_l_agent(agent_accueil, agent_autre_site, population):
    assert population["ailleurs"] not in chercher(agent_accueil, texte="Lefevre")
    assert chercher(agent_autre_site, texte="Lefevre") == [population["ailleurs"]]


def test_recherche_sans_critere_ne_rend_rien(agent_accueil, population):
    assert chercher(agent_accueil, texte="  ") == []


def test_recherche_sans_resultat(agent_accueil, population):
    assert chercher(agent_accueil, texte="Zygomatique") == []


def test_criteres_date_telephone_adresse(agent_accueil, population):
    assert chercher(agent_accueil, date_naissance=date(1990, 7, 14)) == [population["mohammed"]]
    assert chercher(agent_accueil, telephone="+33 6 12 34 56 78") == [population["lefevre"]]
    assert chercher(agent_accueil, adresse="Arlequin") == [population["martin"]]
    assert chercher(agent_accueil, texte="Martin", date_naissance=date(1999, 1, 1)) == []


def test_resultats_avec_le_foyer_actuel(agent_accueil, population, django_assert_num_queries):
    with django_assert_num_queries(2):  # personnes (site joint), puis leurs foyers actuels
        (martin,) = chercher(agent_accueil, adresse="Arlequin")
        assert martin.appartenances_actuelles[0].foyer.adresse == "40 galerie de l'Arlequin"


def test_doublons_probables(agent_accueil, agent_autre_site, population):
    candidats = doublons_probables(
        agent=agent_accueil, nom="LEFEVRE", prenoms="helene", date_naissance=date(1975, 3, 2)
    )
    assert candidats == [population["lefevre"]]
    # Nom très proche, même date de naissance.
    assert doublons_probables(
        agent=agent_accueil, nom="Benali", prenoms="Mohamed", date_naissance=date(1990, 7, 14)
    ) == [population["mohammed"]]
    # Même nom, date connue différente : pas un doublon.
    assert (
        doublons_probables(
            agent=agent_accueil, nom="Lefèvre", prenoms="Hélène", date_naissance=date(1976, 3, 2)
        )
        == []
    )
    # Sans date : même nom et prénoms normalisés, dans le périmètre de l'agent seulement.
    assert doublons_probables(
        agent=agent_accueil, nom="Lefevre", prenoms="Helene", date_naissance=None
    ) == [population["lefevre"]]


def test_variante_sans_date_de_naissance_est_un_doublon(agent_accueil, agent_autre_site):
    """« Jouve Mohamed » inscrit à côté de JOUVE Mohammed, même site, sans date : averti."""
    connu = habitant(agent_accueil, nom_usage="JOUVE", prenoms="Mohammed", date_naissance=None)
    habitant(agent_autre_site, nom_usage="Jouve", prenoms="Mohamed")
    habitant(agent_accueil, nom_usage="Jouve", prenoms="Léa")
    assert doublons_probables(
        agent=agent_accueil, nom="Jouve", prenoms="Mohamed", date_naissance=None
    ) == [connu]
    # Date connue d'un côté seulement : toujours un doublon probable.
    assert doublons_probables(
        agent=agent_accueil, nom="Jouve", prenoms="Mouhamed", date_naissance=date(1988, 5, 1)
    ) == [connu]
    with pytest.raises(services.DoublonProbable) as erreur:
        services.inscrire_habitant(
            agent=agent_accueil, site=connu.site, nom_usage="Jouve", prenoms="Mohamed"
        )
    assert erreur.value.candidats == [connu]
    # Prénoms qui ne font que se ressembler de loin (clé « L ») : pas un doublon.
    assert (
        doublons_probables(agent=agent_accueil, nom="Jouve", prenoms="Léo", date_naissance=None)
        == []
    )


def test_variante_avec_deux_dates_differentes_n_est_pas_un_doublon(agent_accueil):
    habitant(agent_accueil, nom_usage="Jouve", prenoms="Mohammed", date_naissance=date(1990, 1, 1))
    assert (
        doublons_probables(
            agent=agent_accueil, nom="Jouve", prenoms="Mohamed", date_naissance=date(1991, 1, 1)
        )
        == []
    )


def test_nom_tres_repandu_tape_seul_liste_les_homonymes_exacts(
    agent_accueil, site, django_assert_max_num_queries
):
    from habitants.models import Habitant
    from habitants.selectors import SEUIL_NOM_REPANDU
    from habitants.services import indexer_habitant

    personnes = [
        Habitant(site=site, nom_usage="Martin", prenoms=f"Prénom{i:03d}")
        for i in range(SEUIL_NOM_REPANDU)
    ]
    personnes.append(Habitant(site=site, nom_usage="Martine", prenoms="Alice"))
    for h in personnes:
        indexer_habitant(h)
    Habitant.objects.bulk_create(personnes)
    resultats = chercher(agent_accueil, texte="MARTIN")
    assert len(resultats) == SEUIL_NOM_REPANDU
    assert {h.nom_usage for h in resultats} == {"Martin"}
    assert [h.prenoms for h in resultats[:2]] == ["Prénom000", "Prénom001"]  # par prénom
    # Avec le prénom, la recherche tolérante reprend la main.
    assert chercher(agent_accueil, texte="martine alice")[0].prenoms == "Alice"


def test_paginer_donne_la_page_et_le_total_en_une_requete(
    agent_accueil, site, django_assert_num_queries
):
    from ccas_portal.pagination import paginer
    from habitants.models import Habitant

    for i in range(25):
        habitant(agent_accueil, nom_usage="Garnier", prenoms=f"Prénom{i:02d}")
    qs = Habitant.objects.order_by("prenoms_normalises")
    with django_assert_num_queries(1):
        page = paginer(qs, "2", par_page=10)
        assert [h.prenoms for h in page] == [f"Prénom{i:02d}" for i in range(10, 20)]
        assert page.paginator.count == 25
        assert page.paginator.num_pages == 3
        assert page.has_previous()
        assert page.has_next()
    assert paginer(qs, "99", par_page=10).number == 1  # hors limites : première page
    assert paginer(qs, "abc", par_page=10).number == 1
    assert paginer(qs.none(), 1, par_page=10).paginator.count == 0
