"""Le tas d'un worker `--pool solo` porté à sa taille de travail avant son premier lot
(ADR 0043) : le lot fictif, les seuils de l'allocateur, et seulement pour un worker qui calcule
lui-même."""

import platform
from datetime import date
from types import SimpleNamespace

import pytest
from celery.concurrency.prefork import TaskPool as PoolPrefork
from celery.concurrency.solo import TaskPool as PoolSolo

from droits import tasks
from droits.detection import memoire, moteur

MOIS = date(2026, 10, 1)


def test_les_foyers_fictifs_ressemblent_a_ceux_d_un_lot():
    """≈ 2,3 personnes par foyer (les données de volume : 2,34), chacune datée, des
    identifiants propres à chaque foyer et à chaque personne, des ressources de chaque sorte
    convertie (salaire, retraite, allocation chômage)."""
    foyers = moteur.foyers_fictifs(600, MOIS)
    personnes = [p for f in foyers for p in f.personnes]
    assert len(foyers) == 600
    assert len({f.id for f in foyers}) == 600
    assert len({p.id for p in personnes}) == len(personnes)
    assert 2.2 <= len(personnes) / len(foyers) <= 2.5
    assert all(p.date_naissance for p in personnes)
    sortes = {t for p in personnes for t, *_ in p.ressources}
    assert sortes == {"salaire_net", "retraite", "chomage"}
    # Des montants et des loyers qui varient d'un foyer à l'autre, pas un seul foyer répété.
    assert len({f.loyer for f in foyers}) > 1
    assert len({p.ressources[0][1] for p in personnes if p.ressources}) > 10


@pytest.mark.moteur
def test_le_prechauffage_du_tas_simule_un_lot_fictif_de_la_taille_demandee(monkeypatch):
    """Les seuils de l'allocateur d'abord, puis un lot fictif de la taille demandée, simulé
    d'une traite ; ensuite le ramasse-miettes n'a plus rien à reparcourir."""
    import gc

    appels = []
    monkeypatch.setattr(memoire, "garder_le_tas", lambda: appels.append("tas") or True)
    monkeypatch.setattr(moteur, "garder_le_tas", memoire.garder_le_tas)
    simuler = moteur.simuler

    def simuler_et_noter(foyers, mois):
        appels.append(("simuler", len(foyers), mois))
        return simuler(foyers, mois)

    monkeypatch.setattr(moteur, "simuler", simuler_et_noter)
    moteur.prechauffer_le_tas(MOIS, 30)
    assert appels == ["tas", ("simuler", 30, MOIS)]
    assert len(gc.get_objects()) < 10_000


@pytest.mark.moteur
def test_le_lot_fictif_a_des_droits_comme_un_vrai_lot():
    """Le lot fictif passe par tout le calcul : des droits probables de plusieurs prestations
    (pas un calcul écourté qui laisserait le tas petit)."""
    resultats = moteur.simuler(moteur.foyers_fictifs(12, MOIS), MOIS)
    assert len(resultats) == 12
    prestations = {e.prestation for estimations in resultats.values() for e in estimations}
    assert len(prestations) >= 3


def test_les_seuils_de_l_allocateur_sont_acceptes_par_la_glibc_et_ignores_ailleurs():
    """mallopt n'existe que dans la glibc : ailleurs (musl, macOS), rien n'est changé."""
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert memoire.garder_le_tas() is glibc


def _worker(pool, files=("celery", "detection")):
    """Ce que le signal `worker_ready` donne du worker : son pool et les files qu'il sert."""
    from celery.app.amqp import Queues
    from kombu import Queue

    queues = Queues([Queue(nom) for nom in ("celery", "detection")])
    queues.select(files)
    return SimpleNamespace(pool=pool, app=SimpleNamespace(amqp=SimpleNamespace(queues=queues)))


@pytest.mark.parametrize("files", [("celery", "detection"), ("detection",)])
def test_un_worker_solo_prechauffe_son_tas_a_la_taille_d_un_lot(monkeypatch, settings, files):
    settings.DETECTION_TAILLE_LOT = 1234
    appels = []
    monkeypatch.setattr(moteur, "prechauffer_le_tas", lambda mois, n: appels.append((mois, n)))
    tasks.prechauffer_le_tas(sender=_worker(PoolSolo.__new__(PoolSolo), files))
    assert len(appels) == 1
    mois, n = appels[0]
    assert n == 1234
    assert mois.day == 1


@pytest.mark.parametrize(
    "worker",
    [
        # --concurrency N : ses processus de calcul naissent par fork
        _worker(PoolPrefork.__new__(PoolPrefork)),
        _worker(None),
        None,
        # --pool solo, mais seulement les tâches courtes : il ne calcule pas de lot
        _worker(PoolSolo.__new__(PoolSolo), files=("celery",)),
    ],
)
def test_pas_de_lot_fictif_hors_pool_solo(monkeypatch, worker):
    appels = []
    monkeypatch.setattr(moteur, "prechauffer_le_tas", lambda *a: appels.append(a))
    tasks.prechauffer_le_tas(sender=worker)
    assert appels == []


def test_le_reglage_coupe_le_lot_fictif(monkeypatch, settings):
    settings.DETECTION_PRECHAUFFAGE_TAS = False
    appels = []
    monkeypatch.setattr(moteur, "prechauffer_le_tas", lambda *a: appels.append(a))
    tasks.prechauffer_le_tas(sender=_worker(PoolSolo.__new__(PoolSolo)))
    assert appels == []
