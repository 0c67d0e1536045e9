"""Banc d'essai de la recherche de personnes (PostgreSQL ou SQLite, données de volume).

Préparer (une fois) :
    DATABASE_URL=postgres://…/ccas_bench python manage.py migrate
    DATABASE_URL=… python manage.py charger_referentiels --wet-run
    DATABASE_URL=… python manage.py demo_data --wet-run --foyers 100000
    (SQLite : DATABASE_URL=sqlite:////chemin/absolu/bench.sqlite3)
Lancer :
    DATABASE_URL=… python benchmarks/recherche.py [--requetes 500] [--tous-sites] [--naive]

Jeu de requêtes tirées au hasard parmi les personnes en base, sept sortes : nom et prénom
exacts, sans accents ni majuscules (prénom d'abord), faute de frappe dans le nom (lettre
oubliée, inversée ou doublée), variante d'orthographe qui se prononce pareil (« Mouhamed »,
« Lefaivre », « Filipe »…, sur le nom ou le prénom), nom seul, faute sur la première lettre
du nom ou du prénom, faute de frappe dans le nom et dans le prénom.

Chaque requête est faite par un agent de la Maison des Habitants de la personne cherchée
(`--tous-sites` : un agent qui voit toutes les Maisons des Habitants) ; la mesure est le temps
serveur de ce que fait la page d'accueil : la première page de 10 résultats avec foyers actuels
et le nombre total, en une requête.

Rappel : la personne cherchée (son identifiant) est dans la première page. Une requête est
« homonymes seulement » quand plus de 10 personnes du périmètre répondent au moins aussi bien
qu'elle : celles qui portent exactement les mots tapés et ses homonymes exacts (mêmes nom et
prénoms). Aucune recherche ne peut alors la mettre à coup sûr en première page : ces requêtes
sont comptées à part (par exemple presque tous les noms tapés seuls).
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections import defaultdict
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
from habitants import normalisation  # noqa: E402
from habitants.models import Habitant  # noqa: E402
from habitants.normalisation import normaliser  # noqa: E402
from habitants.selectors import CriteresRecherche, rechercher_habitants  # noqa: E402

PAGE = 10
#: Caches de la comparaison en Python (SQLite), vidés avant chaque essai chronométré.
CACHES = [
    getattr(normalisation, nom)
    for nom in ("ressemblance", "ressemblance_mots")
    if hasattr(getattr(normalisation, nom, None), "cache_clear")
]
SORTES = [
    "exact",
    "sans_accents",
    "faute",
    "variante",
    "nom_seul",
    # Ajoutées ensuite (tirées après les autres : le jeu des cinq premières ne change pas).
    "faute_initiale",
    "fautes_partout",
]

#: Réécritures qui gardent la prononciation (motif, remplacement), sur le mot sans accents.
VARIANTES = [
    (r"ph", "f"),
    (r"f", "ph"),
    (r"mm", "m"),
    (r"nn", "n"),
    (r"ll", "l"),
    (r"ss", "s"),
    (r"tt", "t"),
    (r"pp", "p"),
    (r"rr", "r"),
    (r"(?<=[aeiou])([lmnrt])(?=[aeiou])", r"\1\1"),  # consonne doublée
    (r"e(?=[vr])", "ai"),  # Lefèvre -> Lefaivre
    (r"ai", "e"),
    (r"eau", "o"),
    (r"au", "o"),
    (r"(?<=[bcdfgklmnprstv])o(?=[bcdfgklmnprstv])", "au"),
    (r"ou", "u"),
    (r"(?<=m)o(?=h)", "ou"),  # Mohamed -> Mouhamed
    (r"y", "i"),
    (r"(?<=[aeiou])i(?=[aeiou])", "y"),
    (r"k", "c"),
    (r"c(?=[aou])", "k"),
    (r"qu", "k"),
    (r"th", "t"),
    (r"(?<=[aeiou])t(?=[aeiou])", "th"),
    (r"sh", "ch"),
    (r"t$", "d"),
    (r"d$", "t"),
    (r"e$", ""),
    (r"(?<=[lnr])$", "e"),
    (r"ed$", "et"),
    (r"ien$", "yen"),
    (r"bvr", "vr"),
]


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


def faute_initiale(mot: str, hasard: random.Random) -> str:
    """La première lettre remplacée par une autre (mot de 4 lettres ou plus)."""
    mot = normaliser(mot)
    if len(mot) < 4:
        return mot
    return hasard.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != mot[0]]) + mot[1:]


def variante(mot: str, hasard: random.Random) -> str | None:
    """Le mot écrit autrement mais prononcé pareil, ou None si aucune réécriture ne s'applique."""
    mot = normaliser(mot)
    possibles = [(m, r) for m, r in VARIANTES if re.search(m, mot)]
    hasard.shuffle(possibles)
    for motif, remplacement in possibles:
        autre = re.sub(motif, remplacement, mot, count=1)
        if autre != mot and len(autre.replace(" ", "")) >= 3:
            return autre
    return None


def requetes(n: int, hasard: random.Random) -> list[tuple[str, str, Habitant]]:
    """[(sorte, texte, personne)] : n requêtes par sorte, personnes tirées au hasard."""
    ids = list(Habitant.objects.values_list("id", flat=True))
    jeu = []
    for sorte in SORTES:
        personnes = Habitant.objects.in_bulk(hasard.sample(ids, n * 2))
        faites = 0
        for h in personnes.values():
            if faites == n:
                break
            nom, prenom = h.nom_usage, h.prenoms
            if sorte == "exact":
                texte = f"{nom} {prenom}"
            elif sorte == "sans_accents":
                texte = normaliser(f"{prenom} {nom}")
            elif sorte == "faute":
                texte = f"{faute_de_frappe(nom, hasard)} {prenom}"
            elif sorte == "nom_seul":
                texte = nom
            elif sorte == "faute_initiale":
                if hasard.random() < 0.5:
                    texte = f"{faute_initiale(nom, hasard)} {prenom}"
                else:
                    texte = f"{nom} {faute_initiale(prenom, hasard)}"
            elif sorte == "fautes_partout":
                texte = f"{faute_de_frappe(nom, hasard)} {faute_de_frappe(prenom, hasard)}"
            else:
                ordre = [(nom, "nom"), (prenom, "prenom")]
                if hasard.random() < 0.5:
                    ordre.reverse()
                essais = [(variante(mot, hasard), lequel) for mot, lequel in ordre]
                autre, lequel = next(((v, q) for v, q in essais if v), (None, None))
                if autre is None:
                    continue
                texte = f"{autre} {prenom}" if lequel == "nom" else f"{nom} {autre}"
            jeu.append((sorte, texte, h))
            faites += 1
    return jeu


class Homonymes:
    """Qui répond au moins aussi bien que la personne cherchée, d'après la population en base."""

    def __init__(self):
        self.par_mot = defaultdict(set)  # (site, mot) -> ids
        self.par_identite = defaultdict(set)  # (site, nom, prénoms) -> ids
        lignes = Habitant.objects.values_list(
            "id", "site_id", "recherche", "nom_normalise", "prenoms_normalises"
        )
        for pk, site, recherche, nom, prenoms in lignes.iterator(chunk_size=20000):
            for mot in set(recherche.split()):
                self.par_mot[(site, mot)].add(pk)
            self.par_identite[(site, nom, prenoms)].add(pk)

    def concurrents(self, sites, texte: str, cible: Habitant) -> int:
        total = 0
        for site in sites:
            mots = normaliser(texte).split()
            exacts = set.intersection(*(self.par_mot.get((site, m), set()) for m in mots))
            exacts |= self.par_identite.get(
                (site, cible.nom_normalise, cible.prenoms_normalises), set()
            )
            total += len(exacts)
        return total


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
    """Pagination par défaut de Django : un COUNT puis la page (deux requêtes)."""
    page = Paginator(qs, PAGE).get_page(1)
    page.paginator.count  # noqa: B018  (le compte affiché sur la page)
    return page


def page_portail(qs):
    return paginer(qs, 1, par_page=PAGE)


def agent_de(sites) -> Agent:
    """Un agent non enregistré qui voit ces sites (aucune écriture)."""
    agent = Agent(username="banc", role=Role.ACCUEIL, is_active=True)
    agent.__dict__["ids_sites"] = frozenset(sites)
    return agent


def mesurer(fonction, jeu, agents, pagination=page_portail, repetitions=1):
    """[(durée en ms, personne cherchée en 1re page)] pour chaque requête du jeu.

    Avec `repetitions` > 1, chaque requête est refaite et la durée la plus courte gardée : sur
    une machine partagée, la charge des autres ne fait qu'ajouter du temps."""
    resultats = []
    for _, texte, cible in jeu:
        agent = agents(cible)
        durees = []
        for _ in range(repetitions):
            for cache in CACHES:  # chaque essai repart sans les notes déjà calculées
                cache.cache_clear()
            debut = time.perf_counter()
            page = pagination(fonction(agent, texte))
            ids = [h.id for h in page]
            durees.append((time.perf_counter() - debut) * 1000)
        resultats.append((min(durees), cible.id in ids))
    return resultats


def p95(durees):
    return statistics.quantiles(durees, n=100)[94] if len(durees) > 1 else durees[0]


def rapport(titre, jeu, resultats, homonymes_seulement):
    print(f"\n{titre}")
    print(
        f"{'sorte':<13}{'requêtes':>9}{'homonymes':>11}{'retrouvées':>12}{'rappel':>9}"
        f"{'médiane':>10}{'p95':>9}{'max':>9}"
    )
    lignes = [(s, [i for i, (sorte, _, _) in enumerate(jeu) if sorte == s]) for s in SORTES]
    lignes.append(("ensemble", list(range(len(jeu)))))
    for sorte, indices in lignes:
        durees = [resultats[i][0] for i in indices]
        comptees = [i for i in indices if not homonymes_seulement[i]]
        trouvees = sum(resultats[i][1] for i in comptees)
        rappel = f"{100 * trouvees / len(comptees):.1f} %" if comptees else "—"
        print(
            f"{sorte:<13}{len(indices):>9}{len(indices) - len(comptees):>11}"
            f"{f'{trouvees}/{len(comptees)}':>12}{rappel:>9}"
            f"{statistics.median(durees):>8.1f}ms{p95(durees):>7.1f}ms{max(durees):>7.1f}ms"
        )
    manquees = [
        (jeu[i][0], jeu[i][1], str(jeu[i][2]))
        for i in range(len(jeu))
        if not homonymes_seulement[i] and not resultats[i][1]
    ]
    for sorte, texte, cible in manquees[:15]:
        print(f"  manquée ({sorte}) : « {texte} » -> {cible}")


def plan(agent, texte):
    sql, params = portail(agent, texte)[:PAGE].query.sql_with_params()
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
        else:
            c.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(
            str(ligne[-1] if connection.vendor != "postgresql" else ligne[0])
            for ligne in c.fetchall()
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requetes", type=int, default=100, help="requêtes par sorte (100)")
    parser.add_argument("--graine", type=int, default=7)
    parser.add_argument(
        "--tous-sites", action="store_true", help="aussi un agent de toutes les Maisons"
    )
    parser.add_argument("--naive", action="store_true", help="comparer à une recherche naïve")
    parser.add_argument(
        "--repetitions", type=int, default=1, help="fois par requête, la plus courte gardée"
    )
    args = parser.parse_args()
    hasard = random.Random(args.graine)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM habitants_habitant")
        personnes = c.fetchone()[0]
        c.execute("SELECT count(*) FROM habitants_foyer")
        foyers = c.fetchone()[0]
        if connection.vendor == "postgresql":
            c.execute("SELECT version()")
            version = c.fetchone()[0].split(",")[0]
        else:
            c.execute("SELECT sqlite_version()")
            version = f"SQLite {c.fetchone()[0]}"
    print(f"{version} — {foyers} foyers, {personnes} personnes, {args.requetes} requêtes par sorte")
    jeu = requetes(args.requetes, hasard)
    homonymes = Homonymes()
    maisons = frozenset(Site.objects.maisons_des_habitants().values_list("id", flat=True))
    agents_site = {s: agent_de([s]) for s in maisons}
    tous = agent_de(maisons)
    mesurer(portail, jeu[:: max(1, len(jeu) // 40)], lambda h: agents_site[h.site_id])  # caches
    seul = [homonymes.concurrents([h.site_id], t, h) > PAGE for _, t, h in jeu]
    rapport(
        "portail, agent de la Maison de la personne",
        jeu,
        mesurer(portail, jeu, lambda h: agents_site[h.site_id], repetitions=args.repetitions),
        seul,
    )
    if args.tous_sites:
        seul_tous = [homonymes.concurrents(maisons, t, h) > PAGE for _, t, h in jeu]
        rapport(
            "portail, agent de toutes les Maisons",
            jeu,
            mesurer(portail, jeu, lambda h: tous, repetitions=args.repetitions),
            seul_tous,
        )
    if args.naive:
        rapport(
            "naïve (icontains) + Paginator Django, agent de la Maison",
            jeu,
            mesurer(naive, jeu, lambda h: agents_site[h.site_id], pagination=page_django),
            seul,
        )
    texte, cible = next((t, h) for s, t, h in jeu if s == "faute")
    print(f"\nPlan de la recherche « {texte} » :\n{plan(agents_site[cible.site_id], texte)}")


if __name__ == "__main__":
    main()
