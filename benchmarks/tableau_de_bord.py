"""Banc d'essai du tableau de bord des responsables (PostgreSQL, données de volume).

Préparer (une fois) la base de volume, avec un an de passages (≈ 300 000) :
    DATABASE_URL=postgres://…/ccas_bench python manage.py migrate
    DATABASE_URL=… python manage.py charger_referentiels --wet-run
    DATABASE_URL=… python manage.py demo_data --wet-run --foyers 100000 --jours 260 \\
        --passages-par-jour 200 --renforts --interventions 1000000
    (et, pour la chaîne du non-recours, benchmarks/signalements_volume.py)
    psql "$DATABASE_URL" -c ANALYZE   # si l'autovacuum du serveur est désactivé
    DATABASE_URL=… python manage.py shell -c \
        "from ccas_portal.pilotage.agregats import agreger; agreger()"   # calcul de nuit
Lancer :
    DATABASE_URL=… python benchmarks/tableau_de_bord.py [--requetes 50]

Mesure, DEBUG désactivé comme en production :
1. Le calcul des chiffres d'une combinaison de filtres qui n'a pas été précalculée la nuit
   (dates choisies, un site ; ce que paie la première demande, ou « Recalculer maintenant ») :
   vue d'ensemble et page d'un axe (ou de chacun, --axes), pour plusieurs combinaisons ;
   médiane, p95 et max par page et sur l'ensemble, comme en production (tableaux calculés sur
   plusieurs connexions à la fois), puis une fois l'un après l'autre dans une transaction :
   nombre de requêtes SQL, temps en base et les requêtes les plus lentes.
2. La page servie depuis son instantané (toutes les demandes suivantes), requête entière dans
   le processus (client de test de Django connecté par force_login : intergiciels, vue,
   requêtes SQL, gabarit) : médiane, p95, max.
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

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from ccas_portal.models import Agent  # noqa: E402
from ccas_portal.pilotage.forms import FiltresForm  # noqa: E402
from ccas_portal.pilotage.instantanes import obtenir  # noqa: E402
from droits.axes import AXES  # noqa: E402
from tests.connexion import ClientPortail  # noqa: E402


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
    return statistics.quantiles(durees, n=20, method="inclusive")[-1]


def combinaisons(fin, site) -> list[tuple[str, dict]]:
    """Des filtres que le calcul de nuit ne prépare pas (sauf la première : les 12 derniers
    mois, tous sites, précalculée la nuit, mesurée pour comparaison)."""
    un_an = {"periode": "dates", "du": (fin - timedelta(days=364)).isoformat()}
    un_an["au"] = fin.isoformat()
    decale = {
        "periode": "dates",
        "du": (fin - timedelta(days=400)).isoformat(),
        "au": (fin - timedelta(days=20)).isoformat(),
    }
    trimestre = {
        "periode": "dates",
        "du": (fin - timedelta(days=120)).isoformat(),
        "au": (fin - timedelta(days=30)).isoformat(),
    }
    return [
        ("12 derniers mois, tous sites", un_an),
        ("dates choisies (380 jours), tous sites", decale),
        ("dates choisies (380 jours), un site", {**decale, "sites": [site]}),
        ("dates choisies (90 jours), un site", {**trimestre, "sites": [site]}),
        ("année précédente, un site", {"periode": "annee", "annee": fin.year - 1, "sites": [site]}),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requetes", type=int, default=50, help="requêtes par page (50)")
    parser.add_argument("--axes", action="store_true", help="mesurer chaque page d'axe")
    parser.add_argument("--calculs", type=int, default=3, help="calculs par combinaison (3)")
    parser.add_argument("--site", default="mdh-villeneuve", help="code du site choisi")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Ce banc d'essai vise PostgreSQL : définissez DATABASE_URL.")
    from django.http import QueryDict

    from ccas_portal.models import Site

    agent = Agent.objects.get(username="responsable")  # compte de démonstration (demo_data)
    site = Site.objects.get(code=args.site).pk
    fin = timezone.localdate()
    axes = AXES if args.axes else {"logement": AXES["logement"]}
    pages = [("Vue d'ensemble", None)] + [(f"Axe {a.libelle_court}", c) for c, a in axes.items()]
    tous, sequence = [], []
    print(f"Calcul des chiffres ({args.calculs} par page et par combinaison ; site : {args.site})")
    for nom, params in combinaisons(fin, site):
        donnees = QueryDict(mutable=True)
        for cle, valeur in params.items():
            donnees.setlist(
                cle, [str(v) for v in valeur] if isinstance(valeur, list) else [str(valeur)]
            )
        for titre, axe in pages:
            form = FiltresForm(donnees, agent=agent, avec_axes=axe is None)
            if not form.is_valid():
                sys.exit(f"{nom} : filtres invalides {form.errors}")
            filtres = form.filtres(axe=axe)
            calcul = []
            for _ in range(args.calculs):  # comme en production : hors transaction
                debut = time.perf_counter()
                obtenir(filtres, axe, recalculer=True)
                calcul.append((time.perf_counter() - debut) * 1000)
            tous += calcul
            # Une fois dans une transaction : les requêtes l'une après l'autre, sur la seule
            # connexion qu'on observe (nombre, temps en base, les plus lentes).
            with transaction.atomic(), CaptureQueriesContext(connection) as requetes:
                debut = time.perf_counter()
                obtenir(filtres, axe, recalculer=True)
                sequence.append((time.perf_counter() - debut) * 1000)
            sql = sorted(requetes.captured_queries, key=lambda r: -float(r["time"]))
            print(
                f"  {nom} — {titre} : médiane {statistics.median(calcul):.0f} ms, "
                f"max {max(calcul):.0f} ms ; l'un après l'autre : {sequence[-1]:.0f} ms, "
                f"{len(requetes.captured_queries)} requêtes SQL, "
                f"{sum(float(r['time']) for r in sql) * 1000:.0f} ms en base ; les plus lentes : "
                + ", ".join(f"{float(r['time']) * 1000:.0f} ms" for r in sql[:3])
            )
    print(
        f"Calcul, toutes combinaisons ({len(tous)} calculs) : médiane "
        f"{statistics.median(tous):.0f} ms, p95 {p95(tous):.0f} ms, max {max(tous):.0f} ms"
    )
    print(
        f"Calcul l'un après l'autre ({len(sequence)} calculs) : médiane "
        f"{statistics.median(sequence):.0f} ms, p95 {p95(sequence):.0f} ms, "
        f"max {max(sequence):.0f} ms"
    )

    # Connecté comme la suite de tests le fait, second facteur compris (un responsable ne
    # passe pas sans : sinon chaque page répond 302 vers l'étape du code).
    client = ClientPortail(HTTP_HOST="localhost")
    client.force_login(agent)
    params = combinaisons(fin, site)[0][1]
    for titre, axe in pages:
        url = reverse("tableau_de_bord_axe", args=[axe]) if axe else reverse("tableau_de_bord")
        compte = Compteur()  # request_started vide le journal des requêtes : on compte au passage
        with connection.execute_wrapper(compte):
            client.get(url, params)
        durees = mesurer(client, url, params, args.requetes)
        print(
            f"{titre} — page servie depuis l'instantané : médiane {statistics.median(durees):.0f} ms, "
            f"p95 {p95(durees):.0f} ms, max {max(durees):.0f} ms ; {len(compte)} requêtes SQL"
        )


if __name__ == "__main__":
    main()
