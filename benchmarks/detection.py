"""Banc d'essai de la détection du non-recours (PostgreSQL + Redis, données de volume).

Préparer (une fois) la base de volume comme pour benchmarks/recherche.py :
    DATABASE_URL=postgres://…/ccas_bench python manage.py migrate
    DATABASE_URL=… python manage.py charger_referentiels --wet-run
    DATABASE_URL=… python manage.py demo_data --wet-run --foyers 100000
Lancer (Redis requis : plusieurs workers partagent une exécution) :
    DATABASE_URL=… CELERY_BROKER_URL=redis://127.0.0.1:6379/14 python benchmarks/detection.py

Mesure, dans la même exécution et sur les mêmes foyers :
1. le débit brut d'OpenFisca : `moteur.simuler` sur des lots déjà chargés (simulation seule) ;
2. une exécution complète de bout en bout (coordinateur, lots, écriture des signalements) avec
   1 worker puis 2 workers (processus `celery worker --pool solo`, file detection), et la
   mémoire résidente maximale de chaque worker (échantillonnée toutes les 0,2 s), chacun à
   partir d'une base sans signalement (même travail) ;
3. une repasse complète sans changement (signalements à revoir, rien à créer) ;
4. une exécution incrémentale après avoir marqué 1 % des foyers comme modifiés.
Et, avant tout cela (seul avec `--seuils-seulement`), le coût de la proximité des seuils
(ADR 0019) : temps processeur de `moteur.simuler` puis de `moteur.sensibilite` sur les foyers
qui auront un signalement d'une prestation légale, lot par lot (temps processeur : la machine
partagée rend les durées réelles peu parlantes).
Rien n'est chronométré dans les tests : les chiffres vont dans docs/benchmarks.md.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccas_portal.settings.dev")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from droits.detection import moteur  # noqa: E402
from droits.detection.execution import lancer_detection, mois_courant  # noqa: E402
from droits.detection.situation import charger_foyers  # noqa: E402
from droits.models import ExecutionDetection, Signalement  # noqa: E402
from habitants.models import Foyer  # noqa: E402


def debit_brut(ids: list[int], taille: int) -> tuple[float, float]:
    """(foyers/s en simulation seule, secondes de chargement) sur `ids`."""
    moteur.prechauffer(mois_courant())  # comme un worker à son démarrage
    chargement = simulation = 0.0
    for depart in range(0, len(ids), taille):
        t = time.perf_counter()
        foyers = charger_foyers(ids[depart : depart + taille], mois_courant())
        chargement += time.perf_counter() - t
        t = time.perf_counter()
        moteur.simuler(foyers, mois_courant())
        simulation += time.perf_counter() - t
    return len(ids) / simulation, chargement


def cout_des_seuils(ids: list[int], taille: int) -> None:
    """Temps processeur de la simulation d'un lot et de sa re-simulation à ressources ± écart
    (les foyers qui auront un signalement d'une prestation légale seulement, comme
    `execution.traiter_lot`)."""
    from droits.detection.execution import ecart_seuil
    from droits.enums import STATUTS_EN_COURS
    from droits.models import PrestationFoyer

    moteur.prechauffer(mois_courant())
    simulation = seuils = 0.0
    simules = resimules = 0
    for depart in range(0, len(ids), taille):
        lot = ids[depart : depart + taille]
        foyers = charger_foyers(lot, mois_courant())
        t = time.process_time()
        resultats = moteur.simuler(foyers, mois_courant())
        simulation += time.process_time() - t
        en_cours: dict[int, set[str]] = {}
        for foyer_id, code in PrestationFoyer.objects.filter(
            foyer_id__in=lot, statut__in=STATUTS_EN_COURS
        ).values_list("foyer_id", "prestation_id"):
            en_cours.setdefault(foyer_id, set()).add(code)
        a_expliquer = [
            f
            for f in foyers
            if any(e.prestation not in en_cours.get(f.id, ()) for e in resultats.get(f.id, ()))
        ]
        t = time.process_time()
        moteur.sensibilite(a_expliquer, mois_courant(), ecart_seuil(), taille)
        seuils += time.process_time() - t
        simules += len(resultats)
        resimules += len(a_expliquer)
    print(
        f"Proximité des seuils (± {ecart_seuil():.0%}) : simulation {simulation:.1f} s de "
        f"processeur pour {simules} foyers, re-simulation {seuils:.1f} s pour {resimules} "
        f"foyers signalés (× 2 copies) : +{100 * seuils / simulation:.0f} %"
    )


class Workers:
    """n workers Celery en processus séparés, et leur mémoire résidente maximale."""

    def __init__(self, n: int, taille: int):
        env = {**os.environ, "DETECTION_TAILLE_LOT": str(taille)}
        self.journaux = [
            Path(tempfile.mkdtemp(prefix="banc-detection-")) / f"banc{i}.log" for i in range(n)
        ]
        self.processus = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "ccas_portal",
                    "worker",
                    "--pool",
                    "solo",
                    "--queues",
                    "celery,detection",
                    "--hostname",
                    f"banc{i}@%h",
                    "--loglevel",
                    "INFO",
                    "--logfile",
                    str(self.journaux[i]),
                ],
                cwd=RACINE,
                env=env,
                start_new_session=True,
            )
            for i in range(n)
        ]
        self.pics = [0] * n
        self._fini = threading.Event()
        self._fil = threading.Thread(target=self._echantillonner, daemon=True)
        self._fil.start()

    def _echantillonner(self):
        while not self._fini.is_set():
            for i, p in enumerate(self.processus):
                try:
                    rss = psutil.Process(p.pid).memory_info().rss
                    rss += sum(c.memory_info().rss for c in psutil.Process(p.pid).children(True))
                    self.pics[i] = max(self.pics[i], rss)
                except psutil.Error:
                    pass
            time.sleep(0.2)

    def temps_des_lots(self) -> dict[str, list[float]]:
        """Les temps par lot que chaque worker a journalisés (chargement, simulation,
        signalements)."""
        temps: dict[str, list[float]] = {"chargement": [], "simulation": [], "signalements": []}
        for journal in self.journaux:
            for ligne in journal.read_text().splitlines():
                for etape in temps:
                    trouve = re.search(rf"{etape} ([0-9.]+) s", ligne)
                    if trouve and " de l'exécution " in ligne:
                        temps[etape].append(float(trouve.group(1)))
        return temps

    def arreter(self):
        self._fini.set()
        for p in self.processus:
            os.killpg(p.pid, signal.SIGTERM)
        for p in self.processus:
            p.wait(timeout=60)


def repartir_de_zero():
    """Chaque exécution complète fait le même travail : aucun signalement ni état au départ."""
    with connection.cursor() as curseur:
        curseur.execute(
            "TRUNCATE droits_changementsignalement, droits_signalement, "
            "droits_etatdetectionfoyer, droits_lotdetection, droits_executiondetection"
        )


def executer(perimetre: str, n_workers: int, taille: int) -> tuple[ExecutionDetection, float, list]:
    workers = Workers(n_workers, taille)
    try:
        time.sleep(15)  # démarrage des workers et construction de leur système socio-fiscal
        debut = time.perf_counter()
        execution = lancer_detection(declencheur="banc d'essai", perimetre=perimetre)
        while True:
            execution.refresh_from_db()
            if execution.statut in ("terminee", "echouee"):
                break
            time.sleep(0.2)
        duree = time.perf_counter() - debut
    finally:
        workers.arreter()
    temps = workers.temps_des_lots()
    print(
        f"   {len(temps['simulation'])} lots ; par lot, en moyenne : "
        + ", ".join(f"{etape} {statistics.mean(v):.2f} s" for etape, v in temps.items() if v)
    )
    return execution, duree, workers.pics


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taille-lot", type=int, default=settings.DETECTION_TAILLE_LOT)
    parser.add_argument(
        "--seuils-seulement",
        action="store_true",
        help="ne mesurer que le coût de la proximité des seuils (rien n'est écrit)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
        sys.exit("Ce banc d'essai demande PostgreSQL (DATABASE_URL) et Redis (CELERY_BROKER_URL).")
    if "bench" not in connection.settings_dict["NAME"]:
        sys.exit("Ce banc d'essai efface les signalements : base de banc seulement (« bench »).")
    ids = list(Foyer.objects.order_by("pk").values_list("pk", flat=True))
    print(f"{len(ids)} foyers, lots de {args.taille_lot}, mois simulé {mois_courant():%m/%Y}")
    cout_des_seuils(ids, args.taille_lot)
    if args.seuils_seulement:
        return

    brut, chargement = debit_brut(ids, args.taille_lot)
    print(
        f"OpenFisca brut (simulation seule) : {brut:.0f} foyers/s "
        f"(chargement des données : {chargement:.1f} s, non compté)"
    )

    perimetre = "tous"
    resultats = {}
    for n in (1, 2):
        repartir_de_zero()
        execution, duree, pics = executer(perimetre, n, args.taille_lot)
        resultats[n] = execution.total / duree
        print(
            f"{n} worker(s) : {execution.total} foyers en {duree:.1f} s → "
            f"{resultats[n]:.0f} foyers/s ({execution.statut}) ; pic mémoire par worker : "
            + ", ".join(f"{p / 2**30:.2f} Go" for p in pics)
        )
        print(
            f"   signalements créés : {execution.signalements_crees}, "
            f"incomplets : {execution.incomplets}, comptes : {execution.comptes}"
        )
    print(f"Bout en bout / brut (1 worker) : {100 * resultats[1] / brut:.0f} % (objectif ≥ 80 %)")
    print(f"2 workers / 1 worker : ×{resultats[2] / resultats[1]:.2f} (objectif ≥ ×1,4)")

    execution, duree, pics = executer(perimetre, 1, args.taille_lot)
    print(
        f"Repasse complète sans changement (1 worker, signalements déjà là) : {execution.total} "
        f"foyers en {duree:.1f} s → {execution.total / duree:.0f} foyers/s, "
        f"{execution.signalements_crees} créés"
    )

    centieme = ids[::100]
    Foyer.objects.filter(pk__in=centieme).update(faits_modifies_le=timezone.now())
    execution, duree, pics = executer("modifies", 1, args.taille_lot)
    print(
        f"Incrémental, {len(centieme)} foyers modifiés (1 %) : {execution.total} resimulés en "
        f"{duree:.1f} s (objectif < 10 s)"
    )
    print(f"Signalements en base : {Signalement.objects.count()}")


if __name__ == "__main__":
    main()
