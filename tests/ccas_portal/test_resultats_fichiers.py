"""Résultats des tâches sur fichiers : jamais un fichier mêlé de deux écritures, jamais un état
final remplacé par un état d'avant (ccas_portal/resultats_fichiers.py)."""

import json
import threading

from celery import Celery

from ccas_portal.resultats_fichiers import Resultats


def _backend(tmp_path):
    app = Celery(
        backend=f"ccas_portal.resultats_fichiers:Resultats+file://{tmp_path}", set_as_current=False
    )
    backend = app.backend
    assert isinstance(backend, Resultats)
    return backend


def test_l_etat_final_n_est_pas_remplace_par_commencee(tmp_path):
    backend = _backend(tmp_path)
    backend.store_result("t1", {"pid": 1}, "STARTED")
    backend.store_result("t1", {"worker": "vm", "heure": "2026-12-05T05:45:58"}, "SUCCESS")
    backend.set(backend.get_key_for_task("t1"), json.dumps({"status": "STARTED"}).encode())
    meta = backend.get_task_meta("t1")
    assert meta["status"] == "SUCCESS"
    assert meta["result"] == {"worker": "vm", "heure": "2026-12-05T05:45:58"}


def test_ecritures_croisees_jamais_melees(tmp_path):
    """Des états courts et longs écrits en même temps par plusieurs fils : chaque lecture
    décode un document entier (le backend « file:// » de Celery laissait un mélange)."""
    backend = _backend(tmp_path)
    cle = backend.get_key_for_task("t2")
    court = json.dumps({"status": "STARTED", "result": {"pid": 1}}).encode()
    long = json.dumps({"status": "RETRY", "result": "x" * 5000}).encode()
    erreurs = []

    def ecrire(valeur):
        for _ in range(200):
            backend.set(cle, valeur)

    def lire():
        for _ in range(400):
            contenu = backend.get(cle)
            if contenu is not None:
                try:
                    json.loads(contenu)
                except ValueError as erreur:
                    erreurs.append(erreur)

    fils = [threading.Thread(target=ecrire, args=(v,)) for v in (court, long, court, long)]
    fils.append(threading.Thread(target=lire))
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert erreurs == []
    assert json.loads(backend.get(cle))["status"] in {"STARTED", "RETRY"}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith("provisoire")]
