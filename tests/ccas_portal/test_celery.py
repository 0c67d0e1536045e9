"""Un vrai worker Celery, sur le broker configuré (fichiers par défaut, Redis en CI)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from ccas_portal.celery import app
from ccas_portal.enums import Role
from ccas_portal.services_techniques import aller_retour_tache, workers_en_ligne


@pytest.fixture
def worker(transactional_db, broker_vide):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as w:
        yield w


def attendre_en_ligne(worker, *, limite: float = 20.0):
    """Le ping de contrôle passe par pub/sub (Redis) : un ping envoyé avant que le worker ait
    fini de s'abonner se perd. On redemande jusqu'à ce qu'il réponde, dans une limite."""
    fin = time.monotonic() + limite
    while True:
        etat = workers_en_ligne(delai=1)
        if worker.hostname in etat.noms or time.monotonic() > fin:
            return etat


def test_l_application_celery_decouvre_les_taches():
    app.loader.import_default_modules()
    assert "ccas_portal.diagnostic" in app.tasks


def test_la_configuration_ne_triche_pas():
    assert not app.conf.task_always_eager
    assert app.conf.broker_url.split(":")[0] in {"filesystem", "redis"}


def test_un_worker_execute_la_tache_de_diagnostic(worker):
    resultat = aller_retour_tache(delai=30)
    assert set(resultat) == {"worker", "heure"}


def test_un_worker_repond_au_ping_de_controle(worker):
    etat = attendre_en_ligne(worker)
    assert etat.en_ligne
    assert worker.hostname in etat.noms


def test_sans_worker_le_ping_dit_que_personne_ne_repond(db):
    etat = workers_en_ligne(delai=0.5)
    assert not etat.en_ligne


def test_le_fragment_htmx_de_l_administration_montre_le_worker(client, worker):
    from tests.factories import AgentFactory

    client.force_login(AgentFactory(role=Role.ADMIN))
    assert attendre_en_ligne(worker).en_ligne
    reponse = client.get(reverse("etat_workers"), headers={"HX-Request": "true"})
    html = reponse.content.decode()
    assert "en ligne" in html
    assert worker.hostname in html
    assert "<html" not in html  # un fragment, pas une page


def test_une_application_creee_par_un_test_ne_detourne_pas_les_taches_des_suivants():
    """`Celery(...)` se déclare courante : les tâches envoyées par `current_app` (le
    coordinateur de la détection) partaient sur son broker dans les tests suivants du même
    processus. La garde de tests/broker.py rend l'application du portail courante et fait
    échouer le test fautif."""
    from celery import Celery

    from droits.detection.execution import TACHE_COORDINATEUR, tache
    from tests.broker import retablir_l_application_du_portail

    assert retablir_l_application_du_portail() is None
    etrangere = Celery(broker="memory://")
    assert tache(TACHE_COORDINATEUR).app is etrangere  # le piège
    assert retablir_l_application_du_portail() is etrangere
    assert tache(TACHE_COORDINATEUR).app is app
