"""Un worker tué en plein lot : l'exécution reprend sur un autre worker et finit avec le même
résultat (Redis : le message non acquitté revient dans la file ; PostgreSQL : base partagée
entre les processus)."""

import os
import signal
import subprocess
import sys
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
    pytest.mark.lent,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis") or connection.vendor != "postgresql",
        reason=(
            "demande Redis (message rendu à la file après la perte du worker) et une base "
            "partagée entre processus : joué par le passage PostgreSQL + Redis de .ci/run"
        ),
    ),
]


def _worker(nom: str) -> subprocess.Popen:
    base = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{base['USER']}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}/"
            f"{base['NAME']}"
        ),
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "DETECTION_TAILLE_LOT": "3",
    }
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
            "WARNING",
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


def test_un_worker_tue_en_plein_lot_l_execution_se_termine_pareil(transactional_db, referentiels):
    ts = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-perdu")])
    foyers = [creer_foyer(ts, (f"P{i}", date(1991, 1, 1), "demandeur"))[0] for i in range(5)]
    premier = _worker("premier")
    try:
        execution = detection.lancer_detection(
            declencheur="test", perimetre="site", site=ts.sites.first(), mois_cible=MOIS
        )
        # Le premier lot a commencé (tentative notée) : on tue le worker, sans lui laisser finir.
        assert _attendre(
            lambda: LotDetection.objects.filter(execution=execution, tentatives__gte=1).exists(),
            120,
        ), "le premier worker n'a jamais pris de lot"
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
