"""Chaque lecture qui montre des données sensibles d'une personne nommée est journalisée
(docs/journal.md, « Lectures journalisées ») : un test par lecture."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accompagnement.services import ouvrir_accompagnement
from ccas_portal.models import EntreeJournal
from droits.enums import StatutExecution
from droits.models import ExecutionDetection, Signalement
from habitants.services import ajouter_membre
from tests.factories import AgentFactory, foyer, habitant

MOIS = date(2026, 10, 1)


@pytest.fixture
def famille(ts):
    f = foyer(ts)
    amina = habitant(ts, nom_usage="Benali", prenoms="Amina", date_naissance=date(1985, 4, 2))
    ajouter_membre(agent=ts, foyer=f, habitant=amina, role="demandeur", date_debut=date(2020, 1, 1))
    return f, amina


def _signaler(f, code="rsa", montant="300"):
    return Signalement.objects.create(
        foyer=f,
        prestation_id=code,
        montant_estime=Decimal(montant),
        empreinte="e",
        explication={"mois": "10/2026", "personnes": 1, "ages": []},
    )


def _lectures(agent):
    return list(
        EntreeJournal.objects.filter(agent=agent, action="consultation")
        .order_by("id")
        .values_list("objet_type", "objet_id", "details")
    )


def test_fiche_de_la_personne(client, ts, famille):
    _, amina = famille
    client.force_login(ts)
    client.get(reverse("habitants:fiche", args=[amina.pk]))
    assert _lectures(ts) == [("habitants.habitant", str(amina.pk), {})]


def test_dossier_du_foyer(client, ts, famille):
    f, _ = famille
    client.force_login(ts)
    client.get(reverse("accompagnement:dossier", args=[f.pk]))
    assert _lectures(ts) == [("habitants.foyer", str(f.pk), {})]


def test_accompagnement(client, ts, famille):
    f, amina = famille
    a = ouvrir_accompagnement(
        agent=ts, foyer=f, axe="sante", membres=[amina], date_ouverture=date(2026, 1, 5)
    )
    client.force_login(ts)
    client.get(reverse("accompagnement:detail", args=[a.pk]))
    assert _lectures(ts) == [("accompagnement.accompagnement", str(a.pk), {})]


def test_page_d_un_signalement(client, ts, famille):
    s = _signaler(famille[0])
    client.force_login(ts)
    client.get(reverse("droits:signalement", args=[s.pk]))
    assert _lectures(ts) == [("droits.signalement", str(s.pk), {})]


def test_liste_des_signalements_une_entree_par_signalement_montre(client, ts, famille):
    montres = [_signaler(famille[0], "rsa", "300"), _signaler(famille[0], "aide_logement", "40")]
    ailleurs = AgentFactory(role="travailleur_social")
    _signaler(foyer(ailleurs))  # d'un autre site : pas montré, pas journalisé
    client.force_login(ts)
    reponse = client.get(reverse("droits:signalements"))
    assert len(reponse.context["page"]) == 2
    assert sorted(_lectures(ts)) == sorted(
        ("droits.signalement", str(s.pk), {"liste": "signalements"}) for s in montres
    )
    # Une liste vide ne journalise rien.
    client.get(reverse("droits:signalements"), {"apport_min": "100000"})
    assert len(_lectures(ts)) == 2


def test_simulation_journalisee_quand_les_droits_s_affichent(client, ts, famille):
    f, _ = famille
    execution = ExecutionDetection.objects.create(
        declencheur="simuler maintenant", perimetre="foyer", foyer=f, mois_cible=MOIS
    )
    client.force_login(ts)
    url = reverse("droits:simulation_foyer", args=[f.pk])
    # Tant que la simulation tourne, le fragment est redemandé toutes les 2 s : rien à lire.
    assert "every 2s" in client.get(url).content.decode()
    assert _lectures(ts) == []
    execution.statut = StatutExecution.TERMINEE
    execution.save(update_fields=["statut"])
    assert "every 2s" not in client.get(url).content.decode()
    assert _lectures(ts) == [("habitants.foyer", str(f.pk), {"lecture": "simulation"})]


def test_une_lecture_refusee_n_est_pas_journalisee(client, ts, famille):
    f, amina = famille
    s = _signaler(f)
    autre = AgentFactory(role="travailleur_social")
    client.force_login(autre)
    for url in (
        reverse("habitants:fiche", args=[amina.pk]),
        reverse("accompagnement:dossier", args=[f.pk]),
        reverse("droits:signalement", args=[s.pk]),
        reverse("droits:simulation_foyer", args=[f.pk]),
    ):
        assert client.get(url).status_code == 404
    assert _lectures(autre) == []
