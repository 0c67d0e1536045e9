"""La détection sous ses couches (ADR 0031) : elle enfile ses tâches par leur nom et reçoit
l'aide à domicile d'`accompagnement` par un réglage, sans importer l'un ni l'autre."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from accompagnement.services import ouvrir_accompagnement
from droits import tasks
from droits.detection import execution as detection
from droits.models import ExecutionDetection, Signalement
from tests.droits.conftest import MOIS, creer_foyer


def test_les_noms_des_taches_designent_les_taches_de_droits_tasks():
    assert detection.tache(detection.TACHE_COORDINATEUR) is (
        tasks.coordonner_detection._get_current_object()
    )
    assert detection.tache(detection.TACHE_LOT) is tasks.traiter_lot_detection._get_current_object()


def test_chaque_processus_enregistre_les_taches_au_demarrage():
    """Un processus qui n'importe que Django (le web) trouve les tâches par leur nom."""
    code = (
        "import django; django.setup()\n"
        "from celery import current_app\n"
        "from droits.detection import execution as e\n"
        "print(sorted({e.TACHE_COORDINATEUR, e.TACHE_LOT} & set(current_app.tasks)))\n"
    )
    sortie = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ccas_portal.settings.test"},
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    ).stdout
    assert sortie.strip() == (
        "['droits.tasks.coordonner_detection', 'droits.tasks.traiter_lot_detection']"
    )


def executer():
    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre="tous", mois_cible=MOIS
    )
    for lot in detection.preparer(execution.pk):
        detection.traiter_lot(lot)


@pytest.fixture
def aine_isole(ts):
    return creer_foyer(
        ts,
        ("Marcel", date(1948, 2, 1), "demandeur", [("retraite", "1900", date(2010, 1, 1))]),
        loyer="500",
        statut="proprietaire",
    )


@pytest.mark.django_db
def test_une_aide_a_domicile_notee_dans_un_accompagnement_retient_le_signalement(ts, aine_isole):
    f, (marcel,) = aine_isole
    ouvrir_accompagnement(
        agent=ts, foyer=f, axe="bien_vieillir", membres=[marcel], faits={"aide_domicile": True}
    )
    executer()
    assert not Signalement.objects.filter(foyer=f, prestation="aide_domicile").exists()


@pytest.mark.django_db
def test_l_aide_a_domicile_vient_de_la_fonction_du_reglage(ts, aine_isole, settings):
    f, _ = aine_isole
    settings.DETECTION_AIDES_A_DOMICILE = f"{__name__}.tous_aides"
    executer()
    assert not Signalement.objects.filter(foyer=f, prestation="aide_domicile").exists()
    settings.DETECTION_AIDES_A_DOMICILE = f"{__name__}.aucun_aide"
    executer()
    assert Signalement.objects.filter(foyer=f, prestation="aide_domicile").exists()


def tous_aides(ids):
    return set(ids)


def aucun_aide(ids):
    return set()
