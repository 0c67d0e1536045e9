import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from celery import Celery, shared_task

from ccas_portal.lanceur import Programme, Superviseur, programmes_du_portail

RACINE = Path(__file__).resolve().parents[2]
DORT = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_les_programmes_du_portail():
    noms = [p.nom for p in programmes_du_portail(adresse="127.0.0.1", port=8123)]
    assert noms == ["web", "worker", "beat"]
    web = programmes_du_portail(adresse="127.0.0.1", port=8123, beat=False)
    assert [p.nom for p in web] == ["web", "worker"]
    assert "127.0.0.1:8123" in web[0].commande


def test_si_un_programme_s_arrete_le_superviseur_arrete_tout():
    superviseur = Superviseur(
        [Programme("dort", DORT), Programme("plante", [sys.executable, "-c", "exit(3)"])],
        delai_arret=5,
    )
    debut = time.monotonic()
    assert superviseur.executer() == 3
    assert time.monotonic() - debut < 10
    assert all(p.poll() is not None for p in superviseur.processus.values())


def test_ctrl_c_arrete_tous_les_programmes():
    superviseur = Superviseur([Programme("a", DORT), Programme("b", DORT)], delai_arret=5)
    threading.Timer(1.0, superviseur._demander_arret, args=(signal.SIGINT, None)).start()
    assert superviseur.executer() == 0
    assert all(p.poll() is not None for p in superviseur.processus.values())


def test_un_programme_qui_ignore_sigterm_est_tue():
    tetu = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)",
    ]
    superviseur = Superviseur([Programme("tetu", tetu)], delai_arret=1)
    threading.Timer(1.0, superviseur._demander_arret, args=(signal.SIGINT, None)).start()
    superviseur.executer()
    assert superviseur.processus["tetu"].returncode == -signal.SIGKILL


@pytest.mark.lent
def test_make_run_sert_la_connexion_et_chaque_compte_demo_arrive_chez_lui(portail_lance):
    from ccas_portal.demo import COMPTES_DEMO, MOT_DE_PASSE_DEMO

    accueil_attendu = {
        "accueil": "/accueil/",
        "travailleur": "/accompagnements/",
        "responsable": "/tableau-de-bord/",
        "admin": "/administration/",
    }
    assert "Connexion" in portail_lance.get("/connexion/")[1]
    for identifiant, *_ in COMPTES_DEMO:
        session = portail_lance.nouvelle_session()
        url, html = session.connecter(identifiant, MOT_DE_PASSE_DEMO)
        assert url.endswith(accueil_attendu[identifiant]), identifiant
        assert "Se déconnecter" in html
    # Le worker lancé avec le portail exécute les tâches.
    resultat = portail_lance.manage("verifier_services", "--delai", "30")
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "Tâche de diagnostic exécutée" in resultat.stdout


@shared_task(name="essai.etat_du_moteur")
def etat_du_moteur():
    """Sonde exécutée par le worker de l'essai ci-dessous : l'état du moteur au début du job."""
    from droits.detection import moteur

    return {"pid": os.getpid(), "systeme_construit": moteur.systeme.cache_info().currsize == 1}


@pytest.mark.lent
def test_chaque_processus_du_worker_a_son_systeme_construit_avant_son_premier_job(tmp_path):
    """Le worker de `make run` (prefork, deux processus) : chaque processus de calcul, même
    remplacé après un job (--max-tasks-per-child 1), a le système socio-fiscal construit avant
    son premier job — « simuler maintenant » ne paie pas son chargement."""
    dossier = tmp_path / "celery"
    options = {
        "data_folder_in": str(dossier / "messages"),
        "data_folder_out": str(dossier / "messages"),
        "control_folder": str(dossier / "controle"),
    }
    for chemin in (*options.values(), dossier / "resultats"):
        os.makedirs(chemin, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
    }
    env.update(
        {"CCAS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "ccas_portal.settings.test"}
    )
    worker = next(
        p for p in programmes_du_portail(adresse="127.0.0.1", port=1) if p.nom == "worker"
    )
    assert "--pool" not in worker.commande  # prefork, le pool par défaut de Celery
    commande = [
        *worker.commande,
        "--hostname",
        f"essai-{os.getpid()}@%h",
        "--include",
        __name__,
        "--max-tasks-per-child",
        "1",
        "--loglevel",
        "WARNING",
    ]
    processus = subprocess.Popen(commande, cwd=RACINE, env=env, start_new_session=True)
    envoi = Celery(broker="filesystem://localhost//", backend=f"file://{dossier / 'resultats'}")
    envoi.conf.broker_transport_options = options
    try:
        resultats = [
            envoi.send_task("essai.etat_du_moteur", queue="celery").get(timeout=600)
            for _ in range(3)
        ]
    finally:
        processus.terminate()  # arrêt à chaud : le worker arrête lui-même ses processus
        try:
            processus.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(processus.pid, signal.SIGKILL)
            processus.wait()
    assert len({r["pid"] for r in resultats}) == 3  # trois processus neufs
    assert all(r["systeme_construit"] for r in resultats), resultats
