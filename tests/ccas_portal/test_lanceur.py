import signal
import sys
import threading
import time

import pytest

from ccas_portal.lanceur import Programme, Superviseur, programmes_du_portail

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
