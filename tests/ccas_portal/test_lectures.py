"""Lectures en parallèle (ccas_portal/lectures.py, ADR 0037) : dans une transaction ou hors
PostgreSQL, l'une après l'autre dans le fil de l'appelant ; sur PostgreSQL hors transaction,
dans les fils de lecture, chacun par sa connexion, avec les mêmes résultats."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from ccas_portal import lectures
from ccas_portal.lectures import Lectures

sur_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="lectures en parallèle : PostgreSQL seulement (joué par la passe PostgreSQL de .ci/run)",
)


def _fil_et_sites():
    from ccas_portal.models import Site

    return threading.get_ident(), sorted(Site.objects.values_list("code", flat=True))


@pytest.mark.django_db
def test_dans_une_transaction_les_lectures_restent_dans_le_fil_de_l_appelant():
    from tests.factories import SiteFactory

    SiteFactory(code="mdh-non-validee")  # pas encore validé : une autre connexion ne le verrait pas
    lecteur = Lectures(en_parallele=True)
    assert not lecteur.paralleles
    fil, codes = lecteur.lancer(_fil_et_sites).result()
    assert fil == threading.get_ident()
    assert "mdh-non-validee" in codes


@pytest.mark.django_db
def test_sans_le_demander_les_lectures_restent_dans_le_fil_de_l_appelant():
    assert not Lectures().paralleles


@pytest.mark.django_db
def test_l_erreur_d_une_lecture_est_levee_a_son_resultat():
    def echoue():
        raise ValueError("lecture impossible")

    lecture = Lectures(en_parallele=True).lancer(echoue)
    with pytest.raises(ValueError, match="lecture impossible"):
        lecture.result()


@sur_postgresql
@pytest.mark.django_db(transaction=True)
def test_hors_transaction_sur_postgresql_chaque_lecture_a_son_fil(settings):
    from tests.factories import SiteFactory

    SiteFactory(code="mdh-validee")
    lecteur = Lectures(en_parallele=True)
    assert lecteur.paralleles
    resultats = [lecteur.lancer(_fil_et_sites) for _ in range(3)]
    for lecture in resultats:
        fil, codes = lecture.result()
        assert fil != threading.get_ident()
        assert "mdh-validee" in codes
    settings.LECTURES_PARALLELES = False
    assert not Lectures(en_parallele=True).paralleles


@sur_postgresql
@pytest.mark.django_db(transaction=True)
def test_un_fil_de_lecture_rend_sa_connexion_selon_conn_max_age():
    """CONN_MAX_AGE vaut 0 dans les tests : fermée après chaque lecture (la base de test doit
    pouvoir être supprimée en fin de session)."""

    def lit_puis_dit_si_connecte():
        _fil_et_sites()
        return connections["default"].connection is not None

    assert lectures._dans_un_fil("default", lit_puis_dit_si_connecte, ()) is True
    assert connections["default"].connection is None


@sur_postgresql
@pytest.mark.django_db(transaction=True)
def test_le_chargement_d_un_lot_en_parallele_est_celui_d_une_lecture_a_la_fois(
    settings, referentiels
):
    """Le chargement d'un lot (foyers, membres, personnes, ressources, loyers, prestations en
    cours, aides à domicile, catalogue) : le même, ses requêtes lancées ensemble ou l'une après
    l'autre ; les membres partis et les personnes anonymisées n'y sont pas."""
    from django.utils import timezone

    from droits.detection import execution as detection
    from droits.models import ExecutionDetection, LotDetection, PrestationFoyer
    from habitants.models import Habitant, MembreFoyer
    from tests.droits.conftest import MOIS, creer_foyer
    from tests.factories import AgentFactory, SiteFactory

    ts = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-lectures")])
    couple, (_, _, parti, anonymise) = creer_foyer(
        ts,
        ("Rose", date(1950, 3, 1), "demandeur", [("retraite", "900", date(2015, 1, 1))]),
        ("Marc", date(1948, 5, 1), "conjoint", [("retraite", "700", date(2015, 1, 1))]),
        ("Théo", date(1985, 2, 1), "autre_adulte", [("salaire_net", "1500", date(2020, 1, 1))]),
        ("Anne", date(1960, 7, 1), "autre_adulte", [("chomage", "800", date(2020, 1, 1))]),
        loyer="520",
    )
    # Les membres actuels seulement (un membre parti ne compte plus), et jamais une personne
    # anonymisée : ses ressources et sa situation sont lues à part, sans elle.
    MembreFoyer.objects.filter(habitant=parti).update(date_fin=date(2024, 1, 31))
    Habitant.objects.filter(pk=anonymise.pk).update(anonymise_le=timezone.now())
    famille, _ = creer_foyer(
        ts,
        ("Lina", date(1990, 1, 1), "demandeur", [("salaire_net", "1400", date(2024, 1, 1))]),
        ("Noé", date(2020, 6, 1), "enfant"),
    )
    PrestationFoyer.objects.create(
        foyer=famille,
        prestation_id="allocations_familiales",
        statut="percue",
        source="declaration",
        saisi_par=ts,
    )
    execution = ExecutionDetection.objects.create(perimetre="tous", mois_cible=MOIS)
    lot = LotDetection.objects.create(execution=execution, numero=0, foyers=[couple.pk, famille.pk])

    en_parallele = detection.charger(lot)
    settings.LECTURES_PARALLELES = False
    une_a_la_fois = detection.charger(lot)

    assert en_parallele == une_a_la_fois
    assert [f.id for f in en_parallele.foyers] == [couple.pk, famille.pk]
    assert [len(f.personnes) for f in en_parallele.foyers] == [2, 2]
    assert [p.role for p in en_parallele.foyers[0].personnes] == ["demandeur", "conjoint"]
    assert en_parallele.foyers[0].personnes[0].ressources == [
        ("retraite", 900.0, date(2015, 1, 1), None)
    ]
    assert en_parallele.foyers[1].personnes[1].date_naissance == date(2020, 6, 1)
    assert en_parallele.foyers[0].loyer == 520.0
    assert en_parallele.en_cours == {famille.pk: {"allocations_familiales"}}
    assert "rsa" in en_parallele.catalogue
