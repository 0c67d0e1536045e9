"""La règle unique d'accès à un foyer : les sites qui ont accès à un foyer sont son site de
rattachement et les sites avec qui il est partagé (partage accepté, pas encore terminé).

Toutes les lectures et tous les contrôles par site en dérivent : `visibles_par` des foyers et
des personnes, les prédicats de `ccas_portal/perms.py`, les signalements, les prestations,
les accompagnements qu'on ouvre, le dossier social. Une personne est accessible par son site
de rattachement, ou par le foyer dont elle est membre aujourd'hui.

Un agent a accès à ce que ses sites ACTUELS ont accès : intervenir dans un accompagnement ne
donne rien de plus. Un agent passé d'un site à un autre perd l'accès aux foyers de l'ancien,
et à ses accompagnements là-bas, le jour même ; ceux-ci attendent leur passation
(`agent_a_acces_au_foyer`, `accompagnement/passation.py`, ADR 0025).
"""

from django.db.models import Exists, OuterRef, Q

from ccas_portal import perms
from ccas_portal.models import Agent
from habitants.models import Habitant, MembreFoyer
from habitants.models_partage import DemandePartage, NatureDemande, StatutDemande


def partages_en_cours():
    """Les partages acceptés et non terminés."""
    return DemandePartage.objects.filter(
        nature=NatureDemande.PARTAGE, statut=StatutDemande.ACCEPTEE
    )


def foyers_partages_avec(ids_sites):
    """Sous-requête : les foyers partagés avec l'un de ces sites."""
    return partages_en_cours().filter(site_demandeur_id__in=ids_sites).values("foyer_id")


def q_foyers_accessibles(ids_sites, chemin: str = "") -> Q:
    """Filtre des foyers auxquels ces sites ont accès, sur `Foyer` (chemin vide) ou sur un
    modèle qui y mène (`chemin="foyer__"` pour un signalement, une prestation…)."""
    return Q(**{f"{chemin}site_id__in": ids_sites}) | Q(
        **{f"{chemin}pk__in": foyers_partages_avec(ids_sites)}
    )


def q_personnes_accessibles(ids_sites) -> Q:
    """Filtre des personnes : rattachées à l'un de ces sites, ou membres aujourd'hui d'un foyer
    partagé avec l'un d'eux."""
    membres = MembreFoyer.objects.filter(
        date_fin__isnull=True, foyer_id__in=foyers_partages_avec(ids_sites)
    ).values("habitant_id")
    return Q(site_id__in=ids_sites) | Q(pk__in=membres)


def agent_a_acces_au_foyer(agent: str, foyer: str, site_du_foyer: str) -> Exists:
    """La même règle en sous-requête, pour un agent et un foyer lus dans la requête qui
    l'emploie (noms de champs de cette requête, ex. `"referent_id"`, `"foyer_id"`,
    `"foyer__site_id"`) : l'agent a-t-il aujourd'hui un site qui a accès au foyer ?
    Sert à trouver, en une requête, les accompagnements dont un intervenant n'a plus accès."""
    partage = partages_en_cours().filter(
        foyer_id=OuterRef(OuterRef(foyer)), site_demandeur_id=OuterRef("site_id")
    )
    return Exists(
        Agent.sites.through.objects.filter(agent_id=OuterRef(agent)).filter(
            Q(site_id=OuterRef(site_du_foyer)) | Q(Exists(partage))
        )
    )


def sites_ayant_acces(foyer) -> frozenset[int]:
    """Les sites qui ont accès à ce foyer (une requête)."""
    partages = partages_en_cours().filter(foyer_id=foyer.pk)
    return frozenset({foyer.site_id, *partages.values_list("site_demandeur_id", flat=True)})


def foyer_accessible(ids_sites, foyer) -> bool:
    """L'un de ces sites a-t-il accès au foyer ? (Aucune requête pour son site de
    rattachement.)"""
    if foyer.site_id in ids_sites:
        return True
    return partages_en_cours().filter(foyer_id=foyer.pk, site_demandeur_id__in=ids_sites).exists()


def personne_accessible(ids_sites, habitant) -> bool:
    """L'un de ces sites a-t-il accès à la personne ?"""
    if habitant.site_id in ids_sites:
        return True
    return Habitant.objects.filter(q_personnes_accessibles(ids_sites), pk=habitant.pk).exists()


# --- Les demandes, lues par les sites concernés ---------------------------------------------


def demandes_recues(agent):
    """Les demandes en attente sur les foyers rattachés aux sites de l'agent (il en décide)."""
    if not perms.peut_accompagner(agent):
        return DemandePartage.objects.none()
    return (
        # Les sites en sous-requête : le portefeuille, qui les montre, n'en fait pas une de plus.
        DemandePartage.objects.filter(
            statut=StatutDemande.EN_ATTENTE, foyer__site_id__in=agent.sites.values("pk")
        )
        .select_related("foyer", "habitant", "site_demandeur", "demandee_par")
        .order_by("demandee_le", "pk")
    )


def demandes_envoyees(agent):
    """Les demandes des sites de l'agent. Avant l'acceptation, le foyer et la personne n'en
    sont pas lisibles : les écrans ne montrent que le site sollicité et l'identité tapée."""
    if not perms.peut_accompagner(agent):
        return DemandePartage.objects.none()
    return (
        DemandePartage.objects.filter(site_demandeur_id__in=agent.ids_sites)
        .select_related("site_sollicite", "site_demandeur", "demandee_par", "decidee_par")
        .order_by("-demandee_le", "-pk")
    )


def partages_accordes(agent):
    """Les partages en cours des foyers rattachés aux sites de l'agent."""
    return (
        partages_en_cours()
        .filter(foyer__site_id__in=agent.ids_sites)
        .select_related("foyer", "habitant", "site_demandeur", "decidee_par")
        .order_by("site_demandeur__nom", "pk")
    )


def demandes_du_foyer(foyer):
    """Toutes les demandes d'un foyer (état des partages et historique du dossier)."""
    return (
        DemandePartage.objects.filter(foyer=foyer)
        .select_related(
            "site_demandeur", "site_sollicite", "demandee_par", "decidee_par", "close_par"
        )
        .order_by("-demandee_le", "-pk")
    )
