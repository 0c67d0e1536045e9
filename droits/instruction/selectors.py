"""Les lectures de l'instruction des demandes."""

from datetime import date, timedelta

from django.db.models import Count, F, Q

from droits.instruction.budget import paye_par_decision
from droits.instruction.enums import EtatDemande, NatureDemande, SensDecision
from droits.instruction.models import Decision, Demande, un_mois_apres


def demandes_du_foyer(foyer):
    return Demande.objects.filter(foyer=foyer).select_related("type_aide", "beneficiaire")


def aides_accordees_12_mois(foyer, jour: date):
    """L'historique des aides accordées au foyer dans les 12 derniers mois."""
    return (
        Decision.objects.filter(
            demande__foyer=foyer,
            sens=SensDecision.ACCORDEE,
            decide_le__date__gt=jour - timedelta(days=365),
        )
        .select_related("demande__type_aide")
        .order_by("-decide_le")
    )


def ordre_du_jour():
    """Les demandes prêtes pour la commission, les plus anciennes d'abord (tout le CCAS)."""
    return (
        Demande.objects.filter(nature=NatureDemande.FACULTATIVE, etat=EtatDemande.PRETE)
        .select_related("type_aide", "foyer", "beneficiaire")
        .order_by("date_depot", "pk")
    )


def urgences_a_presenter():
    """Les décisions d'urgence du directeur pas encore portées à une séance."""
    return Decision.objects.filter(urgence=True, seance__isnull=True).select_related(
        "demande__type_aide", "motif_refus"
    )


def aides_non_payees():
    """Les aides accordées dont tout n'est pas payé, avec ce qui l'est déjà (`deja_paye`)."""
    return (
        Decision.objects.filter(sens=SensDecision.ACCORDEE)
        .annotate(deja_paye=paye_par_decision())
        .filter(deja_paye__lt=F("montant"))
        .select_related("demande__type_aide", "demande__site", "demande__beneficiaire")
        .order_by("decide_le")
    )


def _retard(jour: date) -> Q:
    """Aide sociale légale non transmise dont l'échéance (dépôt + 1 mois) est passée :
    déposée avant le même jour du mois précédent."""
    limite = _un_mois_avant(jour)
    return Q(
        nature=NatureDemande.AIDE_SOCIALE_LEGALE,
        date_transmission__isnull=True,
        date_depot__lt=limite,
    )


def _un_mois_avant(jour: date) -> date:
    """Le plus petit dépôt encore dans les délais : un_mois_apres(dépôt) >= jour."""
    d = jour - timedelta(days=31)
    while un_mois_apres(d) < jour:
        d += timedelta(days=1)
    return d


def dossiers_en_retard(agent, jour: date):
    """Les dossiers à transmettre au Département hors délai, parmi ceux que l'agent suit."""
    return (
        Demande.objects.visibles_par(agent)
        .filter(_retard(jour))
        .select_related("foyer", "beneficiaire")
        .order_by("date_depot")
    )


def retards_par_site(jour: date, ids_sites=None):
    """Pour les responsables : le nombre de dossiers en retard par site, sans nom."""
    qs = Demande.objects.filter(_retard(jour))
    if ids_sites is not None:
        qs = qs.filter(site_id__in=ids_sites)
    return qs.values("site__nom").annotate(nombre=Count("pk")).order_by("site__nom")
