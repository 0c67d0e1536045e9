"""Banc d'essai des pages du travailleur social : portefeuille et dossier du foyer (PostgreSQL,
données de volume).

Préparer (une fois) :
    DATABASE_URL=postgres://…/ccas_bench python manage.py migrate
    DATABASE_URL=… python manage.py charger_referentiels --wet-run
    DATABASE_URL=… python manage.py demo_data --wet-run --foyers 100000 --jours 60 \\
        --passages-par-jour 120 --renforts --interventions 1000000
Lancer :
    DATABASE_URL=… python benchmarks/accompagnement.py [--requetes 200]

Au premier lancement, le banc prépare ses données, dans la base de banc seulement (il refuse
une base dont le nom ne contient pas « bench ») : un travailleur social « banc-portefeuille »
de la Maison des Habitants de la Villeneuve, référent de 200 accompagnements de son site (pris
à ses collègues), dont celui d'un foyer au dossier très chargé (environ 300 entrées dans la
chronologie : passages, changements de statut, interventions, orientations), créé s'il n'existe
pas. Les lancements suivants le retrouvent.

Mesure le temps serveur de chaque page, requête entière dans le processus (client de test de
Django connecté par force_login : intergiciels, vue, requêtes SQL, gabarit), DEBUG désactivé
comme en production : la page « Mes accompagnements » (/accompagnements/) avec plusieurs
combinaisons de filtres, et le dossier du foyer (/accompagnements/foyers/<pk>/) pour le gros
dossier, les dossiers les plus chargés du site et des dossiers ordinaires. Affiche médiane, p95,
max, nombre de requêtes SQL par page et la plus lente d'entre elles. Chaque consultation d'un
dossier écrit une entrée du journal des accès, comme en vrai.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccas_portal.settings.dev")
# Comme en production : ni journal des requêtes SQL ni informations de débogage des gabarits.
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accompagnement import selectors  # noqa: E402
from accompagnement.demo import creer_accompagnements  # noqa: E402
from accompagnement.filters import PortefeuilleFilter  # noqa: E402
from accompagnement.models import Accompagnement  # noqa: E402
from ccas_portal.enums import Role  # noqa: E402
from ccas_portal.models import Agent, Site  # noqa: E402
from ccas_portal.services import creer_agent  # noqa: E402
from habitants.enums import ModePassage, ReponsePassage  # noqa: E402
from habitants.models import Foyer, MembreFoyer, Motif, Passage  # noqa: E402

IDENTIFIANT = "banc-portefeuille"
SITE = "mdh-villeneuve"
PORTEFEUILLE = 200
ENTREES_GROS_DOSSIER = 300


def entrees(agent, foyer) -> int:
    """Le nombre d'entrées de la chronologie du dossier, telle que la page la construit."""
    accompagnements = list(selectors.accompagnements_du_foyer(foyer))
    intervenant = selectors.ids_intervenant(agent, foyer)
    return len(selectors.chronologie(agent, foyer, accompagnements, intervenant))


def confier(agent, accompagnements) -> None:
    """Fait de `agent` le référent de ces accompagnements (base de banc seulement)."""
    ids = list(accompagnements.values_list("pk", flat=True))
    Accompagnement.objects.filter(pk__in=ids).update(referent=agent)
    Accompagnement.co_intervenants.through.objects.filter(
        accompagnement_id__in=ids, agent_id=agent.pk
    ).delete()


def gros_dossier(agent, site, hasard) -> Foyer:
    """Le foyer de `site` au dossier d'environ 300 entrées, créé s'il n'existe pas encore."""
    existant = (
        Foyer.objects.filter(site=site, accompagnements__referent=agent)
        .annotate(n=Count("accompagnements__interventions"))
        .filter(n__gte=200)
        .first()
    )
    if existant:
        return existant
    foyer = (
        Foyer.objects.filter(site=site, accompagnements__isnull=True)
        .annotate(n=Count("membres", filter=Q(membres__date_fin__isnull=True)))
        .filter(n__gte=4)
        .order_by("pk")
        .first()
    )
    print(f"Préparation : gros dossier sur le foyer {foyer.pk}…")
    creer_accompagnements(
        foyers=Foyer.objects.filter(pk=foyer.pk),
        proportion=1,
        interventions=ENTREES_GROS_DOSSIER - 60,
        graine=hasard.randint(0, 10**6),
    )
    confier(agent, Accompagnement.objects.filter(foyer=foyer))
    # Des passages à l'accueil des membres du foyer pour compléter la chronologie.
    manque = ENTREES_GROS_DOSSIER - entrees(agent, foyer)
    membres = list(MembreFoyer.objects.filter(foyer=foyer, date_fin__isnull=True))
    accueil = Agent.objects.filter(role=Role.ACCUEIL).first() or agent
    motifs = list(Motif.objects.filter(actif=True))
    maintenant = timezone.now()
    passages = []
    for _ in range(max(0, manque)):
        membre = hasard.choice(membres)
        jour = maintenant - timedelta(days=hasard.randint(1, 700), hours=hasard.randint(0, 8))
        jour = max(
            jour, timezone.make_aware(datetime.combine(membre.date_debut, datetime.min.time()))
        )
        passages.append(
            Passage(
                site=site,
                agent=accueil,
                habitant_id=membre.habitant_id,
                date_heure=jour,
                mode=hasard.choice(list(ModePassage)),
                reponse=hasard.choice(list(ReponsePassage)),
            )
        )
    Passage.objects.bulk_create(passages)
    Passage.motifs.through.objects.bulk_create(
        [Passage.motifs.through(passage=p, motif=hasard.choice(motifs)) for p in passages]
    )
    return foyer


def preparer(hasard):
    """(agent, gros foyer) : l'agent au portefeuille de 200 accompagnements, créé au besoin."""
    site = Site.objects.get(code=SITE)
    agent = Agent.objects.filter(username=IDENTIFIANT).first()
    if agent is None:
        agent = creer_agent(
            identifiant=IDENTIFIANT,
            prenom="Banc",
            nom="d'Essai",
            role=Role.TRAVAILLEUR_SOCIAL,
            sites=[site],
            mot_de_passe=None,
        )
    foyer = gros_dossier(agent, site, hasard)
    manque = PORTEFEUILLE - Accompagnement.objects.filter(referent=agent).count()
    if manque > 0:
        print(f"Préparation : {manque} accompagnements confiés à {IDENTIFIANT}…")
        ids = list(
            Accompagnement.objects.filter(foyer__site=site)
            .exclude(referent=agent)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        confier(agent, Accompagnement.objects.filter(pk__in=hasard.sample(ids, manque)))
    return agent, foyer


def compter(table: str) -> int:
    with connection.cursor() as c:
        c.execute(f"SELECT count(*) FROM {table}")
        return c.fetchone()[0]


def mesurer(client, urls: list[str], n: int) -> list[float]:
    for k in range(20):  # échauffement : caches de PostgreSQL et des gabarits
        client.get(urls[k % len(urls)])
    durees = []
    for k in range(n):
        url = urls[k % len(urls)]
        debut = time.perf_counter()
        reponse = client.get(url)
        durees.append((time.perf_counter() - debut) * 1000)
        if reponse.status_code != 200:
            sys.exit(f"{url} : réponse {reponse.status_code}")
    return durees


def requetes_sql(client, urls: list[str]) -> tuple[str, float]:
    """Nombre de requêtes SQL par page (min–max sur les URL) et la plus lente (ms)."""
    nombres, plus_lente = [], 0.0
    for url in urls[:10]:
        with CaptureQueriesContext(connection) as capture:
            client.get(url)
        nombres.append(len(capture.captured_queries))
        plus_lente = max([plus_lente, *(float(q["time"]) * 1000 for q in capture)])
    bornes = f"{min(nombres)}" if min(nombres) == max(nombres) else f"{min(nombres)}–{max(nombres)}"
    return bornes, plus_lente


def ligne(nom, durees, requetes, plus_lente, precision=""):
    q = statistics.quantiles(durees, n=100)
    print(
        f"{nom:<44} médiane {statistics.median(durees):6.1f} ms   p95 {q[94]:6.1f} ms   "
        f"max {max(durees):6.1f} ms   {requetes:>5} requêtes SQL (la plus lente "
        f"{plus_lente:5.1f} ms){precision}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requetes", type=int, default=200, help="requêtes par mesure (200)")
    parser.add_argument("--graine", type=int, default=7)
    parser.add_argument(
        "--pages",
        choices=["toutes", "portefeuille", "dossier"],
        default="toutes",
        help="les pages à mesurer (toutes)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Ce banc d'essai vise PostgreSQL : définissez DATABASE_URL.")
    if "bench" not in connection.settings_dict["NAME"]:
        sys.exit("Le banc modifie sa base : donnez-lui une base dont le nom contient « bench ».")
    agent, gros = preparer(random.Random(args.graine))
    hasard = random.Random(args.graine)  # le même tirage des dossiers ordinaires à chaque fois
    with connection.cursor() as c:
        c.execute("SELECT version()")
        version = c.fetchone()[0].split(",")[0]
    volumes = {
        "foyers": compter("habitants_foyer"),
        "personnes": compter("habitants_habitant"),
        "passages": compter("habitants_passage"),
        "accompagnements": compter("accompagnement_accompagnement"),
        "changements de statut": compter("accompagnement_changementstatut"),
        "interventions": compter("accompagnement_intervention"),
        "orientations": compter("accompagnement_orientation"),
        "travailleurs sociaux": Agent.objects.filter(role=Role.TRAVAILLEUR_SOCIAL).count(),
    }
    print(version + " — " + ", ".join(f"{n} {nom}" for nom, n in volumes.items()))
    portefeuille = Accompagnement.objects.visibles_par(agent)
    print(
        f"Portefeuille de {IDENTIFIANT} : {portefeuille.count()} accompagnements "
        f"({dict(portefeuille.values_list('statut').annotate(n=Count('pk')).order_by())}), "
        f"{args.requetes} requêtes par mesure"
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)

    if args.pages in ("toutes", "portefeuille"):
        mesurer_portefeuille(client, agent, args.requetes)
    if args.pages in ("toutes", "dossier"):
        mesurer_dossiers(client, agent, gros, hasard, args.requetes)


def mesurer_portefeuille(client, agent, n):
    print("\nMes accompagnements (/accompagnements/)")
    base = reverse("accompagnement:mes_accompagnements")
    dans_30_jours = (timezone.localdate() + timedelta(days=30)).isoformat()
    filtres = {
        "sans filtre (1re page, 25 lignes)": {},
        "en cours, tri par prochaine échéance": {"statut": "en_cours", "tri": "prochaine_echeance"},
        "logement, sans intervention depuis 30 j": {
            "axe": "logement",
            "sans_intervention_depuis": "30",
        },
        "échéance ≤ J+30, tri dernière intervention": {
            "echeance_avant": dans_30_jours,
            "tri": "-derniere_intervention",
        },
        "page 8": {"page": "8"},
    }
    for nom, parametres in filtres.items():
        url = f"{base}?{urlencode(parametres)}" if parametres else base
        filtre = PortefeuilleFilter(
            parametres or None, queryset=selectors.portefeuille(agent), agent=agent
        )
        resultats = filtre.qs.count()
        durees = mesurer(client, [url], n)
        ligne(nom, durees, *requetes_sql(client, [url]), precision=f", {resultats} résultats")


def mesurer_dossiers(client, agent, gros, hasard, n):
    print("\nDossier du foyer (/accompagnements/foyers/<pk>/)")
    site = Site.objects.get(code=SITE)
    charges = list(
        Foyer.objects.filter(site=site)
        .exclude(pk=gros.pk)
        .annotate(n=Count("accompagnements__interventions"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)[:20]
    )
    avec_accompagnement = list(
        Foyer.objects.filter(site=site, accompagnements__isnull=False)
        .exclude(pk__in=[gros.pk, *charges])
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ordinaires = hasard.sample(avec_accompagnement, 20)
    groupes = {
        "gros dossier": [gros.pk],
        "20 dossiers les plus chargés du site": charges,
        "20 dossiers ordinaires (accompagnés)": ordinaires,
    }
    for nom, pks in groupes.items():
        tailles = [entrees(agent, Foyer.objects.get(pk=pk)) for pk in pks]
        precision = (
            f", {tailles[0]} entrées"
            if len(tailles) == 1
            else f", {min(tailles)}–{max(tailles)} entrées (médiane {statistics.median(tailles):g})"
        )
        urls = [reverse("accompagnement:dossier", args=[pk]) for pk in pks]
        durees = mesurer(client, urls, n)
        ligne(nom, durees, *requetes_sql(client, urls), precision=precision)


if __name__ == "__main__":
    main()
