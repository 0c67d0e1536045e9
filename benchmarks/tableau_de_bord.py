"""Banc d'essai du tableau de bord des responsables (PostgreSQL, données de volume).

Préparer (une fois) la base de volume, avec un an de passages (≈ 300 000) :
    DATABASE_URL=postgres://…/ccas_bench python manage.py migrate
    DATABASE_URL=… python manage.py charger_referentiels --wet-run
    DATABASE_URL=… python manage.py demo_data --wet-run --foyers 100000 --jours 260 \\
        --passages-par-jour 200 --renforts --interventions 1000000
    (et, pour la chaîne du non-recours, un passage de benchmarks/detection.py)
Lancer :
    DATABASE_URL=… python benchmarks/tableau_de_bord.py [--requetes 50]

Mesure le temps serveur de chaque page, requête entière dans le processus (client de test de
Django connecté par force_login : intergiciels, vue, requêtes SQL, gabarit), DEBUG désactivé
comme en production, pour une période d'un an (les 12 derniers mois), tous sites : la vue
d'ensemble, puis la page d'un axe (ou de chacun, --axes). Deux temps :
- le calcul des chiffres (« Recalculer maintenant », ce que fait Celery chaque nuit pour les
  périodes courantes, ou la première demande d'une autre combinaison de filtres) : les
  agrégats SQL, nombre de requêtes et les plus lentes ;
- la page servie depuis son instantané (toutes les demandes suivantes) : médiane, p95, max.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccas_portal.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from ccas_portal.models import Agent  # noqa: E402
from ccas_portal.pilotage.forms import FiltresForm  # noqa: E402
from ccas_portal.pilotage.instantanes import obtenir  # noqa: E402
from droits.axes import AXES  # noqa: E402


def mesurer(client, url: str, params: dict, n: int) -> list[float]:
    for _ in range(3):  # échauffement : caches de PostgreSQL et des gabarits
        client.get(url, params)
    durees = []
    for _ in range(n):
        debut = time.perf_counter()
        reponse = client.get(url, params)
        durees.append((time.perf_counter() - debut) * 1000)
        if reponse.status_code != 200:
            sys.exit(f"{url} : réponse {reponse.status_code}")
    return durees


class Compteur(list):
    def __call__(self, execute, *args):
        self.append(1)
        return execute(*args)


def p95(durees: list[float]) -> float:
    return statistics.quantiles(durees, n=20)[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requetes", type=int, default=50, help="requêtes par page (50)")
    parser.add_argument("--axes", action="store_true", help="mesurer chaque page d'axe")
    parser.add_argument("--calculs", type=int, default=3, help="calculs des chiffres (3)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Ce banc d'essai vise PostgreSQL : définissez DATABASE_URL.")
    agent = Agent.objects.get(username="responsable")  # compte de démonstration (demo_data)
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)
    fin = timezone.localdate()
    params = {
        "periode": "dates",
        "du": (fin - timedelta(days=364)).isoformat(),
        "au": fin.isoformat(),
    }
    print(f"Période : du {params['du']} au {params['au']}, tous sites, tous axes")
    pages = [("Vue d'ensemble", reverse("tableau_de_bord"))]
    axes = AXES if args.axes else {"logement": AXES["logement"]}
    pages += [
        (f"Axe {axe.libelle_court}", reverse("tableau_de_bord_axe", args=[code]))
        for code, axe in axes.items()
    ]
    for titre, url in pages:
        axe = url.rstrip("/").split("/")[-1] if "/axes/" in url else None
        calcul = []
        for _ in range(args.calculs):
            with CaptureQueriesContext(connection) as requetes:
                debut = time.perf_counter()
                obtenir(
                    FiltresForm(params, agent=agent, avec_axes=axe is None).filtres(axe=axe),
                    axe,
                    recalculer=True,
                )
                calcul.append((time.perf_counter() - debut) * 1000)
        sql = sorted(requetes.captured_queries, key=lambda r: -float(r["time"]))
        print(
            f"{titre} — calcul des chiffres : médiane {statistics.median(calcul):.0f} ms "
            f"(max {max(calcul):.0f} ms, {len(calcul)} calculs) ; "
            f"{len(requetes.captured_queries)} requêtes SQL, "
            f"{sum(float(r['time']) for r in sql) * 1000:.0f} ms en base ; les plus lentes : "
            + ", ".join(f"{float(r['time']) * 1000:.0f} ms" for r in sql[:3])
        )
        compte = Compteur()  # request_started vide le journal des requêtes : on compte au passage
        with connection.execute_wrapper(compte):
            client.get(url, params)
        durees = mesurer(client, url, params, args.requetes)
        print(
            f"{titre} — page servie : médiane {statistics.median(durees):.0f} ms, "
            f"p95 {p95(durees):.0f} ms, max {max(durees):.0f} ms ; "
            f"{len(compte)} requêtes SQL"
        )


if __name__ == "__main__":
    main()
