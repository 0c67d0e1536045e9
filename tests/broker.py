"""Un broker sans reste des tests précédents, pour les tests qui lancent un vrai worker.

Un worker tué par un test (ou arrêté en gardant des tâches à échéance, les reprises d'une
tâche en erreur) laisse ses messages dans Redis : dans les files, ou non acquittés, rendus aux
files par le prochain worker qui démarre. Sur la base Redis partagée de `.ci/run`, ils
survivent d'un test à l'autre et d'une exécution de la suite à la suivante, et le worker du
test suivant les prend d'abord : un coordinateur d'une exécution qui n'existe plus (ou, dans
une base de test neuve, d'une autre exécution au même identifiant) passe avant celui du test.
Chaque processus de test a ses clés (préfixe, `ccas_portal/settings/test.py`) : on ne vide que
les siennes, ses files et ses messages non acquittés.

Chaque test rend aussi l'application Celery du portail courante comme il l'a trouvée : une
application créée par un test (`Celery(...)` se déclare courante par défaut) ferait partir les
tâches envoyées par `current_app` des tests suivants du même processus vers un autre broker,
ou vers le même Redis sans le préfixe du processus : le worker d'un test suivant ne les
recevait jamais (`test_worker_perdu`, instable en CI selon l'ordre des tests)."""

import pytest
from celery import current_app

from ccas_portal.celery import app


def vider_le_broker() -> None:
    with app.connection_for_write() as connexion:
        canal = connexion.default_channel
        for file in app.amqp.queues:
            canal.queue_purge(file)
        if connexion.transport.driver_type == "redis":
            canal.client.delete(canal.unacked_key, canal.unacked_index_key)


@pytest.fixture
def broker_vide():
    vider_le_broker()


def retablir_l_application_du_portail():
    """Rend l'application du portail courante ; rend l'application qui l'avait remplacée, ou
    None."""
    courante = current_app._get_current_object()
    if courante is app:
        return None
    app.set_current()
    return courante


@pytest.fixture(autouse=True)
def application_celery_du_portail():
    yield
    etrangere = retablir_l_application_du_portail()
    if etrangere is not None:
        pytest.fail(
            f"Ce test a laissé l'application Celery {etrangere!r} courante : les tâches des tests "
            "suivants partiraient sur son broker. Créer les applications de test avec "
            "Celery(..., set_as_current=False)."
        )
