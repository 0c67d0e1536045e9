"""L'écran du journal des accès (administrateur, délégué à la protection des données) :
filtres, pagination, export CSV, rapport quotidien des accès inhabituels. Voir docs/journal.md."""

import json

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ccas_portal import perms
from ccas_portal.acces_inhabituels import LIBELLES_REGLES
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import ActionJournal
from ccas_portal.exports_surs import csv_sur
from ccas_portal.filtres_journal import JournalFilter
from ccas_portal.journal import journaliser
from ccas_portal.models import EntreeJournal, RapportAcces
from ccas_portal.pagination import paginer
from ccas_portal.selectors_journal import libelles_des_objets

PAR_PAGE = 50
#: Un export s'arrête là (et le dit en tête du fichier) : au-delà, affiner les filtres.
EXPORT_MAX = 100_000
RAPPORTS_AFFICHES = 14


def _filtre(request) -> JournalFilter:
    donnees = request.GET.copy()
    donnees.pop("page", None)
    return JournalFilter(donnees or None, queryset=EntreeJournal.objects.all())


def _entrees(filtre: JournalFilter):
    """Les entrées filtrées ; aucune quand la personne cherchée n'est pas trouvée (montrer
    tout le journal sous « aucune personne ne correspond » tromperait)."""
    if filtre.is_bound and "personne" in filtre.errors:
        return EntreeJournal.objects.none()
    return filtre.qs


def _filtres_appliques(filtre: JournalFilter) -> dict:
    """Les filtres lisibles (une valeur refusée n'est pas appliquée), pour le journal et l'en-tête
    de l'export."""
    if not filtre.is_bound:
        return {}
    filtre.form.is_valid()
    return {
        nom: (valeur.pk if hasattr(valeur, "pk") else str(valeur))
        for nom, valeur in filtre.form.cleaned_data.items()
        if valeur not in (None, "")
    }


def _journaliser_la_lecture(request, filtre, action) -> None:
    """Lire le journal d'une personne, ou l'exporter, est une lecture de données sur des
    personnes : journalisée (avec les filtres)."""
    filtres = _filtres_appliques(filtre)
    if action == ActionJournal.EXPORT or "personne" in filtres:
        journaliser(
            agent=request.user,
            action=action,
            objet_type="ccas_portal.entreejournal",
            details={"filtres": filtres},
            request=request,
        )


def _rapports():
    rapports = list(RapportAcces.objects.all()[:RAPPORTS_AFFICHES])
    for rapport in rapports:
        for constat in rapport.constats:
            constat["libelle"] = LIBELLES_REGLES.get(constat["regle"], constat["regle"])
    return rapports


@require_GET
@permission_requise(perms.peut_administrer)
def journal(request):
    filtre = _filtre(request)
    page = paginer(_entrees(filtre), request.GET.get("page"), par_page=PAR_PAGE)
    libelles_des_objets(page.object_list)
    _journaliser_la_lecture(request, filtre, ActionJournal.CONSULTATION)
    parametres = request.GET.copy()
    parametres.pop("page", None)
    rapports = _rapports()
    return render(
        request,
        "ccas_portal/journal.html",
        {
            "filtre": filtre,
            "page": page,
            "parametres": parametres.urlencode(),
            "rapports": [r for r in rapports if r.constats],
            "dernier_rapport": rapports[0] if rapports else None,
            "rapports_jours": RAPPORTS_AFFICHES,
            "conservation_jours": settings.JOURNAL_CONSERVATION_JOURS,
            "seuil_hors_file": settings.JOURNAL_SEUIL_HORS_FILE,
            "nuit_debut": settings.JOURNAL_NUIT_DEBUT,
            "nuit_fin": settings.JOURNAL_NUIT_FIN,
        },
    )


@require_GET
@permission_requise(perms.peut_administrer)
def exporter_journal(request):
    filtre = _filtre(request)
    entrees = list(_entrees(filtre)[: EXPORT_MAX + 1])
    tronque = len(entrees) > EXPORT_MAX
    entrees = entrees[:EXPORT_MAX]
    libelles_des_objets(entrees)
    _journaliser_la_lecture(request, filtre, ActionJournal.EXPORT)
    lignes = [
        ["Journal des accès", f"exporté le {timezone.localtime():%d/%m/%Y à %H:%M}"],
        ["Filtres", json.dumps(_filtres_appliques(filtre), ensure_ascii=False)],
    ]
    if tronque:
        lignes.append(["Attention", f"limité aux {EXPORT_MAX} entrées les plus récentes"])
    lignes += [
        [],
        [
            "Date et heure",
            "Agent",
            "Action",
            "Objet",
            "Type",
            "Identifiant",
            "Adresse IP",
            "Détails",
        ],
    ]
    actions = dict(ActionJournal.choices)
    for e in entrees:
        lignes.append(
            [
                f"{timezone.localtime(e.horodatage):%d/%m/%Y %H:%M:%S}",
                e.agent_libelle,
                actions.get(e.action, e.action),
                e.libelle_objet,
                e.objet_type,
                e.objet_id,
                e.adresse_ip or "",
                json.dumps(e.details, ensure_ascii=False) if e.details else "",
            ]
        )
    reponse = HttpResponse(csv_sur(lignes), content_type="text/csv; charset=utf-8")
    nom = f"journal-des-acces_{timezone.localtime():%Y-%m-%d_%H%M}.csv"
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    return reponse
