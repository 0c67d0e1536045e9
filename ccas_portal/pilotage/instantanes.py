"""Les instantanés du tableau de bord : les chiffres d'une page, pour des filtres donnés,
calculés une fois puis relus.

Calculer une page sur un an et 100 000 foyers demande quelques secondes à PostgreSQL (des
dizaines d'agrégats sur un million d'interventions, 300 000 passages, 200 000 signalements,
avec des comptes distincts de personnes et de foyers pour la règle des petits effectifs :
docs/benchmarks.md). Ces chiffres sont donc rangés (`InstantaneTableauDeBord`) :
- chaque nuit, Celery calcule les périodes courantes (mois en cours et précédent, trimestre,
  année en cours et précédente, 12 derniers mois) de la vue d'ensemble et de chaque axe, tous
  sites (`precalculer`) ;
- toute autre combinaison est calculée à sa première demande, puis relue ; ce calcul lit
  les mois clos des passages, des interventions et des signalements dans les agrégats
  mensuels que la même tâche de nuit refait d'abord (agregats.py) ;
- un instantané plus vieux que `PILOTAGE_FRAICHEUR_HEURES` est recalculé à la demande
  suivante, et le bouton « Recalculer maintenant » le refait tout de suite, tout compté sur
  les lignes (`sur_les_lignes`).
La page dit toujours de quand datent ses chiffres. Les exports lisent le même instantané : ce
qui est téléchargé est ce qui est affiché.
"""

import contextvars
import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.enums import Role
from ccas_portal.models import Agent, InstantaneTableauDeBord
from ccas_portal.periodes import Periode
from ccas_portal.petits_effectifs import Chiffre
from ccas_portal.pilotage import agregats, non_recours
from ccas_portal.pilotage import indicateurs as ind
from ccas_portal.pilotage import instruction as aides_du_ccas
from ccas_portal.pilotage.indicateurs import LIBELLES_CLES, Filtres
from ccas_portal.pilotage.tableaux import Tableau
from droits.axes import AXES

#: Les tableaux de chaque page, dans l'ordre d'affichage : code → fonction(filtres) (qui rend
#: un tableau, ou une liste de tableaux calculés ensemble : l'entonnoir du non-recours).
TABLEAUX_ENSEMBLE = {
    "tendances": ind.tendances,
    "par_site": ind.par_site,
    "par_age": ind.par_tranche_d_age,
    "accompagnements_axes": ind.accompagnements_par_axe,
    "motifs_cloture": ind.motifs_de_cloture,
    "interventions_types": ind.interventions_par_type,
    "orientations": ind.orientations_par_partenaire,
    "actions_collectives": ind.actions_collectives_par_site,
    "non_recours": ind.non_recours_par_prestation,
    "entonnoir": non_recours.entonnoir,
    # Aides du CCAS : demandes, montants, délais, budgets (une liste de tableaux).
    "aides": aides_du_ccas.tableaux,
}
TABLEAUX_AXE = {
    "indicateurs_axe": None,  # ind.indicateurs_de_l_axe(filtres, axe)
    "tendances": ind.tendances,
    "par_site": ind.par_site,
    "par_age": ind.par_tranche_d_age,
    "motifs_cloture": ind.motifs_de_cloture,
    "interventions_types": ind.interventions_par_type,
    "orientations": ind.orientations_par_partenaire,
    "non_recours": ind.non_recours_par_prestation,
    "entonnoir": non_recours.entonnoir,
}


# --- (Dé)sérialisation -------------------------------------------------------------------


def _chiffre_en_json(c: Chiffre) -> list:
    valeur = str(c.valeur) if isinstance(c.valeur, Decimal) else c.valeur
    return [valeur, c.effectif, c.unite, c.secret]


def _chiffre(donnees: list) -> Chiffre:
    valeur, effectif, unite, *secret = donnees  # instantanés d'avant le masquage secondaire
    if unite == "€":
        valeur = Decimal(str(valeur))
    return Chiffre(valeur, effectif, unite, bool(secret and secret[0]))


def _tableau_en_json(t: Tableau) -> dict:
    return {
        "code": t.code,
        "titre": t.titre,
        "colonnes": t.colonnes,
        "graphique": t.graphique,
        "partielles": t.partielles,
        "lignes": [
            [libelle, [_chiffre_en_json(c) for c in chiffres]] for libelle, chiffres in t.lignes
        ],
    }


def _tableau(donnees: dict) -> Tableau:
    return Tableau(
        donnees["code"],
        donnees["titre"],
        donnees["colonnes"],
        [(libelle, [_chiffre(c) for c in chiffres]) for libelle, chiffres in donnees["lignes"]],
        donnees["graphique"],
        partielles=donnees.get("partielles", []),  # instantanés d'avant les mois partiels
    )


# --- Calcul ------------------------------------------------------------------------------


#: Calculs menés en même temps, chacun sur sa propre connexion à la base (voir `_ensemble`).
CALCULS_SIMULTANES = 4
#: `work_mem` de PostgreSQL pour les connexions de ces calculs (4 Mo par défaut du serveur).
MEMOIRE_DE_CALCUL = "32MB"


def _ensemble(calculs: list) -> list:
    """Les résultats des `calculs` (fonctions sans argument), dans l'ordre. Ils ne font que
    lire et ne dépendent pas les uns des autres : hors transaction, ils sont menés en même
    temps sur `CALCULS_SIMULTANES` connexions (PostgreSQL exécute chaque requête sur un cœur ;
    une page en fait une trentaine). Dans une transaction (tests, écriture en cours), ils sont
    menés l'un après l'autre : une autre connexion ne verrait pas ce qui n'est pas validé."""
    if connection.in_atomic_block or CALCULS_SIMULTANES < 2:
        return [calcul() for calcul in calculs]

    contexte = contextvars.copy_context()  # les lectures partagées de la page

    def mener(calcul):
        try:
            if connection.vendor == "postgresql":
                # La connexion de ce fil, fermée à la fin du calcul : plus de mémoire de tri
                # et de hachage pour ses seules requêtes (mesuré : le groupement de
                # l'entonnoir par (prestation, foyer) débordait sur disque à 4 Mo).
                with connection.cursor() as curseur:
                    curseur.execute(f"SET work_mem = '{MEMOIRE_DE_CALCUL}'")
            return contexte.copy().run(calcul)
        finally:
            connections.close_all()  # les connexions de ce fil, pas celles de l'appelant

    with ThreadPoolExecutor(max_workers=CALCULS_SIMULTANES) as executeur:
        return list(executeur.map(mener, calculs))


def calculer(filtres: Filtres, axe: str | None, *, sur_les_lignes: bool = False) -> dict:
    """Toute la page, en JSON : chiffres clés (et un an avant), puis les tableaux. Chaque
    famille de chiffres clés et chaque tableau est un calcul indépendant (`_ensemble`) ; ils
    partagent leurs lectures des agrégats mensuels (une par source). `sur_les_lignes` : sans
    les agrégats, tout compté sur les lignes (mêmes chiffres si les agrégats sont à jour)."""
    with ind.lectures_de_la_page(filtres, sur_les_lignes=sur_les_lignes):
        return _calculer(filtres, axe)


def _calculer(filtres: Filtres, axe: str | None) -> dict:
    fonctions = list((TABLEAUX_AXE if axe else TABLEAUX_ENSEMBLE).values())
    un_seul_site = filtres.sites_effectifs is not None and len(filtres.sites_effectifs) == 1
    # Les plus longs d'abord : les familles des chiffres clés et les séries des tendances
    # (une requête chacune), puis les autres tableaux.
    requetes, assembler = ind.preparer_chiffres_cles(
        filtres, [filtres.periode, filtres.periode.un_an_avant()]
    )
    series, assembler_tendances = ind.preparer_tendances(filtres)
    # L'entonnoir du non-recours : son calcul (ses trois, sur les lignes : les plus longs)
    # mené en premier, en même temps que le reste de la page.
    entonnoir, assembler_entonnoir = non_recours.preparer(filtres)
    calculs = [*entonnoir.values(), *requetes.values(), *series.values()]
    for fonction in fonctions:
        if fonction is None:
            calculs.append(lambda: ind.indicateurs_de_l_axe(filtres, axe))
        elif (
            (fonction is ind.par_site and un_seul_site)
            or fonction is ind.tendances
            or fonction is non_recours.entonnoir
        ):
            calculs.append(lambda: None)  # assemblé ci-dessous
        else:
            calculs.append(lambda fonction=fonction: fonction(filtres))
    resultats = _ensemble(calculs)
    tableaux_entonnoir = assembler_entonnoir(dict(zip(entonnoir, resultats, strict=False)))
    resultats = resultats[len(entonnoir) :]
    cles, avant = assembler(dict(zip(requetes, resultats, strict=False)))
    resultats = resultats[len(requetes) :]
    tendances = assembler_tendances(dict(zip(series, resultats, strict=False)))
    assembles = {ind.tendances: tendances, non_recours.entonnoir: tableaux_entonnoir}
    resultats = [
        assembles.get(fonction, t)
        for fonction, t in zip(fonctions, resultats[len(series) :], strict=True)
    ]
    comparaison = ind.comparaison(filtres, cles, avant)
    avant = {
        code: chiffres[1]
        for code, (_, chiffres) in zip(LIBELLES_CLES, comparaison.lignes, strict=True)
    }
    tableaux = [comparaison]
    for fonction, t in zip(fonctions, resultats, strict=True):
        if fonction is ind.par_site and t is None:
            t = ind.par_site(filtres, cles)
        tableaux.extend(t if isinstance(t, list) else [t])
    fenetres = [filtres.periode, filtres.periode.un_an_avant(), filtres.periode.douze_mois()]
    agreges_le = agregats.agreges_le(fenetres) if ind.avec_agregats() else None
    return {
        "agreges_le": agreges_le.isoformat() if agreges_le else None,
        "cles": {code: _chiffre_en_json(c) for code, c in cles.items()},
        "avant": {code: _chiffre_en_json(c) for code, c in avant.items()},
        "tableaux": [_tableau_en_json(t.proteger()) for t in tableaux],
    }


def _cle(filtres: Filtres, axe: str | None) -> tuple[str, dict]:
    p = filtres.periode
    description = {
        "page": f"axe-{axe}" if axe else "ensemble",
        "debut": p.debut.isoformat(),
        "fin": p.fin.isoformat(),
        "libelle": p.libelle,
        "sites": sorted(filtres.sites_effectifs or []),
        "axes": sorted(filtres.axes),
    }
    texte = json.dumps(description, sort_keys=True)
    return hashlib.sha256(texte.encode()).hexdigest(), description


class Page:
    """Une page relue d'un instantané."""

    def __init__(self, instantane: InstantaneTableauDeBord):
        self.calcule_le = instantane.calcule_le
        self.duree_ms = instantane.duree_ms
        contenu = instantane.contenu
        #: Le plus ancien calcul des agrégats mensuels lus (passages, interventions,
        #: signalements des mois clos).
        self.agreges_le = (
            datetime.fromisoformat(contenu["agreges_le"]) if contenu.get("agreges_le") else None
        )
        self.cles = {code: _chiffre(c) for code, c in contenu["cles"].items()}
        self.avant = {code: _chiffre(c) for code, c in contenu["avant"].items()}
        self.tableaux = [_tableau(t) for t in contenu["tableaux"]]

    def tableau(self, code: str) -> Tableau | None:
        return next((t for t in self.tableaux if t.code == code), None)


def obtenir(
    filtres: Filtres,
    axe: str | None = None,
    *,
    recalculer: bool = False,
    sur_les_lignes: bool = False,
) -> Page:
    """L'instantané de ces filtres : relu s'il est frais, calculé (et rangé) sinon."""
    cle, description = _cle(filtres, axe)
    instantane = InstantaneTableauDeBord.objects.filter(cle=cle).first()
    limite = timezone.now() - timedelta(hours=settings.PILOTAGE_FRAICHEUR_HEURES)
    if instantane is None or recalculer or instantane.calcule_le < limite:
        debut = time.perf_counter()
        contenu = calculer(filtres, axe, sur_les_lignes=sur_les_lignes)
        instantane, _ = InstantaneTableauDeBord.objects.update_or_create(
            cle=cle,
            defaults={
                "page": description["page"],
                "filtres": description,
                "contenu": contenu,
                "calcule_le": timezone.now(),
                "duree_ms": round((time.perf_counter() - debut) * 1000),
            },
        )
    return Page(instantane)


def periodes_courantes() -> list[Periode]:
    """Les périodes calculées chaque nuit."""
    aujourd_hui = timezone.localdate()
    debut_du_mois = aujourd_hui.replace(day=1)
    return [
        Periode.mois(aujourd_hui),
        Periode.mois(debut_du_mois - timedelta(days=1)),
        Periode.trimestre(aujourd_hui),
        Periode.annee(aujourd_hui),
        Periode.annee(aujourd_hui.replace(year=aujourd_hui.year - 1, day=1)),
        Periode.dates(aujourd_hui - timedelta(days=364), aujourd_hui),
    ]


#: Un instantané que personne n'a fait recalculer depuis ce nombre de jours est effacé par le
#: calcul de nuit (les combinaisons de filtres d'un jour ne s'accumulent pas).
JOURS_DE_CONSERVATION = 7


def perimetres_des_responsables() -> list[tuple[int, ...] | None]:
    """Les périmètres à précalculer : tous les sites (None), puis les sites de chaque
    responsable rattaché à des Maisons des Habitants seulement (ce qu'il voit sans filtre)."""
    perimetres: list[tuple[int, ...] | None] = [None]
    for agent in Agent.objects.filter(role=Role.RESPONSABLE, is_active=True):
        sites = perms.perimetre_restreint(agent)
        if sites and sites not in perimetres:
            perimetres.append(sites)
    return perimetres


def precalculer() -> int:
    """Recalcule les pages des périodes courantes (vue d'ensemble et chaque axe) pour chaque
    périmètre de responsable ; efface les instantanés de plus de `JOURS_DE_CONSERVATION`
    jours."""
    InstantaneTableauDeBord.objects.filter(
        calcule_le__lt=timezone.now() - timedelta(days=JOURS_DE_CONSERVATION)
    ).delete()
    # Les mois clos d'abord (les pages les lisent) : ceux qui ont pu changer, et tous une
    # fois par semaine (ce qu'aucun horodatage ne dit : agregats.agreger_la_nuit).
    if timezone.localdate().weekday() == settings.PILOTAGE_AGREGATION_COMPLETE_LE:
        agregats.agreger()
    else:
        agregats.agreger_la_nuit()
    n = 0
    for permis in perimetres_des_responsables():
        for periode in periodes_courantes():
            for axe in (None, *AXES):
                filtres = Filtres(periode, axes=(axe,) if axe else (), sites_permis=permis)
                obtenir(filtres, axe, recalculer=True)
                n += 1
    return n
