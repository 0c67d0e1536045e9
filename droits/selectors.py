from django.db.models import Prefetch

from droits.models import ChangementSignalement, PrestationFoyer, Signalement


def prestations_du_foyer(foyer):
    return PrestationFoyer.objects.filter(foyer=foyer).select_related(
        "prestation__axe", "beneficiaire", "saisi_par"
    )


def signalements_du_foyer(foyer):
    return (
        Signalement.objects.filter(foyer=foyer)
        .select_related("prestation__axe")
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
    from droits.enums import PerimetreDetection, StatutExecution
    from droits.models import EtatDetectionFoyer, ExecutionDetection

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
        from droits.models import Prestation

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


def signalements_par_etat() -> dict:
    """Le tableau des signalements par prestation (lignes) et par état (colonnes), compté en
    base en une requête : des chiffres, aucun nom."""
    from django.db.models import Count

    from droits.enums import EtatSignalement
    from droits.models import Signalement

    comptes: dict[str, dict[str, int]] = {}
    for ligne in (
        Signalement.objects.values("prestation__libelle", "etat")
        .annotate(n=Count("pk"))
        .order_by("prestation__libelle")
    ):
        comptes.setdefault(ligne["prestation__libelle"], {})[ligne["etat"]] = ligne["n"]
    etats = EtatSignalement.choices
    lignes = [
        (libelle, [par_etat.get(code, 0) for code, _ in etats], sum(par_etat.values()))
        for libelle, par_etat in comptes.items()
    ]
    totaux = [sum(ligne[1][i] for ligne in lignes) for i in range(len(etats))]
    return {
        "etats": [libelle for _, libelle in etats],
        "lignes_signalements": lignes,
        "totaux_signalements": totaux,
        "total_signalements": sum(totaux),
    }
