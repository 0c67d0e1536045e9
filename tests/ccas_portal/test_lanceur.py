import io
import os
import signal
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest
from celery import Celery, shared_task

from ccas_portal.lanceur import Programme, Superviseur, programmes_du_portail

# Fixture de module coûteuse : tout le module dans un même processus (make test : --dist loadgroup).
pytestmark = pytest.mark.xdist_group("lanceur")

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


def test_l_annonce_vient_une_fois_quand_le_web_repond(tmp_path):
    """L'adresse et les comptes viennent après les messages de démarrage des programmes, quand
    le serveur web répond : c'est la dernière chose que lit un nouvel arrivant."""
    drapeau = tmp_path / "pret"
    sortie = io.StringIO()
    superviseur = Superviseur(
        [
            Programme(
                "a",
                [
                    sys.executable,
                    "-c",
                    f"import time; time.sleep(1); open({str(drapeau)!r}, 'w'); time.sleep(60)",
                ],
            )
        ],
        delai_arret=5,
        sortie=sortie,
        annonce="Portail du CCAS : http://127.0.0.1:8123/",
        pret=drapeau.exists,
    )
    threading.Timer(3.0, superviseur._demander_arret, args=(signal.SIGINT, None)).start()
    assert superviseur.executer() == 0
    assert sortie.getvalue().count("Portail du CCAS") == 1


def test_sans_reponse_du_web_pas_d_annonce():
    sortie = io.StringIO()
    superviseur = Superviseur(
        [Programme("a", DORT)], delai_arret=5, sortie=sortie, annonce="Portail", pret=lambda: False
    )
    threading.Timer(1.0, superviseur._demander_arret, args=(signal.SIGINT, None)).start()
    superviseur.executer()
    assert "Portail" not in sortie.getvalue()


def test_les_bannieres_de_demarrage_sont_ecartees_les_journaux_restent(capfd):
    web, worker, beat = programmes_du_portail(adresse="127.0.0.1", port=8123)
    assert web.sans_banniere  # « Starting development server at … » : l'annonce le dit
    for programme in (worker, beat):  # celery --quiet : sans bannière
        assert programme.commande.index("--quiet") < programme.commande.index(programme.nom)
    bavard = [
        sys.executable,
        "-c",
        "import sys; print('bannière'); print('journal', file=sys.stderr)",
    ]
    Superviseur([Programme("bavard", bavard, sans_banniere=True)], delai_arret=5).executer()
    sortie, erreurs = capfd.readouterr()
    assert "bannière" not in sortie
    assert "journal" in erreurs


FAUX_PYTHON = """#!/bin/sh
case "$*" in
  -c*) exit 0 ;;
  "-m venv "*) mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0 ;;
  *"manage.py lancer"*) echo "Portail du CCAS : http://127.0.0.1:8000/" && exit 0 ;;
esac
echo "WARNING: bruit de $*" >&2
case "$*" in
  *"manage.py demo_data"*) [ -z "$ECHEC_DEMO" ] || { echo "CommandError: démo impossible" >&2; exit 1; } ;;
esac
"""


def _make_run(tmp_path, **env):
    faux = tmp_path / "faux-python"
    faux.write_text(FAUX_PYTHON)
    faux.chmod(0o755)
    return subprocess.run(
        [
            *("make", "--no-print-directory", "run", f"PYTHON={faux}"),
            *(f"VENV={tmp_path / 'venv'}", f"VAR_DIR={tmp_path / 'var'}"),
        ],
        cwd=RACINE,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_make_run_affiche_une_ligne_par_etape_puis_l_adresse(tmp_path):
    """pip, les migrations et la démo écrivent dans des journaux sous var/ : la console garde
    une ligne par étape puis l'adresse (avant : deux minutes et demie d'avertissements)."""
    resultat = _make_run(tmp_path)
    assert resultat.returncode == 0, resultat.stderr
    lignes = resultat.stdout.splitlines()
    assert [ligne.split(" (")[0].rstrip("…") for ligne in lignes] == [
        "Installation des dépendances",
        "Base de données",
        "Données de démonstration",
        "Portail du CCAS : http://127.0.0.1:8000/",
    ]
    assert "bruit" not in resultat.stdout + resultat.stderr
    installation = (tmp_path / "var" / "installation.log").read_text()
    assert "bruit de -m pip install --progress-bar off -e .[dev]" in installation
    assert "bruit de manage.py demo_data" in (tmp_path / "var" / "demarrage.log").read_text()


def test_make_run_en_echec_dit_ou_est_le_journal_et_en_montre_la_fin(tmp_path):
    resultat = _make_run(tmp_path, ECHEC_DEMO="1")
    assert resultat.returncode != 0
    assert "Portail du CCAS" not in resultat.stdout
    assert f"Journal complet : {tmp_path / 'var' / 'demarrage.log'}" in resultat.stderr
    assert "CommandError: démo impossible" in resultat.stderr


def test_le_paquet_declare_sa_licence_en_expression_spdx():
    """`project.license` en table TOML est obsolète (avertissement de setuptools à chaque
    installation) : une expression SPDX, que setuptools comprend depuis la 77."""
    projet = tomllib.loads((RACINE / "pyproject.toml").read_text())
    assert projet["project"]["license"] == "AGPL-3.0-or-later"
    (exigence,) = projet["build-system"]["requires"]
    version = exigence.removeprefix("setuptools>=")
    assert tuple(int(n) for n in version.split(".")[:2]) >= (77, 0)


@pytest.mark.lent
def test_make_run_sert_la_connexion_et_chaque_compte_demo_arrive_chez_lui(portail_lance):
    from ccas_portal.demo import COMPTES_DEMO, MOT_DE_PASSE_DEMO

    accueil_attendu = {
        "accueil": "/accueil/",
        "travailleur": "/accompagnements/",
        "responsable": "/tableau-de-bord/",
        "admin": "/administration/",
        "finances": "/droits/paiements/",
    }
    assert "Connexion" in portail_lance.get("/connexion/")[1]
    for identifiant, *_ in COMPTES_DEMO:
        session = portail_lance.nouvelle_session()
        url, html = session.connecter(identifiant, MOT_DE_PASSE_DEMO)
        assert "Se déconnecter" in html
        if identifiant in ("responsable", "admin"):
            # Double authentification exigée : l'activation guidée, avec la clé à taper.
            assert "/compte/double-authentification/?next=" in url, identifiant
            assert 'id="cle-secrete"' in html
            continue
        assert url.endswith(accueil_attendu[identifiant]), identifiant
    # Le worker lancé avec le portail exécute les tâches.
    resultat = portail_lance.manage("verifier_services", "--delai", "30")
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "Tâche de diagnostic exécutée" in resultat.stdout


@shared_task(name="essai.etat_du_moteur")
def etat_du_moteur():
    """Sonde exécutée par le worker de l'essai ci-dessous : l'état du moteur au début du job."""
    from droits.detection import moteur

    return {"pid": os.getpid(), "systeme_construit": moteur.systeme.cache_info().currsize == 1}


@pytest.mark.moteur
@pytest.mark.lent
def test_chaque_processus_du_worker_a_son_systeme_construit_avant_son_premier_job(
    tmp_path, monkeypatch
):
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
    # Celery préfère CELERY_BROKER_URL (et CELERY_RESULT_BACKEND) de l'environnement au broker
    # donné ici : sous la suite PostgreSQL + Redis, l'envoi partait sur Redis et attendait
    # une réponse qui ne venait jamais.
    for variable in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        monkeypatch.delenv(variable, raising=False)
    envoi = Celery(
        broker="filesystem://localhost//",
        backend=f"file://{dossier / 'resultats'}",
        set_as_current=False,  # les tests suivants du processus envoient par l'application du portail
    )
    envoi.conf.broker_transport_options = options
    try:
        resultats = [
            envoi.send_task("essai.etat_du_moteur", queue="celery").get(timeout=300)
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


@pytest.mark.lent
def test_la_console_du_portail_lance_reste_lisible(portail_lance):
    """Sans bannière ni trace : l'adresse et les comptes, puis une ligne par requête — un 403
    compris (il affichait deux traces d'exception)."""
    import urllib.error

    session = portail_lance.nouvelle_session()
    session.connecter("accueil", "demo-ccas-2026")
    with pytest.raises(urllib.error.HTTPError) as refus:
        session.get("/tableau-de-bord/?essai=refus")
    assert refus.value.code == 403
    session.get("/connexion/")  # une requête de plus : la ligne du 403 est écrite avant elle
    console = (Path(portail_lance.env["CCAS_VAR_DIR"]) / "lancer.log").read_text()
    assert f"Portail du CCAS : {portail_lance.base}/" in console
    assert "Comptes de démonstration" in console
    assert "Traceback" not in console
    assert "Starting development server" not in console  # bannière de runserver
    assert "[queues]" not in console  # bannière du worker Celery
    lignes_du_refus = [ligne for ligne in console.splitlines() if "essai=refus" in ligne]
    assert len(lignes_du_refus) == 1, lignes_du_refus
    assert " 403 " in lignes_du_refus[0]
