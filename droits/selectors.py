from django.db.models import Count, Prefetch, Q

from ccas_portal.models import Agent
from ccas_portal.petits_effectifs import compte, proteger_grille
from droits.enums import EtatSignalement, PerimetreDetection, StatutExecution
from droits.models import (
    ChangementSignalement,
    EtatDetectionFoyer,
    ExecutionDetection,
    Prestation,
    PrestationFoyer,
    Signalement,
)


def poser_responsables(signalements) -> list:
    """Pose `responsable` (l'agent, ou None) sur chaque signalement, en une requête."""
    signalements = list(signalements)
    ids = {s.responsable_id for s in signalements if s.responsable_id}
    agents = Agent.objects.in_bulk(ids) if ids else {}
    for s in signalements:
        s.responsable = agents.get(s.responsable_id)
    return signalements


def prestations_du_foyer(foyer):
    return PrestationFoyer.objects.filter(foyer=foyer).select_related(
        "prestation__axe", "beneficiaire", "saisi_par"
    )


def signalements_du_foyer(agent, foyer):
    """Les signalements du foyer que l'agent voit (`visibles_par`), avec leur historique."""
    return (
        Signalement.objects.visibles_par(agent)
        .filter(foyer=foyer)
        .select_related("prestation__axe", "prestation_foyer")
        .prefetch_related(
            Prefetch(
                "changements",
                queryset=ChangementSignalement.objects.select_related("agent"),
            )
        )
        .order_by("-montant_estime", "-cree_le")
    )


def simulation_du_foyer(foyer) -> dict:
    """La dernière simulation du foyer et, s'il y en a une, celle qui tourne."""
    en_cours = (
        ExecutionDetection.objects.filter(
            perimetre=PerimetreDetection.FOYER,
            foyer=foyer,
            statut__in=[StatutExecution.EN_ATTENTE, StatutExecution.EN_COURS],
        )
        .order_by("-cree_le")
        .first()
    )
    etat = EtatDetectionFoyer.objects.filter(foyer=foyer).first()
    libelles = {}
    if etat and etat.estimations:
        libelles = dict(
            Prestation.objects.filter(code__in=etat.estimations).values_list("code", "libelle")
        )
    return {
        "foyer": foyer,
        "etat": etat,
        "en_cours": en_cours,
        "estimations": [
            (libelles.get(code, code), montant)
            for code, montant in sorted(
                (etat.estimations if etat else {}).items(), key=lambda x: -x[1]
            )
        ],
    }


def signalements_par_etat(sites: tuple[int, ...] | None = None) -> dict:
    """Le tableau des signalements par prestation (lignes) et par état (colonnes), avec ses
    totaux, compté en base en une requête, pour les foyers de `sites` (None : tous). Des
    chiffres, aucun nom ; chaque signalement est un foyer distinct pour sa prestation, et la
    règle des petits effectifs du tableau de bord s'applique (« < 5 », et « secret » pour qu'un
    chiffre masqué ne se déduise pas des totaux)."""
    qs = Signalement.objects.all()
    if sites is not None:
        qs = qs.filter(foyer__site__in=sites)
    comptes: dict[str, dict[str, int]] = {}
    for ligne in (
        qs.values("prestation__libelle", "etat")
        .annotate(n=Count("pk"))
        .order_by("prestation__libelle")
    ):
        comptes.setdefault(ligne["prestation__libelle"], {})[ligne["etat"]] = ligne["n"]
    etats = EtatSignalement.choices
    vide = {"etats": [libelle for _, libelle in etats], "lignes_signalements": []}
    if not comptes:
        return {**vide, "totaux_signalements": [], "total_signalements": "0"}
    # La grille, totaux compris : une ligne par prestation (et son total), la ligne des totaux.
    nombres = [[par_etat.get(code, 0) for code, _ in etats] for par_etat in comptes.values()]
    nombres = [[*ligne, sum(ligne)] for ligne in nombres]
    nombres.append([sum(colonne) for colonne in zip(*nombres, strict=True)])
    grille = [[compte(n) for n in ligne] for ligne in nombres]
    lignes_i, colonnes_j = range(len(grille)), range(len(etats) + 1)
    proteger_grille(
        grille,
        [[(i, j) for j in colonnes_j] for i in lignes_i]
        + [[(i, j) for i in lignes_i] for j in colonnes_j],
    )
    *par_prestation, totaux = [[str(c) for c in ligne] for ligne in grille]
    return {
        **vide,
        "lignes_signalements": [
            (libelle, ligne[:-1], ligne[-1])
            for libelle, ligne in zip(comptes, par_prestation, strict=True)
        ],
        "totaux_signalements": totaux[:-1],
        "total_signalements": totaux[-1],
    }


def executions_visibles(sites: tuple[int, ...] | None):
    """Les exécutions de la détection qu'un responsable voit (`sites` : son périmètre restreint,
    `perms.perimetre_restreint`, None pour tous) : ceux de tous les foyers ou d'un de ses
    sites, jamais la simulation d'un seul foyer (elle appartient au dossier du foyer)."""
    qs = ExecutionDetection.objects.exclude(perimetre=PerimetreDetection.FOYER)
    if sites is not None:
        qs = qs.filter(Q(site__isnull=True) | Q(site__in=sites))
    return qs.select_related("lance_par", "site")


def rendre_lisibles(executions) -> list:
    """Pose sur chaque exécution `droits_probables` : [(libellé de la prestation, nombre)], les
    nombres sous le seuil des petits effectifs masqués (« < 5 »)."""
    libelles = dict(Prestation.objects.values_list("code", "libelle"))
    executions = list(executions)
    for e in executions:
        e.droits_probables = sorted(
            (libelles.get(code, code), str(compte(n))) for code, n in e.comptes.items()
        )
    return executions
