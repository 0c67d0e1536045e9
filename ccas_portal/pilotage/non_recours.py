"""L'entonnoir du non-recours : ce que sont devenus les signalements repérés dans la période
(docs/adr/0020).

Une cohorte : les signalements repérés (créés) dans la période, aux filtres de site et d'axe
du tableau de bord, suivis jusqu'à la date du calcul. Un signalement compte à chaque étape
qu'il a atteinte, et aux étapes d'avant : l'entonnoir ne s'élargit jamais (un droit ouvert
sans contact noté compte aussi parmi les contactés et les demandes déposées).
- Contactés : passés à « personne contactée », « demande déposée » ou « droit ouvert » ;
- Demandes déposées : passés à « demande déposée » ou « droit ouvert » ;
- Droits ouverts : à « droit ouvert » (état final : un signalement clos ne change plus) ;
- Non éligibles ou refus de la personne : clos sans droit (à côté de l'entonnoir : ils ont pu
  être contactés, ou avoir déposé une demande, avant).
Les étapes passées se lisent dans l'historique (`ChangementSignalement`) et dans l'état.

Montants des droits ouverts : l'estimation de la détection (`Signalement.montant_estime`) et
le montant mensuel ACCORDÉ, celui de la prestation du foyer enregistrée au changement d'état
vers « droit ouvert » (`Signalement.prestation_foyer.montant_mensuel`) ; sa valeur annuelle est ce
montant × 12. Un droit ouvert sans montant accordé saisi ne compte pas dans l'accordé : il
est compté à part. Délai : du repérage du signalement (`cree_le`) à son changement d'état
vers « droit ouvert » (historique), en jours ; la médiane par prestation et toutes prestations.

Mêmes règles de masquage que le reste du tableau de bord (tableaux.py) : chaque chiffre porte
le nombre de foyers distincts derrière lui.

Deux calculs, mêmes chiffres (testé) :
- par les agrégats de la nuit (docs/adr/0033) : la cohorte se découpe par jour de REPÉRAGE ;
  chaque cellule (jour ou mois de repérage, site, axe, « étape|prestation ») dit combien de
  signalements ont atteint l'étape au moment du calcul de nuit, et leurs foyers ; pour les
  droits ouverts, les montants estimé et accordé, les droits sans montant accordé et les
  délais (en microsecondes, un par droit ouvert : la médiane ne s'agrège pas, les délais
  sont gardés). Les jours de repérage non agrégés (aujourd'hui) sont comptés sur les lignes.
  L'étape d'un signalement change après son mois de repérage : la nuit refait les cohortes
  des signalements écrits, changés d'état ou dont la prestation du foyer a changé depuis son
  dernier calcul (agregats.ENTONNOIR, `Source.touche`) ; d'ici là, la page les montre à
  l'étape de la nuit (elle dit de quand datent ses agrégats) ;
- sur les lignes (« Recalculer maintenant », et la référence des tests), en quatre
  requêtes : les étapes par prestation, les intitulés du catalogue, les étapes toutes
  prestations ensemble (un nombre de foyers distincts ne s'additionne pas), les droits
  ouverts de la cohorte — une ligne par droit ouvert : leurs montants, foyers et délais sont
  comptés en Python.
"""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from statistics import median

import numpy as np
from django.db import connection
from django.db.models import Count, F, Min, Q

from ccas_portal.petits_effectifs import Chiffre, compte, proteger_grille
from ccas_portal.pilotage import agregats
from ccas_portal.pilotage import indicateurs as ind
from ccas_portal.pilotage.tableaux import Tableau
from droits.enums import EtatSignalement as E
from droits.models import ChangementSignalement, Prestation

#: Les étapes de l'entonnoir : code → (libellé, états qui disent l'étape atteinte).
ETAPES = {
    "reperes": ("Repérés", None),
    "contactes": ("Contactés", (E.CONTACTE, E.DEMANDE_DEPOSEE, E.DROIT_OUVERT)),
    "demandes": ("Demandes déposées", (E.DEMANDE_DEPOSEE, E.DROIT_OUVERT)),
    "ouverts": ("Droits ouverts", (E.DROIT_OUVERT,)),
    "refus": ("Non éligibles ou refus de la personne", (E.NON_ELIGIBLE, E.REFUS)),
}
#: Les étapes finales se lisent dans l'état seul (un signalement clos ne change plus).
FINALES = ("ouverts", "refus")
TOUTES = "Toutes prestations"
CENTIME = Decimal("0.01")


def _atteinte(code: str, f: ind.Filtres) -> Q:
    """Le signalement a atteint l'étape `code` (ou une étape plus loin)."""
    etats = ETAPES[code][1]
    if etats is None:
        return Q()
    q = Q(etat__in=etats)
    if code in FINALES:
        return q
    # IN (sous-requête non corrélée) plutôt qu'EXISTS corrélé : PostgreSQL lit une fois les
    # changements vers ces états et les range dans une table de hachage (mesuré : un EXISTS
    # par ligne faisait estimer la requête assez chère pour la compiler à la volée, JIT,
    # 4,5 s de compilation pour 1,3 s d'exécution sur un an, 200 000 signalements).
    # Un signalement de la cohorte ne change d'état qu'après son repérage : seuls les
    # changements faits depuis le début de la période sont lus.
    passes = ChangementSignalement.objects.filter(
        nouveau__in=etats, le__gte=f.periode.debut_horodate
    ).values("signalement_id")
    return q | Q(pk__in=passes)


def _par_foyer(f: ind.Filtres, *groupe: str):
    """La cohorte groupée par `groupe` et foyer : par étape, le nombre de signalements du
    foyer qui l'ont atteinte."""
    mesures = {f"n_{code}": Count("pk", filter=_atteinte(code, f)) for code in ETAPES}
    champs = {"g": F(groupe[0])} if groupe else {}
    return (
        cohorte(f)
        .annotate(fo=F("foyer"), **champs)
        .values(*champs, "fo")
        .annotate(**mesures)
        .order_by()
    )


def _mesures(f: ind.Filtres, *groupe: str) -> list[dict]:
    """Les étapes de l'entonnoir par `groupe` (rien : toutes prestations), en une requête :
    signalements et foyers distincts à chaque étape.

    Deux temps : la cohorte groupée par (groupe, foyer) — une ligne par foyer, ses nombres
    de signalements à chaque étape —, puis ces lignes groupées par `groupe` : un foyer qui a
    atteint l'étape est une ligne dont le nombre n'est pas nul. Un seul groupement par
    foyer au lieu de sept `COUNT(DISTINCT foyer)` triés chacun sur disque (mesuré :
    docs/benchmarks.md). Les montants viennent des droits ouverts (`droits_ouverts`)."""
    sql, params = _par_foyer(f, *groupe).query.sql_with_params()
    colonnes = []
    for code in ETAPES:
        colonnes += [f"SUM(n_{code})", f"SUM(CASE WHEN n_{code} > 0 THEN 1 ELSE 0 END)"]
    cle = "g" if groupe else "NULL"
    requete = f"SELECT {cle}, {', '.join(colonnes)} FROM ({sql}) par_foyer"
    if groupe:
        requete += " GROUP BY g"
    noms = [x for code in ETAPES for x in (f"n_{code}", f"foyers_{code}")]
    resultats = []
    with connection.cursor() as curseur:
        curseur.execute(requete, params)
        for cle_lue, *valeurs in curseur.fetchall():
            r = {nom: int(v or 0) for nom, v in zip(noms, valeurs, strict=True)}
            r["prestation"] = cle_lue
            resultats.append(r)
    return resultats


#: Les cellules des droits ouverts, à côté des étapes (clé « mesure|prestation »).
ACCORDE, SANS_MONTANT, DELAIS = "accorde", "sans_montant", "delais"
UNE_MICROSECONDE = timedelta(microseconds=1)


def cellules_de_la_cohorte(qs, groupe) -> dict[tuple, agregats.Cellule]:
    """Les signalements `qs` en cellules de l'entonnoir (agregats.ENTONNOIR), par (`groupe` —
    le jour de repérage, ou un morceau de bord —, site, axe, « étape|prestation ») : une
    ligne par signalement (ses changements d'état comptés par la base), rangée dans chaque
    étape atteinte — mêmes règles que `_atteinte` — et, droit ouvert, dans les cellules des
    montants : « ouverts » porte l'estimé, « accorde » l'accordé, « sans_montant » les
    droits ouverts sans montant accordé saisi, « delais » les délais en microsecondes.

    Tous les changements d'état du signalement sont lus, quand `_atteinte` ne lit que ceux
    d'après le début de la période : c'est la même chose, un signalement ne changeant d'état
    qu'après son repérage."""
    atteintes = {
        code: Count("changements", filter=Q(changements__nouveau__in=etats))
        for code, (_, etats) in ETAPES.items()
        if etats is not None and code not in FINALES
    }
    lignes = (
        qs.annotate(
            groupe=groupe,
            ouvert_le=Min("changements__le", filter=Q(changements__nouveau=E.DROIT_OUVERT)),
            **{f"n_{code}": n for code, n in atteintes.items()},
        )
        .values_list(
            "groupe",
            "foyer__site",
            "prestation__axe",
            "prestation",
            "foyer",
            "etat",
            "cree_le",
            "ouvert_le",
            "montant_estime",
            "prestation_foyer__montant_mensuel",
            *(f"n_{code}" for code in atteintes),
        )
        .order_by()
    )
    # (groupe, site, axe, clé) → [nombre, somme, foyers, délais]
    cellules: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), [], []])
    for ligne in lignes:
        g, site, axe, prestation, foyer, etat, repere_le, ouvert_le, estime, accorde = ligne[:10]
        passes = dict(zip(atteintes, ligne[10:], strict=True))
        mesures = [  # (cellule, somme, délai)
            (code, estime if code == "ouverts" else Decimal(0), None)
            for code, (_, etats) in ETAPES.items()
            if etats is None or etat in etats or passes.get(code)
        ]
        if etat == E.DROIT_OUVERT:
            mesures.append(
                (SANS_MONTANT, Decimal(0), None) if accorde is None else (ACCORDE, accorde, None)
            )
            if ouvert_le is not None:
                delai = max(0, (ouvert_le - repere_le) // UNE_MICROSECONDE)
                mesures.append((DELAIS, Decimal(0), delai))
        for mesure, somme, delai in mesures:
            c = cellules[(g, site, axe or "", f"{mesure}|{prestation}")]
            c[0] += 1
            c[1] += somme
            c[2].append(foyer)
            if delai is not None:
                c[3].append(delai)
    return {
        cle: agregats.Cellule(
            n,
            somme,
            [],
            [agregats.ensemble(foyers)],
            [],
            [np.asarray(delais, dtype=np.int64)] if delais else [],
        )
        for cle, (n, somme, foyers, delais) in cellules.items()
    }


def _depuis_les_agregats(f: ind.Filtres) -> dict:
    """Les chiffres de la section lus dans les agrégats de l'entonnoir (et les jours de
    repérage non agrégés, comptés sur les lignes) : au plus trois requêtes, et les intitulés
    du catalogue."""
    filtre = f.par_site(agregats.ENTONNOIR.site) & f.par_axe(agregats.ENTONNOIR.axe)
    (lecture,), _ = agregats.lire(
        agregats.ENTONNOIR, filtre, f.sites_effectifs, f.axes, [f.periode]
    )
    par_mesure: dict[str, dict] = defaultdict(lambda: defaultdict(agregats.Cellule))
    for (_, _, cle), c in lecture.cellules.items():
        mesure, prestation = cle.split("|", 1)
        par_mesure[mesure][prestation].ajouter(c)
        par_mesure[mesure][None].ajouter(c)
    prestations = sorted(p for p in par_mesure["reperes"] if p is not None)
    libelles = dict(Prestation.objects.values_list("code", "libelle"))  # catalogue court
    resultats = {}
    for cle in [*prestations, None]:
        r = {"prestation": cle}
        for code in ETAPES:
            c = par_mesure[code].get(cle) or agregats.Cellule()
            r[f"n_{code}"], r[f"foyers_{code}"] = c.n, c.effectif
        if cle is not None:
            r["prestation__libelle"] = libelles.get(cle, cle)
        resultats[cle] = r
    ouverts = {}
    for cle in resultats:
        if not resultats[cle]["n_ouverts"]:
            continue
        accorde = par_mesure[ACCORDE].get(cle) or agregats.Cellule()
        sans_montant = par_mesure[SANS_MONTANT].get(cle) or agregats.Cellule()
        delais = par_mesure[DELAIS].get(cle) or agregats.Cellule()
        ouverts[cle] = {
            "estime": par_mesure["ouverts"][cle].somme,
            "accorde": accorde.somme,
            "foyers_accorde": accorde.effectif,
            "sans_montant": sans_montant.n,
            "foyers_sans_montant": sans_montant.effectif,
            # Comme `droits_ouverts` : des jours, depuis des microsecondes entières.
            "delais": [int(v) / 10**6 / 86400 for a in delais.valeurs for v in a],
            "foyers_delais": delais.effectif,
        }
    total = resultats.pop(None)
    return {"par_prestation": resultats, "total": total, "ouverts": ouverts}


def cohorte(f: ind.Filtres):
    """Les signalements repérés dans la période (filtres de site et d'axe)."""
    return ind.signalements(f).filter(f.dans_periode("cree_le", horodate=True))


def droits_ouverts(f: ind.Filtres) -> dict[str | None, dict]:
    """Les droits ouverts de la cohorte, une ligne chacun (les seules lignes lues) : par
    prestation et toutes prestations (None), les montants estimé et accordé, les droits
    ouverts sans montant accordé saisi, les délais repérage → droit ouvert en jours (premier
    changement vers « droit ouvert » noté), et les foyers derrière chacun de ces chiffres."""
    lignes = (
        cohorte(f)
        .filter(etat=E.DROIT_OUVERT)
        .annotate(ouvert_le=Min("changements__le", filter=Q(changements__nouveau=E.DROIT_OUVERT)))
        .values_list(
            "prestation",
            "foyer",
            "cree_le",
            "ouvert_le",
            "montant_estime",
            "prestation_foyer__montant_mensuel",
        )
        .order_by()
    )
    ouverts: dict[str | None, dict] = {}
    for prestation, foyer, repere_le, ouvert_le, estime, accorde in lignes:
        for cle in (prestation, None):
            o = ouverts.setdefault(cle, _aucun_droit_ouvert())
            o["estime"] += estime
            if accorde is None:
                o["sans_montant"] += 1
                o["foyers_sans_montant"].add(foyer)
            else:
                o["accorde"] += accorde
                o["foyers_accorde"].add(foyer)
            if ouvert_le is not None:
                o["delais"].append(max(0.0, (ouvert_le - repere_le).total_seconds() / 86400))
                o["foyers_delais"].add(foyer)
    for o in ouverts.values():  # des foyers distincts : seul leur nombre est publié
        for champ in ("foyers_accorde", "foyers_sans_montant", "foyers_delais"):
            o[champ] = len(o[champ])
    return ouverts


def _aucun_droit_ouvert(foyers=set) -> dict:
    return {
        "estime": Decimal(0),
        "accorde": Decimal(0),
        "foyers_accorde": foyers(),
        "sans_montant": 0,
        "foyers_sans_montant": foyers(),
        "delais": [],
        "foyers_delais": foyers(),
    }


def entonnoir(f: ind.Filtres) -> list[Tableau]:
    """Les trois tableaux de la section : l'entonnoir toutes prestations (graphique en
    entonnoir), l'entonnoir par prestation, les montants et le délai des droits ouverts."""
    calculs, assembler = preparer(f)
    return assembler({nom: calcul() for nom, calcul in calculs.items()})


def preparer(f: ind.Filtres):
    """Les calculs indépendants de la section, que la page mène en même temps que ses
    autres tableaux (instantanes._ensemble), et de quoi en assembler les tableaux : par les
    agrégats, un seul (`_depuis_les_agregats`) ; sur les lignes, trois (par prestation avec
    les intitulés, toutes prestations, délais : quatre requêtes)."""

    def par_prestation() -> dict:
        # Groupés par le seul code : l'intitulé (jusqu'à 200 caractères) dans chaque ligne
        # à trier faisait déborder le tri sur disque (mesuré) ; intitulés lus à part.
        lignes = {r["prestation"]: r for r in _mesures(f, "prestation")}
        libelles = dict(Prestation.objects.values_list("code", "libelle"))  # catalogue court
        for code, r in lignes.items():
            r["prestation__libelle"] = libelles.get(code, code)
        return lignes

    if ind.avec_agregats():
        calculs = {"agregats": lambda: _depuis_les_agregats(f)}
    else:
        calculs = {
            "par_prestation": par_prestation,
            "total": lambda: _mesures(f)[0],
            "ouverts": lambda: droits_ouverts(f),
        }

    def assembler(resultats: dict) -> list[Tableau]:
        resultats = resultats.get("agregats", resultats)
        lignes, total = resultats["par_prestation"], resultats["total"]
        ouverts = resultats["ouverts"]
        for cle, r in [*lignes.items(), (None, total)]:
            r |= ouverts.get(cle) or _aucun_droit_ouvert(int)
        ordre = sorted(lignes, key=lambda c: (lignes[c]["prestation__libelle"], c))
        return [
            _tableau_entonnoir(total),
            _tableau_par_prestation(lignes, ordre),
            _tableau_montants(lignes, ordre, total),
        ]

    return calculs, assembler


def _etape(r: dict, code: str) -> Chiffre:
    return compte(r[f"n_{code}"], r[f"foyers_{code}"])


def _tableau_entonnoir(total: dict) -> Tableau:
    t = Tableau(
        "entonnoir",
        "Entonnoir du non-recours : signalements repérés dans la période, étape atteinte",
        ["Signalements"],
        graphique="entonnoir",
        repartition=False,  # des étapes emboîtées, pas les parts d'un total
    )
    if total["n_reperes"]:
        for code, (libelle, _) in ETAPES.items():
            t.ajouter(libelle, _etape(total, code))
    return t


def _tableau_par_prestation(par_prestation: dict, ordre: list) -> Tableau:
    # Répartition : la somme de chaque colonne est l'entonnoir toutes prestations (chaque
    # signalement porte une prestation) ; masquage secondaire par colonne (Tableau.proteger).
    t = Tableau(
        "entonnoir_prestations",
        "Entonnoir du non-recours par prestation",
        [libelle for libelle, _ in ETAPES.values()],
        graphique="barres",
    )
    for code in ordre:
        r = par_prestation[code]
        t.ajouter(r["prestation__libelle"], *(_etape(r, e) for e in ETAPES))
    return t


def _montants(r: dict) -> list[Chiffre]:
    jours = r["delais"]
    return [
        _etape(r, "ouverts"),
        Chiffre(r["estime"].quantize(CENTIME), r["foyers_ouverts"], "€"),
        Chiffre(r["accorde"].quantize(CENTIME), r["foyers_accorde"], "€"),
        Chiffre((r["accorde"] * 12).quantize(CENTIME), r["foyers_accorde"], "€"),
        Chiffre(round(median(jours), 1) if jours else 0, r["foyers_delais"], "j"),
        compte(r["sans_montant"], r["foyers_sans_montant"]),
    ]


#: Les colonnes des montants qui s'additionnent d'une prestation à l'autre (pas la médiane).
ADDITIVES = (0, 1, 2, 3, 5)


def _tableau_montants(par_prestation: dict, ordre: list, total: dict) -> Tableau:
    t = Tableau(
        "droits_ouverts_montants",
        "Droits ouverts des signalements repérés dans la période : montants et délai",
        [
            "Droits ouverts",
            "Montant mensuel estimé",
            "Montant mensuel accordé",
            "Valeur annuelle accordée (mensuel × 12)",
            "Délai médian du repérage au droit ouvert",
            "Droits ouverts sans montant accordé saisi",
        ],
        # Masquage secondaire fait ici : la ligne « Toutes prestations » publie la somme des
        # colonnes additives ; une médiane ne se déduit pas des autres.
        repartition=False,
    )
    lignes = [c for c in ordre if par_prestation[c]["n_ouverts"]]
    if not lignes:
        return t
    grille = [_montants(par_prestation[c]) for c in lignes]
    proteger_grille(grille, [[(i, j) for i in range(len(grille))] for j in ADDITIVES])
    for code, chiffres in zip(lignes, grille, strict=True):
        t.ajouter(par_prestation[code]["prestation__libelle"], *chiffres)
    t.ajouter(TOUTES, *_montants(total))
    return t
