"""Banc d'essai de la recherche de personnes (PostgreSQL, données de volume).

Préparer (une fois) :
    DATABASE_URL=postgres://…/ccas_bench python manage.py migrate
    DATABASE_URL=… python manage.py charger_referentiels --wet-run
    DATABASE_URL=… python manage.py demo_data --wet-run --foyers 100000
Lancer :
    DATABASE_URL=… python benchmarks/recherche.py [--requetes 300]

Mesure, pour un jeu de requêtes réalistes tirées des personnes en base (nom et prénom exacts,
sans accents ni majuscules, avec une faute de frappe, nom seul, variante d'orthographe), le temps
serveur d'une recherche telle que la page d'accueil la fait (première page de 10 résultats et
leur nombre total, en une requête), avec la recherche du portail (trigrammes, index GIN) puis de façon naïve
(`icontains` sur les colonnes non indexées), dans la même exécution. Affiche médiane, p95,
rapport, taux de personnes retrouvées dans la première page, et le plan d'exécution (EXPLAIN).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccas_portal.settings.dev")

import django

django.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from ccas_portal.enums import Role  # noqa: E402
from ccas_portal.models import Agent, Site  # noqa: E402
from ccas_portal.pagination import paginer  # noqa: E402
from habitants.models import Habitant  # noqa: E402
from habitants.normalisation import normaliser  # noqa: E402
from habitants.selectors import CriteresRecherche, rechercher_habitants  # noqa: E402

VARIANTES = {
    "mohammed": "Mohamed",
    "mohamed": "Mohammed",
    "lefebvre": "Lefèvre",
    "lefevre": "Lefebvre",
    "dupont": "Dupond",
    "ndiaye": "N'Diaye",
}


def faute_de_frappe(mot: str, hasard: random.Random) -> str:
    if len(mot) < 5:
        return mot
    i = hasard.randint(1, len(mot) - 2)
    return hasard.choice(
        [
            mot[:i] + mot[i + 1 :],  # lettre oubliée
            mot[:i] + mot[i + 1] + mot[i] + mot[i + 2 :],  # lettres inversées
            mot[:i] + mot[i] + mot[i:],  # lettre doublée
        ]
    )


def requetes(n: int, hasard: random.Random) -> list[tuple[str, str, int]]:
    """[(type, texte, id attendu)] tirées au hasard parmi les personnes en base."""
    ids = list(Habitant.objects.values_list("id", flat=True))
    personnes = Habitant.objects.in_bulk(hasard.sample(ids, n))
    jeu = []
    for h in personnes.values():
        nom, prenom = h.nom_usage, h.prenoms
        choix = hasard.choice(["exact", "sans_accents", "faute", "nom_seul", "variante"])
        if choix == "exact":
            texte = f"{nom} {prenom}"
        elif choix == "sans_accents":
            texte = normaliser(f"{prenom} {nom}")
        elif choix == "faute":
            texte = f"{faute_de_frappe(nom, hasard)} {prenom}"
        elif choix == "nom_seul":
            texte = nom
        else:
            cle = normaliser(prenom) if normaliser(prenom) in VARIANTES else normaliser(nom)
            texte = f"{VARIANTES.get(cle, nom)} {prenom if cle != normaliser(prenom) else nom}"
        jeu.append((choix, texte, h.id))
    return jeu


def naive(agent, texte: str):
    qs = Habitant.objects.filter(site_id__in=agent.ids_sites)
    for mot in texte.split():
        qs = qs.filter(
            Q(nom_usage__icontains=mot)
            | Q(prenoms__icontains=mot)
            | Q(nom_naissance__icontains=mot)
        )
    return qs.order_by("nom_usage", "prenoms", "id")


def portail(agent, texte: str):
    return rechercher_habitants(agent, CriteresRecherche(texte=texte))


def page_django(qs):
    """Pagination par défaut de Django : un COUNT puis la page (deux passages)."""
    page = Paginator(qs, 10).get_page(1)
    page.paginator.count  # noqa: B018  (le compte affiché sur la page)
    return page


def page_portail(qs):
    return paginer(qs, 1, par_page=10)


def mesurer(fonction, agent, jeu, noms, pagination=page_portail):
    """Durées (ms) et nombre de requêtes dont la 1re page montre le bon nom et prénom.

    La population générée a beaucoup d'homonymes : « retrouvée » veut dire qu'une personne
    portant exactement les nom et prénoms visés est dans la première page.
    """
    durees, trouves = [], 0
    for _, texte, attendu in jeu:
        debut = time.perf_counter()
        page = pagination(fonction(agent, texte))
        lus = [(h.nom_normalise, h.prenoms_normalises) for h in page]
        durees.append((time.perf_counter() - debut) * 1000)
        trouves += noms[attendu] in lus
    return durees, trouves


def resume(nom, durees, trouves, total):
    q = statistics.quantiles(durees, n=100)
    print(
        f"{nom:<28} médiane {statistics.median(durees):7.1f} ms   p95 {q[94]:7.1f} ms   "
        f"max {max(durees):7.1f} ms   retrouvées en 1re page {trouves}/{total}"
    )
    return statistics.median(durees), q[94]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requetes", type=int, default=300)
    parser.add_argument("--graine", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Ce banc d'essai vise PostgreSQL : définissez DATABASE_URL.")
    hasard = random.Random(args.graine)
    # Un agent non enregistré qui voit toutes les Maisons des Habitants (aucune écriture).
    agent = Agent(username="banc", role=Role.TRAVAILLEUR_SOCIAL, is_active=True)
    agent.__dict__["ids_sites"] = frozenset(
        Site.objects.maisons_des_habitants().values_list("id", flat=True)
    )
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM habitants_habitant")
        personnes = c.fetchone()[0]
        c.execute("SELECT count(*) FROM habitants_foyer")
        foyers = c.fetchone()[0]
        c.execute("SELECT version()")
        version = c.fetchone()[0].split(",")[0]
    print(f"{version} — {foyers} foyers, {personnes} personnes, {args.requetes} requêtes")
    jeu = requetes(args.requetes, hasard)
    noms = {
        h.id: (h.nom_normalise, h.prenoms_normalises)
        for h in Habitant.objects.filter(id__in=[a for _, _, a in jeu])
    }
    for fonction in (portail, naive):  # échauffement : caches de PostgreSQL
        mesurer(fonction, agent, jeu[:20], noms)
    d_portail, t_portail = mesurer(portail, agent, jeu, noms)
    d_naive, t_naive = mesurer(naive, agent, jeu, noms, pagination=page_django)
    d_naive2, t_naive2 = mesurer(naive, agent, jeu, noms)
    med_p, p95_p = resume("portail (trigrammes, GIN)", d_portail, t_portail, len(jeu))
    med_n, p95_n = resume("naïve + Paginator Django", d_naive, t_naive, len(jeu))
    med_n2, p95_n2 = resume("naïve + pagination portail", d_naive2, t_naive2, len(jeu))
    print(
        f"rapport naïve (Paginator) / portail : médiane ×{med_n / med_p:.1f}, "
        f"p95 ×{p95_n / p95_p:.1f}"
    )
    print(
        f"rapport naïve (même pagination) / portail : médiane ×{med_n2 / med_p:.1f}, "
        f"p95 ×{p95_n2 / p95_p:.1f}"
    )
    par_type = {}
    for (choix, _, _), duree in zip(jeu, d_portail, strict=True):
        par_type.setdefault(choix, []).append(duree)
    print(
        "portail, médiane par type de requête : "
        + ", ".join(
            f"{t} {statistics.median(v):.1f} ms ({len(v)})" for t, v in sorted(par_type.items())
        )
    )
    exemple = next(texte for choix, texte, _ in jeu if choix == "faute")
    sql, params = portail(agent, exemple)[:10].query.sql_with_params()
    with connection.cursor() as c:
        c.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
        plan = "\n".join(ligne[0] for ligne in c.fetchall())
    print(f"\nEXPLAIN de la recherche « {exemple} » :\n{plan}")


if __name__ == "__main__":
    main()
