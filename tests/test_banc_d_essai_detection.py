"""Ce que le banc d'essai de la détection (benchmarks/detection.py) lit du système : le pic de
mémoire d'un worker, le processeur d'un groupe de processus, de PostgreSQL et de la machine.
Aucune durée attendue : les chiffres vont dans docs/benchmarks.md."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from django.db import connection

MIO = 2**20


@pytest.fixture(scope="module")
def banc():
    chemin = Path(__file__).resolve().parents[1] / "benchmarks" / "detection.py"
    spec = importlib.util.spec_from_file_location("banc_detection", chemin)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _enfant(code: str) -> subprocess.Popen:
    """Un processus Python qui exécute `code`, écrit « prêt » puis attend la fin de son entrée."""
    return subprocess.Popen(
        [sys.executable, "-c", f"{code}\nprint('prêt', flush=True)\nimport sys; sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _attendre(enfant: subprocess.Popen) -> None:
    assert enfant.stdout.readline().strip() == "prêt"


def _finir(enfant: subprocess.Popen) -> None:
    enfant.stdin.close()
    enfant.wait(timeout=30)


def test_le_pic_lu_a_la_fin_garde_une_memoire_deja_rendue(banc):
    """Le pic compte 200 Mio écrits puis rendus avant la lecture : ce qu'un échantillonnage
    qui serait passé après aurait manqué."""
    enfant = _enfant("b = b'x' * (200 * 2**20)\ndel b")
    try:
        _attendre(enfant)
        assert psutil.Process(enfant.pid).memory_info().rss < 100 * MIO
        assert banc.Workers._pic(enfant.pid) >= 200 * MIO
    finally:
        _finir(enfant)


def test_l_arbre_d_un_worker_compte_ses_enfants(banc):
    enfant = _enfant("")
    try:
        _attendre(enfant)
        arbre = banc.Workers._arbre(os.getpid())
        assert arbre[0].pid == os.getpid()
        assert enfant.pid in [q.pid for q in arbre]
    finally:
        _finir(enfant)


def test_le_processeur_d_un_groupe_ignore_les_processus_termines(banc):
    calcule = _enfant("sum(range(2 * 10**7))")
    termine = _enfant("")
    try:
        _attendre(calcule)
        _attendre(termine)
        disparu = psutil.Process(termine.pid)
        _finir(termine)
        assert banc.processeur_de([disparu]) == 0.0
        seul = banc.processeur_de([psutil.Process(calcule.pid)])
        assert seul > 0
        assert banc.processeur_de([disparu, psutil.Process(calcule.pid)]) >= seul
    finally:
        _finir(calcule)


def test_le_processeur_de_la_machine_compte_un_calcul(banc):
    avant = banc.processeur_machine()
    debut = os.times()
    while os.times().user - debut.user < 0.1:
        sum(range(10_000))
    assert banc.processeur_machine() - avant > 0


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL de cette machine")
def test_le_processeur_de_postgresql_compte_une_requete(banc):
    avant = banc.processeur_postgresql()
    assert avant is not None
    with connection.cursor() as curseur:
        curseur.execute("SELECT count(*) FROM generate_series(1, 3000000)")
        assert curseur.fetchone() == (3000000,)
    assert banc.processeur_postgresql() - avant > 0
