"""Un worker tué en plein lot : l'exécution reprend sur un autre worker et finit avec le même
résultat (Redis : le message non acquitté revient dans la file ; PostgreSQL : base partagée
entre les processus). Un broker redémarré en pleine exécution (Redis sans persistance : les
lots en file sont perdus) : la surveillance renvoie les lots non faits, l'exécution se termine
complète et sans doublon (ADR 0021)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from droits.detection import execution as detection
from droits.models import ExecutionDetection, LotDetection, Signalement
from tests.droits.conftest import MOIS, creer_foyer
from tests.factories import AgentFactory, SiteFactory

RACINE = Path(__file__).resolve().parents[2]

pytestmark = [
    # Les restes des tests précédents sur le broker partagé passeraient avant ce test.
    pytest.mark.usefixtures("broker_vide"),
    pytest.mark.moteur,
    pytest.mark.lent,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis") or connection.vendor != "postgresql",
        reason=(
            "demande Redis (message rendu à la file après la perte du worker) et une base "
            "partagée entre processus : joué quand .ci/run fait tourner la suite sur "
            "PostgreSQL + Redis"
        ),
    ),
]


def _env(**reglages) -> dict:
    base = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{base['USER']}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}/"
            f"{base['NAME']}"
        ),
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "DETECTION_TAILLE_LOT": "3",
        **reglages,
    }


#: Le journal de chaque worker lancé par ces tests (niveau INFO : tâches reçues, reprises et
#: leurs erreurs), relu quand un test échoue.
JOURNAUX = Path(tempfile.mkdtemp(prefix="worker-perdu-"))


def _journal(nom: str, lignes: int = 40) -> list[str]:
    fichier = JOURNAUX / f"{nom}.log"
    return fichier.read_text().splitlines()[-lignes:] if fichier.exists() else []


def _worker(nom: str, **reglages) -> subprocess.Popen:
    env = _env(**reglages)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ccas_portal",
            "worker",
            "--pool",
            "solo",
            "--hostname",
            f"{nom}@%h",
            "--queues",
            "celery,detection",
            "--loglevel",
            "INFO",
            "--logfile",
            str(JOURNAUX / f"{nom}.log"),
        ],
        cwd=RACINE,
        env=env,
        start_new_session=True,
    )


def _attendre(condition, limite: float, pas: float = 0.2):
    fin = time.monotonic() + limite
    while time.monotonic() < fin:
        if condition():
            return True
        time.sleep(pas)
    return False


def _attendre_pret(nom: str, limite: float = 240) -> bool:
    """Le worker répond au ping : démarré et abonné à ses files. Son démarrage (Django,
    système socio-fiscal, premier calcul) prend ≈ 10 s au calme, bien plus quand l'autre
    processus de la suite fait tourner un navigateur : attendu à part, que l'attente du lot
    ne mesure que la prise du lot."""
    from ccas_portal.celery import app

    destination = [f"{nom}@{socket.gethostname()}"]
    return _attendre(
        lambda: bool(app.control.inspect(destination=destination, timeout=1).ping()), limite, 0.5
    )


def _etat_du_broker(execution) -> dict:
    """Ce qu'il faut lire quand un worker ne prend pas de lot : l'exécution, ses lots, et les
    messages en attente dans les files de ce processus de test."""
    from ccas_portal.celery import app

    try:
        with app.connection_for_write() as connexion:
            canal = connexion.default_channel
            files = {file: canal.client.llen(file) for file in app.amqp.queues}
            non_acquittes = canal.client.hlen(canal.unacked_key)
    except Exception as erreur:  # le diagnostic ne doit pas masquer l'échec qu'il explique
        files, non_acquittes = repr(erreur), None
    return {
        "execution": ExecutionDetection.objects.filter(pk=execution.pk)
        .values("statut", "erreurs")
        .first(),
        "lots": list(
            LotDetection.objects.filter(execution=execution).values("numero", "fait", "tentatives")
        ),
        "files": files,
        "non_acquittes": non_acquittes,
    }


def test_un_worker_tue_en_plein_lot_l_execution_se_termine_pareil(transactional_db, referentiels):
    ts = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-perdu")])
    foyers = [creer_foyer(ts, (f"P{i}", date(1991, 1, 1), "demandeur"))[0] for i in range(5)]
    premier = _worker("premier")
    try:
        assert _attendre_pret("premier"), "le premier worker n'a pas démarré"
        # Un worker --pool solo porte son tas à la taille d'un lot (ici 3 foyers) avant de se
        # dire prêt (ADR 0043).
        journal = "\n".join(_journal("premier", 400))
        assert "Préchauffage du tas : un lot fictif de 3 foyers" in journal, journal
        assert journal.index("Préchauffage du tas") < journal.index(" ready."), journal
        execution = detection.lancer_detection(
            declencheur="test", perimetre="site", site=ts.sites.first(), mois_cible=MOIS
        )

        def un_lot_commence() -> bool:
            return LotDetection.objects.filter(execution=execution, tentatives__gte=1).exists()

        # Le premier lot a commencé (tentative notée) : on tue le worker, sans lui laisser finir.
        assert _attendre(un_lot_commence, 120), (
            "le premier worker n'a jamais pris de lot",
            # Une transaction restée ouverte ici retiendrait l'envoi du coordinateur (on_commit).
            f"transaction ouverte : {connection.in_atomic_block}",
            _etat_du_broker(execution),
            _journal("premier"),
        )
        os.killpg(premier.pid, signal.SIGKILL)
        premier.wait(timeout=10)
        interrompu = LotDetection.objects.filter(execution=execution, fait=False).count()
        assert interrompu >= 1
    finally:
        if premier.poll() is None:
            os.killpg(premier.pid, signal.SIGKILL)
    second = _worker("second")
    try:
        assert _attendre(
            lambda: ExecutionDetection.objects.get(pk=execution.pk).statut == "terminee", 180, 0.5
        ), list(
            LotDetection.objects.filter(execution=execution).values("numero", "fait", "tentatives")
        )
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    execution.refresh_from_db()
    assert (execution.total, execution.traites) == (5, 5)
    assert (
        max(LotDetection.objects.filter(execution=execution).values_list("tentatives", flat=True))
        >= 2
    )
    for f in foyers:
        codes = list(Signalement.objects.filter(foyer=f).values_list("prestation", flat=True))
        assert sorted(codes) == ["aide_logement", "css_gratuite", "rsa"]


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis(port: int) -> subprocess.Popen:
    """Un Redis à ce test, sans rien sur disque (comme le Redis de la CI et de la démo)."""
    processus = subprocess.Popen(
        [
            "redis-server",
            *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
            *("--dir", "/tmp", "--logfile", ""),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )

    def repond():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    assert _attendre(repond, 20), "le Redis du test ne démarre pas"
    return processus


def _arreter(processus: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if processus.poll() is None:
        os.killpg(processus.pid, sig)
        try:
            processus.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(processus.pid, signal.SIGKILL)
            processus.wait(timeout=10)


def _celery(*arguments, env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ccas_portal", *arguments],
        cwd=RACINE,
        env=env,
        start_new_session=True,
    )


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server absent")
def test_un_broker_redemarre_en_pleine_execution_les_lots_perdus_sont_relances(
    transactional_db, referentiels
):
    """Redis redémarré (SIGKILL, sans persistance) pendant que le worker calcule un lot : les
    lots en file sont perdus. La surveillance (celery beat, ici toutes les 2 s) les renvoie
    après DETECTION_DELAI_RELANCE sans activité ; l'exécution se termine avec tous les foyers,
    un signalement par foyer et prestation."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from droits.services import NOM_SURVEILLANCE

    surveillance = PeriodicTask.objects.get(name=NOM_SURVEILLANCE)
    surveillance.interval, _ = IntervalSchedule.objects.get_or_create(
        every=2, period=IntervalSchedule.SECONDS
    )
    surveillance.save()
    ts = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-broker")])
    foyers = [creer_foyer(ts, (f"B{i}", date(1991, 1, 1), "demandeur"))[0] for i in range(8)]
    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre="site", site=ts.sites.first(), mois_cible=MOIS
    )

    port = _port_libre()
    broker = f"redis://127.0.0.1:{port}/0"
    env = _env(
        CELERY_BROKER_URL=broker,
        CELERY_RESULT_BACKEND=broker,
        # Le message non acquitté ne revient pas de lui-même : c'est la surveillance qui relance.
        CELERY_VISIBILITY_TIMEOUT="3600",
        DETECTION_TAILLE_LOT="2",
        DETECTION_DELAI_RELANCE="8",
        DETECTION_RELANCES_MAX="5",
    )
    redis = _redis(port)
    processus = [redis]
    try:
        worker = _celery(
            "worker",
            *("--pool", "solo", "--hostname", "redemarrage@%h", "--queues", "celery,detection"),
            *("--loglevel", "WARNING"),
            env=env,
        )
        processus.append(worker)
        appel = _celery(
            "call", "droits.tasks.coordonner_detection", "--args", f"[{execution.pk}]", env=env
        )
        assert appel.wait(timeout=120) == 0
        # Le worker calcule un lot (les autres attendent dans Redis) : on tue Redis.
        assert _attendre(
            lambda: LotDetection.objects.filter(execution=execution, tentatives__gte=1).exists(),
            180,
        ), "le worker n'a jamais pris de lot"
        _arreter(redis, signal.SIGKILL)
        perdus = LotDetection.objects.filter(execution=execution, fait=False).count()
        assert perdus >= 2, "tous les lots étaient déjà faits : rien n'a été perdu"
        redis = _redis(port)  # même port, vide
        processus.append(redis)
        # Sans surveillance, rien ne reviendrait : l'exécution resterait « en cours ».
        time.sleep(12)
        assert ExecutionDetection.objects.get(pk=execution.pk).statut == "en_cours"
        processus.append(_celery("beat", "--loglevel", "WARNING", env=env))
        assert _attendre(
            lambda: ExecutionDetection.objects.get(pk=execution.pk).statut == "terminee", 240, 0.5
        ), list(
            LotDetection.objects.filter(execution=execution).values("numero", "fait", "tentatives")
        )
    finally:
        for p in reversed(processus):
            _arreter(p)
    execution.refresh_from_db()
    assert (execution.total, execution.traites, execution.erreurs) == (8, 8, [])
    assert execution.relances >= 1
    for f in foyers:
        codes = sorted(Signalement.objects.filter(foyer=f).values_list("prestation", flat=True))
        assert codes == ["aide_logement", "css_gratuite", "rsa"]
