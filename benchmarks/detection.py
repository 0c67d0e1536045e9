"""Banc d'essai de la détection du non-recours (PostgreSQL + Redis, données de volume).

Préparer (une fois) la base de volume comme pour benchmarks/recherche.py :
    DATABASE_URL=postgres://…/ccas_bench python manage.py migrate
    DATABASE_URL=… python manage.py charger_referentiels --wet-run
    DATABASE_URL=… python manage.py demo_data --wet-run --foyers 100000
Le banc met à jour les statistiques du planificateur (ANALYZE) au départ et avant chaque
exécution, comme l'autovacuum d'un serveur en service.
Lancer (Redis requis : plusieurs workers partagent une exécution) :
    DATABASE_URL=… CELERY_BROKER_URL=redis://127.0.0.1:6379/14 python benchmarks/detection.py \
        [--foyers 20000] [--tailles 2000,5000,10000]

Mesure, dans la même exécution et sur les mêmes foyers (`--foyers N` : les N premiers) :
1. pour chaque taille de lot du balayage (`--tailles`, 2 000, 5 000 et 10 000 par défaut) :
   - une exécution complète de bout en bout avec 1 worker (processus `celery worker --pool
     solo`, file detection), à partir d'une base sans signalement, proximité des seuils
     (ADR 0019) coupée (écart 0, donné aux workers par DETECTION_ECART_SEUIL_POURCENT), puis
     avec (l'écart du réglage) : débit en temps réel et en temps de processeur des workers
     (PostgreSQL non compté, mais dit à part par lot, avec toute la machine), mémoire
     résidente maximale (le pic noté par le noyau, lu à la fin : rien n'échantillonne
     pendant la mesure) ;
   - le moteur utilisé de la façon idéale, dans un processus neuf préparé comme un worker
     `--pool solo` (préchauffage, puis le tas à sa taille de travail : ADR 0043), hors
     chronomètre comme pour les workers : une simulation vectorisée
     par lot, chaque entrée posée une fois par plage de mois où elle ne change pas, les
     variables du portail calculées, rien du portail (préparation hors chronomètre : base,
     conversion des montants) ; débit en temps réel et en temps de processeur, mémoire
     résidente maximale du processus ;
   - « l'idéal à travail égal » : le même, plus la re-simulation idéale des mêmes copies à
     ressources ± écart des foyers que la première exécution re-simule (un droit probable
     d'une prestation légale ni demandée ni perçue : `decision.a_re_simuler` sans signalement
     écrit ; lus dans ce qu'a écrit la première exécution du balayage), par morceaux de la
     taille d'un lot comme `moteur.sensibilite` ;
2. deux rapports : la passe de détection (seuils coupés) contre l'idéal — la comparaison de
   l'objectif — et le portail complet (avec seuils) contre l'idéal à travail égal ; chacun
   compare la taille la plus rapide du portail (en temps de processeur : sur une machine
   partagée, le temps réel dit surtout la charge) parmi celles qui tiennent sous 1,5 Go au
   meilleur idéal sous 1,5 Go ; la taille retenue est celle du portail complet ;
3. 2 workers à cette taille ; une nouvelle exécution complète sans changement (sauf
   `--sans-reexecution`) ;
4. une exécution incrémentale après avoir marqué 1 % des foyers comme modifiés.
`--seuils coupes` : seuils coupés partout (pas d'idéal à travail égal) ; `--seuils
balayage-coupe` : le balayage seuils coupés seulement, puis une exécution avec seuils à la
taille retenue ; 2 workers, nouvelle exécution et incrémental avec seuils (sauf `coupes`).
`--sans-controle` saute la vérification que l'idéal calcule les mêmes montants que le portail.
Seul avec `--alterne` (lots de `--taille-lot`) : lot par lot, dans le processus du banc,
l'idéal puis le portail (`execution.traiter_lot`, écriture validée, seuils coupés), l'ordre
inversé un lot sur deux : le rapport de chaque lot compare deux mesures voisines de quelques
secondes ; le portail y est mesuré sans la file Celery (voir la docstring de `alterner`).
`--paires-workers N` : l'échelle des workers mesurée par N paires 1 worker / 2 workers à
quelques secondes d'écart (ordre inversé une paire sur deux), et le plafond de la machine : N
paires deux idéaux ensemble / un idéal seul.
`--paires N` : à chaque taille, N fois le portail 1 worker puis l'idéal (chaque rapport compare
deux mesures voisines dans le temps : la vitesse d'une machine partagée dérive), le rapport de
chaque paire et leur médiane ; la paire médiane est retenue pour la suite.
Seul avec `--seuils-seulement` : le coût de la proximité des seuils (ADR 0019), temps
processeur de `moteur.simuler` puis de `moteur.sensibilite` sur les foyers qui auront un
signalement d'une prestation légale, et de la localisation de leurs seuils proches
(`moteur.localiser_les_seuils_proches`, ADR 0035), lot par lot (temps processeur : la
machine partagée rend les durées réelles peu parlantes).
Rien n'est chronométré dans les tests : les chiffres vont dans docs/benchmarks.md. Ce que le
banc lit du système (pic, processeur) est vérifié par tests/test_banc_d_essai_detection.py.
"""

import argparse
import contextlib
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
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

# --- Le moteur utilisé de la façon idéale --------------------------------------------------


def entrees_ideales(foyers, mois_cible) -> dict:
    """Tout ce que la simulation idéale reçoit, préparé hors chronomètre : les mêmes foyers,
    les mêmes entités et les mêmes entrées que `moteur.construire_simulation`, mais chaque
    entrée regroupée par plage de mois où elle ne change pas (une seule pose par plage)."""
    import numpy as np

    from droits.detection.montants import revenus_de_l_historique
    from droits.detection.situation import activites, mois_historique, statuts_maritaux

    foyers, _ = moteur._complets(sorted(foyers, key=lambda f: f.id))
    moteur.systeme()
    personnes = moteur._entites(foyers, mois_cible)
    places = [(p, place) for _, p, place in personnes]
    historique = mois_historique(mois_cible)
    taux = np.array([p.taux_incapacite or 0 for _, p, _ in personnes], dtype=np.float32) / 100
    enumeration = moteur.en_enumeration  # déjà codées : OpenFisca ne les recode pas à la pose
    constantes = {  # les mêmes sur tout l'historique : une pose sur les 34 mois
        "loyer": np.array([f.loyer for f in foyers], dtype=np.float32),
        "statut_occupation_logement": enumeration(
            "statut_occupation_logement", [f.statut_occupation for f in foyers]
        ),
        "depcom": np.array([f.depcom for f in foyers]),
        "taux_incapacite": taux,
        "handicap": taux >= 0.5,
        "statut_marital": enumeration("statut_marital", statuts_maritaux(places)),
        "activite": enumeration("activite", activites(places)),
    }
    revenus = revenus_de_l_historique(places, mois_cible)
    plages = []  # (variable, premier mois, nombre de mois, valeurs) : mois consécutifs égaux
    variables = sorted({v for mois in historique for v in revenus[mois]})
    for variable in variables:
        courant = None
        for mois in historique:
            valeurs = revenus[mois].get(variable)
            valeurs = None if valeurs is None else valeurs.astype(np.float32)
            if courant is not None and valeurs is not None and np.array_equal(valeurs, courant):
                plages[-1][2] += 1
                continue
            if valeurs is not None:
                plages.append([variable, mois, 1, valeurs])
            courant = valeurs
    familles = list(dict.fromkeys(place.famille for _, _, place in personnes))
    return {
        "foyers": len(foyers),
        "individus": [f"i{p.id}" for _, p, _ in personnes],
        "naissances": moteur.dates_de_naissance(p for _, p, _ in personnes),
        "familles": (
            familles,
            [place.famille for _, _, place in personnes],
            [place.role_famille for _, _, place in personnes],
        ),
        "foyers_fiscaux": (
            list(dict.fromkeys(place.foyer_fiscal for _, _, place in personnes)),
            [place.foyer_fiscal for _, _, place in personnes],
            [place.role_foyer_fiscal for _, _, place in personnes],
        ),
        "menages": (
            [f"m{f.id}" for f in foyers],
            [f"m{f.id}" for f, _, _ in personnes],
            [place.role_menage for _, _, place in personnes],
        ),
        "historique": (historique[0], len(historique)),
        "constantes": constantes,
        "plages": plages,
    }


def simuler_ideal(entrees: dict, mois_cible) -> dict:
    """Une simulation vectorisée du lot, chaque entrée posée une fois par plage de mois, les
    variables de `moteur.ORDRE_CALCUL` calculées ; rien du portail (ni base, ni conversion
    des montants, ni signalements). Renvoie les totaux, pour vérifier qu'elle calcule la même
    chose que le moteur du portail."""
    import gc

    from openfisca_core.simulation_builder import SimulationBuilder

    tbs = moteur.systeme()
    sb = SimulationBuilder()
    sb.create_entities(tbs)
    sb.declare_person_entity("individu", entrees["individus"])
    for entite in ("famille", "foyer_fiscal", "menage"):
        cles, de_chacun, roles = entrees[
            {"famille": "familles", "foyer_fiscal": "foyers_fiscaux", "menage": "menages"}[entite]
        ]
        sb.join_with_persons(sb.declare_entity(entite, cles), de_chacun, roles)
    simulation = sb.build(tbs)
    simulation.set_input("date_naissance", "ETERNITY", entrees["naissances"])
    premier, n = entrees["historique"]
    for variable, valeurs in entrees["constantes"].items():
        # « divide_by_period » (le loyer) répartit la valeur posée sur la plage : × n mois.
        if tbs.variables[variable].set_input.__name__ == "set_input_divide_by_period":
            valeurs = valeurs * n
        simulation.set_input(variable, f"month:{premier:%Y-%m}:{n}", valeurs)
    for variable, debut, mois, valeurs in entrees["plages"]:
        periode = f"month:{debut:%Y-%m}:{mois}" if mois > 1 else f"{debut:%Y-%m}"
        simulation.set_input(variable, periode, valeurs * mois if mois > 1 else valeurs)
    periode = f"{mois_cible:%Y-%m}"
    totaux = {v: float(simulation.calculate(v, periode).sum()) for v in moteur.ORDRE_CALCUL}
    del simulation
    gc.collect()
    return totaux


def copies_ideales(foyers, a_re_simuler: set[int], ecart: float, taille: int) -> list[list]:
    """Les copies à ressources × (1 − écart) et × (1 + écart) des foyers du lot que la
    détection re-simule, dans l'ordre et par morceaux de `taille` copies, comme
    `moteur.sensibilite` (les mêmes copies, la même mémoire qu'un lot)."""
    copies = [
        copie
        for f in foyers
        if f.id in a_re_simuler
        for copie in (
            moteur._avec_ressources_multipliees(f, 1 - ecart, 1),
            moteur._avec_ressources_multipliees(f, 1 + ecart, 2),
        )
    ]
    taille = max(2, taille)
    return [copies[d : d + taille] for d in range(0, len(copies), taille)]


def preparer_comme_un_worker(mois, taille: int) -> None:
    """Ce processus préparé comme un worker `--pool solo` à son démarrage, hors chronomètre :
    préchauffage, puis le tas à sa taille de travail (lot fictif, ADR 0043, sauf
    DETECTION_PRECHAUFFAGE_TAS=False, comme pour les workers)."""
    moteur.prechauffer(mois)
    if settings.DETECTION_PRECHAUFFAGE_TAS:
        moteur.prechauffer_le_tas(mois, taille)


def mesurer_ideal(
    taille: int, limite: int | None, ecart: float = 0, fichier: str | None = None
) -> None:
    """(Processus à part, pour sa mémoire maximale.) Le débit idéal sur les mêmes foyers, par
    lots de `taille` : préparation hors chronomètre, simulation chronométrée. Avec `fichier`
    (les foyers que la détection re-simule, un identifiant par ligne) : après chaque lot, la
    re-simulation idéale de leurs copies ± `ecart`, chronométrée à part (« idéal à travail
    égal »). Imprime une ligne JSON."""
    import json
    import resource

    ids = list(Foyer.objects.order_by("pk").values_list("pk", flat=True))[:limite]
    a_re_simuler = {int(ligne) for ligne in Path(fichier).read_text().split()} if fichier else set()
    preparer_comme_un_worker(mois_courant(), taille)
    duree = processeur = duree_seuils = processeur_seuils = 0.0
    foyers_simules = copies_simulees = 0

    def chronometrer(foyers) -> tuple[float, float, int]:
        """Entrées préparées hors chronomètre, puis la simulation idéale chronométrée : durée,
        temps de processeur, foyers simulés."""
        entrees = entrees_ideales(foyers, mois_courant())
        t, c = time.perf_counter(), time.process_time()
        simuler_ideal(entrees, mois_courant())
        return time.perf_counter() - t, time.process_time() - c, entrees["foyers"]

    for depart in range(0, len(ids), taille):
        foyers = charger_foyers(ids[depart : depart + taille], mois_courant())
        d, c, n = chronometrer(foyers)
        duree, processeur, foyers_simules = duree + d, processeur + c, foyers_simules + n
        for morceau in copies_ideales(foyers, a_re_simuler, ecart, taille) if a_re_simuler else []:
            d, c, n = chronometrer(morceau)
            duree_seuils += d
            processeur_seuils += c
            copies_simulees += n
    pic = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "foyers": len(ids),
                "simules": foyers_simules,
                "secondes": duree,
                "processeur": processeur,
                "copies": copies_simulees,
                "secondes_seuils": duree_seuils,
                "processeur_seuils": processeur_seuils,
                "pic": pic,
            }
        )
    )


def ideal(
    taille: int, limite: int | None, ecart: float = 0, a_re_simuler: set[int] | None = None
) -> dict:
    """Le débit idéal dans un processus neuf (sa mémoire maximale est la sienne) ; avec
    `a_re_simuler`, aussi la re-simulation idéale de ces foyers à ± `ecart`."""
    import json

    fichier = None
    if a_re_simuler:
        fichier = Path(tempfile.mkdtemp(prefix="banc-detection-")) / "a_re_simuler.txt"
        fichier.write_text("\n".join(str(i) for i in sorted(a_re_simuler)))
    sortie = subprocess.run(
        [
            sys.executable,
            __file__,
            "--ideal-seul",
            "--taille-lot",
            str(taille),
            *(["--foyers", str(limite)] if limite else []),
            *(["--ecart", str(ecart), "--a-re-simuler", str(fichier)] if fichier else []),
        ],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(sortie.strip().splitlines()[-1])


def foyers_re_simules(execution: ExecutionDetection, ids: list[int]) -> set[int]:
    """Les foyers que la première exécution re-simule pour la proximité des seuils, d'après ce
    qu'elle a écrit : ceux qui ont un droit probable d'une prestation légale ni demandée ni
    perçue (`decision.a_re_simuler` sans signalement déjà écrit)."""
    from droits.enums import STATUTS_EN_COURS
    from droits.models import EtatDetectionFoyer, PrestationFoyer

    legales = {p.code for p in moteur.prestations_legales()}
    en_cours: dict[int, set[str]] = {}
    for foyer_id, code in PrestationFoyer.objects.filter(
        foyer_id__in=ids, statut__in=STATUTS_EN_COURS
    ).values_list("foyer_id", "prestation_id"):
        en_cours.setdefault(foyer_id, set()).add(code)
    return {
        foyer_id
        for foyer_id, estimations in EtatDetectionFoyer.objects.filter(
            execution=execution, foyer_id__in=ids
        ).values_list("foyer_id", "estimations")
        if any(c in legales and c not in en_cours.get(foyer_id, ()) for c in estimations or {})
    }


def meme_calcul(ids: list[int]) -> bool:
    """La simulation idéale calcule la même chose que le moteur du portail (lot de contrôle)."""
    import numpy as np

    foyers = charger_foyers(ids, mois_courant())
    idem = simuler_ideal(entrees_ideales(foyers, mois_courant()), mois_courant())
    simulation, _, _ = moteur.construire_simulation(moteur._complets(foyers)[0], mois_courant())
    portail = {
        v: float(simulation.calculate(v, f"{mois_courant():%Y-%m}").sum())
        for v in moteur.ORDRE_CALCUL
    }
    return all(np.isclose(idem[v], portail[v], rtol=1e-5) for v in portail)


def cout_des_seuils(ids: list[int], taille: int) -> None:
    """Temps processeur de la simulation d'un lot, de sa re-simulation à ressources ± écart
    (les foyers qui auront un signalement d'une prestation légale seulement, comme
    `execution.traiter_lot`) et de la localisation de leurs seuils proches (ADR 0035)."""
    from droits.detection import decision
    from droits.detection.execution import ecart_seuil
    from droits.enums import STATUTS_EN_COURS
    from droits.models import Prestation, PrestationFoyer

    catalogue = set(Prestation.objects.filter(actif=True).values_list("code", flat=True))

    moteur.prechauffer(mois_courant())
    simulation = seuils = localisation = 0.0
    simules = resimules = localises = 0
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
        sensibles = moteur.sensibilite(a_expliquer, mois_courant(), ecart_seuil(), taille)
        seuils += time.process_time() - t
        t = time.process_time()
        exclues = decision.sans_signalement(a_expliquer, resultats, en_cours, catalogue)
        localises += moteur.localiser_les_seuils_proches(
            a_expliquer, resultats, sensibles, mois_courant(), exclues, taille
        )
        localisation += time.process_time() - t
        simules += len(resultats)
        resimules += len(a_expliquer)
    print(
        f"Proximité des seuils (± {ecart_seuil():.0%}) : simulation {simulation:.1f} s de "
        f"processeur pour {simules} foyers, re-simulation {seuils:.1f} s pour {resimules} "
        f"foyers signalés (× 2 copies) : +{100 * seuils / simulation:.0f} % ; localisation "
        f"des seuils proches {localisation:.1f} s pour {localises} seuils : "
        f"+{100 * localisation / simulation:.0f} %"
    )


def alterner(ids: list[int], taille: int) -> None:
    """Lot par lot, dans ce processus et à quelques secondes d'écart : l'idéal (entrées
    préparées hors chronomètre) puis le portail (`execution.traiter_lot` : chargement,
    simulation, décision, écriture validée en base, seuils coupés), l'ordre inversé un lot sur
    deux. Sur une machine dont la vitesse dérive de ± 10 % d'un quart d'heure à l'autre, le
    rapport de chaque lot compare deux mesures faites dans les mêmes conditions. Ce que le
    portail ajoute hors du lot (file Celery, coordinateur, clôture) est mesuré par l'exécution
    de bout en bout (la somme des temps des lots y fait ≈ 99 % de la durée)."""
    from droits.detection import execution as detection
    from droits.models import LotDetection

    settings.DETECTION_ECART_SEUIL_POURCENT = 0
    repartir_de_zero(ids, None)
    analyser()
    mois = mois_courant()
    preparer_comme_un_worker(mois, taille)
    execution = ExecutionDetection.objects.create(
        declencheur="banc d'essai (alterné)",
        perimetre="tous",
        mois_cible=mois,
        statut="en_cours",
        total=len(ids),
    )
    lots = LotDetection.objects.bulk_create(
        [
            LotDetection(execution=execution, numero=i, foyers=ids[d : d + taille])
            for i, d in enumerate(range(0, len(ids), taille))
        ]
    )

    def idealement(lot) -> tuple[float, float]:
        entrees = entrees_ideales(charger_foyers(lot.foyers, mois), mois)
        t, c = time.perf_counter(), time.process_time()
        simuler_ideal(entrees, mois)
        return time.perf_counter() - t, time.process_time() - c

    def au_portail(lot) -> tuple[float, float]:
        t, c = time.perf_counter(), time.process_time()
        detection.traiter_lot(lot.pk)
        return time.perf_counter() - t, time.process_time() - c

    ideal_reel = ideal_cpu = portail_reel = portail_cpu = 0.0
    rapports, mesures = [], []
    for k, lot in enumerate(lots):
        avant = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        if k % 2 == 0:
            i, p = idealement(lot), au_portail(lot)
        else:
            p, i = au_portail(lot), idealement(lot)
        defauts = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - avant
        ideal_reel, ideal_cpu = ideal_reel + i[0], ideal_cpu + i[1]
        portail_reel, portail_cpu = portail_reel + p[0], portail_cpu + p[1]
        rapports.append(100 * i[0] / p[0])
        mesures.append((i[0], p[0]))
        print(
            f"   lot {k} : idéal {i[0]:.2f} s, portail {p[0]:.2f} s réelles ({p[1]:.2f} s de "
            f"processeur) → {rapports[-1]:.1f} % ; défauts de page {defauts} ; {charge()}"
        )
    execution.refresh_from_db()
    assert execution.statut == "terminee", execution.statut
    assert execution.traites == len(ids), execution.traites
    print(
        f"Alterné, {len(lots)} lots de {taille} : idéal {len(ids) / ideal_reel:.0f} foyers/s "
        f"({ideal_reel:.1f} s), portail {len(ids) / portail_reel:.0f} foyers/s "
        f"({portail_reel:.1f} s réelles, {portail_cpu:.1f} s de processeur du processus) → "
        f"portail / idéal : {100 * ideal_reel / portail_reel:.1f} % en temps réel, "
        f"{100 * ideal_cpu / portail_cpu:.1f} % en processeur ; par lot : médiane "
        f"{statistics.median(rapports):.1f} %, de {min(rapports):.1f} à {max(rapports):.1f} %"
    )
    if len(mesures) > 1:
        # Le premier lot fait grandir le tas du processus pour le portail après l'idéal (ses
        # tableaux ne réutilisent pas la mémoire rendue par l'idéal : ≈ 230 000 défauts de page,
        # 1,2 à 1,6 s de système, mesuré le 06/12/2026) ; un worker ne le paie qu'une fois.
        ideal_suite = sum(i for i, _ in mesures[1:])
        portail_suite = sum(p for _, p in mesures[1:])
        print(
            "Hors premier lot (croissance du tas) : portail / idéal "
            f"{100 * ideal_suite / portail_suite:.1f} % en temps réel ({ideal_suite:.1f} s / "
            f"{portail_suite:.1f} s)"
        )


class Workers:
    """n workers Celery en processus séparés, et leur mémoire résidente maximale."""

    def __init__(self, n: int, taille: int, ecart: int | None = None):
        env = {**os.environ, "DETECTION_TAILLE_LOT": str(taille)}
        if ecart is not None:  # écart de la proximité des seuils, en % (0 : coupée)
            env["DETECTION_ECART_SEUIL_POURCENT"] = str(ecart)
        self.sorties = [
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
                    str(self.sorties[i]),
                ],
                cwd=RACINE,
                env=env,
                start_new_session=True,
                # La bannière de Celery et ses avertissements : à côté du journal, pas ici.
                stdout=subprocess.DEVNULL,
                stderr=self.sorties[i].with_suffix(".err").open("w"),
            )
            for i in range(n)
        ]
        self.pics = [0] * n

    @staticmethod
    def _pic(pid: int) -> int:
        """Le pic de mémoire résidente d'un processus depuis son départ (VmHWM, en octets) :
        lu une fois à la fin, sans échantillonner pendant la mesure (un fil qui parcourait
        les processus toutes les 0,2 s prenait 2 à 4 % d'un cœur, pris aux workers quand ils
        sont deux)."""
        with open(f"/proc/{pid}/status") as statut:
            for ligne in statut:
                if ligne.startswith("VmHWM:"):
                    return int(ligne.split()[1]) * 1024
        return 0

    def attendre_prets(self, limite: float = 600) -> None:
        """Jusqu'à ce que chaque worker se dise prêt (préchauffage fait)."""
        fin = time.monotonic() + limite
        while time.monotonic() < fin:
            if all(j.exists() and " ready." in j.read_text() for j in self.sorties):
                time.sleep(1)
                return
            time.sleep(0.5)
        raise RuntimeError("workers pas prêts")

    @staticmethod
    def _arbre(pid: int) -> list[psutil.Process]:
        """Un worker et ses enfants."""
        return [psutil.Process(pid), *psutil.Process(pid).children(True)]

    def processeur(self) -> float:
        """Temps de processeur consommé jusqu'ici par les workers (et leurs enfants)."""
        total = 0.0
        for p in self.processus:
            with contextlib.suppress(psutil.Error):
                total += processeur_de(self._arbre(p.pid))
        return total

    def temps_des_lots(self) -> dict[str, list[float]]:
        """Les temps par lot que chaque worker a écrits dans sa sortie (chargement, simulation,
        proximité des seuils, signalements), le nombre de foyers re-simulés (`resimules`) et de
        seuils localisés (`localises`)."""
        temps: dict[str, list[float]] = {
            "chargement": [],
            "simulation": [],
            "proximité des seuils": [],
            "signalements": [],
            "resimules": [],
            "localises": [],
        }
        for sortie in self.sorties:
            for ligne in sortie.read_text().splitlines():
                if " de l'exécution " not in ligne:
                    continue
                for etape in temps:
                    trouve = re.search(rf"{etape} ([0-9.]+) s", ligne)
                    if trouve:
                        temps[etape].append(float(trouve.group(1)))
                trouve = re.search(
                    r"proximité des seuils [0-9.]+ s \(([0-9]+) foyers, ([0-9]+) seuils", ligne
                )
                if trouve:
                    temps["resimules"].append(float(trouve.group(1)))
                    temps["localises"].append(float(trouve.group(2)))
        return temps

    def arreter(self):
        """Arrête les workers, après avoir lu le pic de chacun (ses enfants compris : la somme
        de leurs pics, une borne haute ; le pool `solo` n'en a pas)."""
        for i, p in enumerate(self.processus):
            with contextlib.suppress(psutil.Error, OSError):
                self.pics[i] = sum(self._pic(q.pid) for q in self._arbre(p.pid))
        for p in self.processus:
            os.killpg(p.pid, signal.SIGTERM)
        for p in self.processus:
            p.wait(timeout=60)


def repartir_de_zero(ids: list[int], limite: int | None):
    """Chaque exécution complète fait le même travail : aucun signalement ni état au départ.
    Avec `limite`, les foyers au-delà sont notés simulés (après leur dernier changement) : une
    exécution « foyers modifiés » fait alors exactement les `limite` premiers. Les tables qui
    pointent vers les signalements (demandes d'aide facultative, et ce qui en dépend) sont
    vidées avec (CASCADE) : la détection ne les lit pas."""
    with connection.cursor() as curseur:
        curseur.execute(
            "TRUNCATE droits_changementsignalement, droits_signalement, "
            "droits_etatdetectionfoyer, droits_lotdetection, droits_executiondetection CASCADE"
        )
    if limite:
        from droits.models import EtatDetectionFoyer

        maintenant = timezone.now()
        EtatDetectionFoyer.objects.bulk_create(
            [
                EtatDetectionFoyer(foyer_id=i, simule_le=maintenant, empreinte="")
                for i in ids[limite:]
            ],
            batch_size=5000,
        )


def analyser(tables: str = "") -> None:
    """Les statistiques du planificateur, comme les tiendrait l'autovacuum d'un serveur en
    service (il peut être coupé sur une machine de développement ou de banc) : sans elles,
    PostgreSQL choisit de mauvais plans (une boucle sur les 234 000 habitants pour lire les
    membres de 1 000 foyers)."""
    with connection.cursor() as curseur:
        curseur.execute(f"ANALYZE {tables}")


def processeur_postgresql() -> float | None:
    """Le temps de processeur de PostgreSQL jusqu'ici, s'il tourne sur cette machine : ses
    processus vivants et ceux, terminés, que son processus principal a recueillis (None
    ailleurs). Ce qu'un worker lui fait faire, pris au cœur où calcule l'autre worker."""
    with connection.cursor() as curseur:
        curseur.execute("SELECT pg_backend_pid()")
        (backend,) = curseur.fetchone()
    try:
        principal = psutil.Process(psutil.Process(backend).ppid())
        recueillis = principal.cpu_times()
        return (
            recueillis.children_user
            + recueillis.children_system
            + processeur_de([principal, *principal.children()])
        )
    except psutil.Error:
        return None


def processeur_de(processus: list[psutil.Process]) -> float:
    """Le temps de processeur (utilisateur et système) de ces processus jusqu'ici ; ceux qui
    se sont terminés entre-temps ne comptent pas."""
    total = 0.0
    for q in processus:
        with contextlib.suppress(psutil.NoSuchProcess):
            t = q.cpu_times()
            total += t.user + t.system
    return total


def processeur_machine() -> float:
    """Le temps de processeur de toute la machine jusqu'ici (hors inactivité et attente)."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - t.iowait


def executer(
    perimetre: str, n_workers: int, taille: int, ecart: int | None = None
) -> tuple[ExecutionDetection, float, list]:
    """Une exécution de bout en bout ; `ecart` : l'écart de la proximité des seuils des
    workers, en % (0 : coupée ; None : le réglage)."""
    analyser(
        "droits_signalement, droits_etatdetectionfoyer, droits_executiondetection, "
        "droits_lotdetection, habitants_foyer"
    )
    workers = Workers(n_workers, taille, ecart)
    try:
        workers.attendre_prets()  # démarrage et construction du système socio-fiscal
        debut, cpu = time.perf_counter(), workers.processeur()
        pg, machine = processeur_postgresql(), processeur_machine()
        execution = lancer_detection(declencheur="banc d'essai", perimetre=perimetre)
        while True:
            execution.refresh_from_db()
            if execution.statut in ("terminee", "echouee"):
                break
            time.sleep(0.2)
        duree = time.perf_counter() - debut
        execution.processeur = workers.processeur() - cpu
        machine = processeur_machine() - machine
        pg = None if pg is None else processeur_postgresql() - pg
    finally:
        workers.arreter()
    temps = workers.temps_des_lots()
    execution.resimules = int(sum(temps.pop("resimules")))
    localises = int(sum(temps.pop("localises")))
    print(
        f"   {len(temps['simulation'])} lots ; par lot, en moyenne : "
        + ", ".join(f"{etape} {statistics.mean(v):.2f} s" for etape, v in temps.items() if v)
        + f" ; foyers re-simulés (seuils) : {execution.resimules} ; seuils localisés :"
        f" {localises}"
    )
    lots = len(temps["simulation"]) or 1
    print(
        f"   processeur par lot : workers {execution.processeur / lots:.2f} s"
        + ("" if pg is None else f", PostgreSQL {pg / lots:.2f} s")
        + f", toute la machine {machine / lots:.2f} s"
    )
    return execution, duree, workers.pics


def charge() -> str:
    return "charge " + " ".join(f"{c:.1f}" for c in os.getloadavg())


def mesure(execution: ExecutionDetection, duree: float, pics: list) -> dict:
    return {
        "portail": execution.total / duree,
        "portail_cpu": execution.total / execution.processeur,
        "duree": duree,
        "processeur": execution.processeur,
        "pic_portail": max(pics),
        "crees": execution.signalements_crees,
        "resimules": execution.resimules,
    }


def rapport(titre: str, mesures: dict, mode: str, cle: str, limite_memoire: float) -> int:
    """Compare le portail (`mode` : « sans » ou « avec » les seuils) à l'idéal (`cle` :
    « ideal » ou « egal », à travail égal) : le meilleur idéal sous 1,5 Go contre la meilleure
    taille du portail sous 1,5 Go (en temps de processeur : sur une machine partagée, le temps
    réel dit surtout la charge). Renvoie la meilleure taille du portail."""
    tailles = [t for t in mesures if mode in mesures[t]]
    tiennent = [t for t in tailles if mesures[t]["pic_ideal"] <= limite_memoire]
    meilleure_ideale = max(tiennent, key=lambda t: mesures[t][f"{cle}_cpu"])
    tiennent_portail = [t for t in tailles if mesures[t][mode]["pic_portail"] <= limite_memoire]
    choisie = max(tiennent_portail, key=lambda t: mesures[t][mode]["portail_cpu"])
    ref, ref_cpu = mesures[meilleure_ideale][cle], mesures[meilleure_ideale][f"{cle}_cpu"]
    m = mesures[choisie][mode]
    print(
        f"{titre} : idéal, meilleure taille sous 1,5 Go = {meilleure_ideale} ({ref_cpu:.0f} "
        f"foyers/s en processeur, {ref:.0f} en temps réel) ; portail, meilleure taille = "
        f"{choisie} ({m['portail_cpu']:.0f} foyers/s en processeur, {m['portail']:.0f} en temps"
        f" réel) → en processeur {100 * m['portail_cpu'] / ref_cpu:.0f} % de l'idéal (objectif"
        f" ≥ 90 %), en temps réel {100 * m['portail'] / ref:.0f} %"
    )
    return choisie


def echelle_des_workers(ids, limite, perimetre, taille, ecart, n: int) -> None:
    """`--paires-workers N` : N paires d'exécutions 1 worker / 2 workers, à quelques secondes
    d'écart, l'ordre inversé une paire sur deux (la vitesse de la machine dérive) ; puis la même
    chose pour l'idéal (deux processus idéaux ensemble contre un seul, la moitié des foyers
    chacun) : le plafond de la machine, deux calculs sur ses deux cœurs, sans base."""
    rapports = []
    for k in range(n):
        debits = {}
        for workers in (1, 2) if k % 2 == 0 else (2, 1):
            repartir_de_zero(ids, limite)
            execution, duree, pics = executer(perimetre, workers, taille, ecart)
            assert execution.statut == "terminee", execution.erreurs
            debits[workers] = execution.total / duree
            print(
                f"   {workers} worker(s) : {execution.total} foyers en {duree:.1f} s → "
                f"{debits[workers]:.0f} foyers/s ; pic par worker : "
                + ", ".join(f"{p / 2**30:.2f} Go" for p in pics)
                + f" ; {charge()}"
            )
        rapports.append(debits[2] / debits[1])
        print(f"   paire {k + 1} : 2 workers = ×{rapports[-1]:.2f} un worker")
    print(
        f"2 workers, lots de {taille}, {n} paires : "
        + ", ".join(f"×{r:.2f}" for r in rapports)
        + f" (médiane ×{statistics.median(rapports):.2f} ; objectif ≥ ×1,85)"
    )
    n_foyers = min(limite or len(ids), len(ids))
    plafonds = []
    for k in range(n):
        seul = deux = None
        for ensemble in (False, True) if k % 2 == 0 else (True, False):
            if ensemble:
                with ThreadPoolExecutor(2) as fils:
                    moities = list(fils.map(lambda _: ideal(taille, n_foyers // 2), range(2)))
                deux = sum(m["simules"] for m in moities) / max(m["secondes"] for m in moities)
            else:
                un = ideal(taille, n_foyers // 2)
                seul = un["simules"] / un["secondes"]
        plafonds.append(deux / seul)
        print(f"   idéal, paire {k + 1} : deux processus ensemble = ×{plafonds[-1]:.2f} un seul")
    print(
        f"Idéal, deux processus ensemble contre un seul ({n_foyers // 2} foyers chacun) : "
        + ", ".join(f"×{r:.2f}" for r in plafonds)
        + f" (médiane ×{statistics.median(plafonds):.2f}) : le plafond de la machine"
    )


def paire_mediane(essais: list[dict]) -> dict:
    """Les mesures d'une taille de lot : avec `--paires N`, N paires (le portail seuils coupés,
    puis l'idéal, l'un après l'autre) ; leurs rapports sont imprimés, la paire au rapport en
    temps réel médian est retenue. Sur une machine partagée, la vitesse varie de plus de 10 %
    d'un quart d'heure à l'autre (l'idéal seul : 76,6 s puis 85,3 s à quelques minutes
    d'écart) : chaque rapport compare deux mesures voisines dans le temps."""
    if len(essais) == 1:
        return essais[0]
    reel = [100 * e["sans"]["portail"] / e["ideal"] for e in essais]
    cpu = [100 * e["sans"]["portail_cpu"] / e["ideal_cpu"] for e in essais]
    print(
        f"   {len(essais)} paires portail seuils coupés / idéal : en temps réel "
        + ", ".join(f"{r:.1f} %" for r in reel)
        + f" (médiane {statistics.median(reel):.1f} %) ; en processeur "
        + ", ".join(f"{c:.1f} %" for c in cpu)
        + f" (médiane {statistics.median(cpu):.1f} %)"
    )
    return sorted(essais, key=lambda e: e["sans"]["portail"] / e["ideal"])[len(essais) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taille-lot", type=int, default=settings.DETECTION_TAILLE_LOT)
    parser.add_argument(
        "--tailles", default="2000,5000,10000", help="balayage des tailles de lot (idéal, 1 worker)"
    )
    parser.add_argument("--foyers", type=int, default=None, help="les N premiers foyers seulement")
    parser.add_argument(
        "--paires",
        type=int,
        default=1,
        help="à chaque taille, N paires portail (1 worker) puis idéal, rapports de chaque paire",
    )
    parser.add_argument(
        "--paires-workers",
        type=int,
        default=0,
        help="N paires 1 worker / 2 workers (et deux idéaux / un idéal) au lieu d'une mesure",
    )
    parser.add_argument("--sans-reexecution", action="store_true")
    parser.add_argument(
        "--sans-controle", action="store_true", help="sans contrôle idéal = portail"
    )
    parser.add_argument(
        "--seuils",
        choices=["les-deux", "coupes", "balayage-coupe"],
        default="les-deux",
        help="proximité des seuils dans le portail : balayage avec et sans (les-deux), partout "
        "coupée (coupes), ou balayage sans puis une exécution avec à la taille retenue",
    )
    parser.add_argument("--ideal-seul", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ecart", type=float, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--a-re-simuler", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--alterne",
        action="store_true",
        help="lot par lot, l'idéal puis le portail dans ce processus (seuils coupés)",
    )
    parser.add_argument(
        "--seuils-seulement",
        action="store_true",
        help="ne mesurer que le coût de la proximité des seuils (rien n'est écrit)",
    )
    args = parser.parse_args()
    if args.ideal_seul:
        return mesurer_ideal(args.taille_lot, args.foyers, args.ecart, args.a_re_simuler)
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
        sys.exit("Ce banc d'essai demande PostgreSQL (DATABASE_URL) et Redis (CELERY_BROKER_URL).")
    nom = connection.settings_dict["NAME"]
    if "bench" not in nom and "broker" not in nom:
        sys.exit("Ce banc d'essai efface les signalements : base de banc seulement.")
    ids = list(Foyer.objects.order_by("pk").values_list("pk", flat=True))
    limite = args.foyers
    n = min(limite or len(ids), len(ids))
    perimetre = "modifies" if limite else "tous"
    tailles = [int(t) for t in args.tailles.split(",")]
    print(f"{n} foyers (sur {len(ids)}), mois simulé {mois_courant():%m/%Y} ; {charge()}")
    analyser()
    if not args.sans_controle:
        print(f"Simulation idéale = moteur du portail (300 foyers) : {meme_calcul(ids[:300])}")
    if args.seuils_seulement:
        cout_des_seuils(ids[:n], args.taille_lot)
        return
    if args.alterne:
        alterner(ids[:n], args.taille_lot)
        return

    pourcent = settings.DETECTION_ECART_SEUIL_POURCENT
    if not pourcent and args.seuils != "coupes":
        sys.exit("DETECTION_ECART_SEUIL_POURCENT vaut 0 : rien à comparer avec les seuils.")
    ecart = pourcent / 100
    modes = ["sans", "avec"] if args.seuils == "les-deux" else ["sans"]
    limite_memoire = 1.5 * 2**30
    mesures: dict[int, dict] = {}
    a_re_simuler: set[int] | None = None
    for taille in tailles:
        essais = []
        for _ in range(args.paires):
            m = {}
            for mode in modes:
                repartir_de_zero(ids, limite)
                execution, duree, pics = executer(
                    perimetre, 1, taille, 0 if mode == "sans" else pourcent
                )
                assert execution.statut == "terminee", execution.erreurs
                assert execution.total == n, execution.total
                m[mode] = mesure(execution, duree, pics)
                if a_re_simuler is None and args.seuils != "coupes":
                    a_re_simuler = foyers_re_simules(execution, ids[:n])
                p = m[mode]
                print(
                    f"Lots de {taille}, portail 1 worker, seuils {'coupés' if mode == 'sans' else f'± {pourcent} %'}"
                    f" : {p['portail']:.0f} foyers/s ({duree:.1f} s), en processeur "
                    f"{p['portail_cpu']:.0f} foyers/s ({execution.processeur:.1f} s, workers seuls), "
                    f"pic {p['pic_portail'] / 2**30:.2f} Go ; signalements créés : {p['crees']}, "
                    f"incomplets : {execution.incomplets} ; {charge()}"
                )
            i = ideal(taille, n, ecart, a_re_simuler)
            m.update(
                ideal=i["simules"] / i["secondes"],
                ideal_cpu=i["simules"] / i["processeur"],
                pic_ideal=i["pic"],
                ideal_secondes=i["secondes"],
                ideal_processeur=i["processeur"],
            )
            print(
                f"Lots de {taille}, idéal : {m['ideal']:.0f} foyers/s (simulation {i['secondes']:.1f} s),"
                f" en processeur {m['ideal_cpu']:.0f} foyers/s ({i['processeur']:.1f} s), pic "
                f"{m['pic_ideal'] / 2**30:.2f} Go ; {charge()}"
            )
            if a_re_simuler is not None:
                m.update(
                    egal=i["simules"] / (i["secondes"] + i["secondes_seuils"]),
                    egal_cpu=i["simules"] / (i["processeur"] + i["processeur_seuils"]),
                )
                print(
                    f"   idéal à travail égal (+ {len(a_re_simuler)} foyers re-simulés, "
                    f"{i['copies']} copies ± {pourcent} % : +{i['processeur_seuils']:.1f} s de "
                    f"processeur, +{100 * i['processeur_seuils'] / i['processeur']:.0f} %) : "
                    f"{m['egal']:.0f} foyers/s, en processeur {m['egal_cpu']:.0f} foyers/s"
                )
            for mode in modes:
                cle = "ideal" if mode == "sans" else "egal"
                print(
                    f"   portail {'sans' if mode == 'sans' else 'avec'} seuils / "
                    f"{'idéal' if mode == 'sans' else 'idéal à travail égal'} du même lot : "
                    f"{100 * m[mode]['portail_cpu'] / m[f'{cle}_cpu']:.0f} % en processeur, "
                    f"{100 * m[mode]['portail'] / m[cle]:.0f} % en temps réel"
                )
            essais.append(m)
        mesures[taille] = paire_mediane(essais)

    choisie = rapport(
        "Passe de détection (seuils coupés) contre l'idéal",
        mesures,
        "sans",
        "ideal",
        limite_memoire,
    )
    if args.seuils == "balayage-coupe":
        repartir_de_zero(ids, limite)
        execution, duree, pics = executer(perimetre, 1, choisie, pourcent)
        assert execution.statut == "terminee", execution.erreurs
        mesures[choisie]["avec"] = mesure(execution, duree, pics)
        p = mesures[choisie]["avec"]
        print(
            f"Lots de {choisie}, portail 1 worker, seuils ± {pourcent} % : {p['portail']:.0f} "
            f"foyers/s ({duree:.1f} s), en processeur {p['portail_cpu']:.0f} foyers/s "
            f"({execution.processeur:.1f} s), pic {p['pic_portail'] / 2**30:.2f} Go ; "
            f"{p['resimules']} foyers re-simulés (idéal : {len(a_re_simuler)}) ; {charge()}"
        )
    if args.seuils != "coupes":
        choisie = rapport(
            "Portail complet (seuils ± 5 %) contre l'idéal à travail égal".replace(
                "5", str(pourcent)
            ),
            mesures,
            "avec",
            "egal",
            limite_memoire,
        )
        print(
            f"   foyers re-simulés : portail {mesures[choisie]['avec']['resimules']}, idéal "
            f"{len(a_re_simuler)}"
        )
    mode = "sans" if args.seuils == "coupes" else "avec"
    ecart_workers = 0 if mode == "sans" else pourcent
    if args.paires_workers:
        echelle_des_workers(ids, limite, perimetre, choisie, ecart_workers, args.paires_workers)
    else:
        reference = mesures[choisie][mode]["portail"]
        repartir_de_zero(ids, limite)
        execution, duree, pics = executer(perimetre, 2, choisie, ecart_workers)
        deux = execution.total / duree
        print(
            f"2 workers, lots de {choisie}, seuils {'coupés' if mode == 'sans' else f'± {pourcent} %'}"
            f" : {execution.total} foyers en {duree:.1f} s → {deux:.0f} foyers/s : ×"
            f"{deux / reference:.2f} un worker (objectif ≥ ×1,85) ; en processeur "
            f"{execution.processeur:.1f} s ; pic par worker : "
            + ", ".join(f"{p / 2**30:.2f} Go" for p in pics)
            + f" ; {charge()}"
        )

    if not args.sans_reexecution:
        if limite:  # les mêmes foyers, de nouveau « modifiés »
            Foyer.objects.filter(pk__in=ids[:n]).update(faits_modifies_le=timezone.now())
        execution, duree, pics = executer(perimetre, 1, choisie, ecart_workers)
        print(
            f"Nouvelle exécution complète sans changement (1 worker) : {execution.total} foyers en "
            f"{duree:.1f} s → {execution.total / duree:.0f} foyers/s, "
            f"{execution.signalements_crees} créés ; {charge()}"
        )

    centieme = ids[:n][::100]
    Foyer.objects.filter(pk__in=centieme).update(faits_modifies_le=timezone.now())
    execution, duree, pics = executer("modifies", 1, choisie, ecart_workers)
    print(
        f"Incrémental, {len(centieme)} foyers modifiés (1 %) : {execution.total} resimulés en "
        f"{duree:.1f} s (objectif < 5 s) ; {charge()}"
    )
    print(f"Signalements en base : {Signalement.objects.count()}")


if __name__ == "__main__":
    main()
