"""Le tableau de bord des responsables : vue d'ensemble, une page par axe, exports.

Rien que des agrégats (ccas_portal/pilotage/indicateurs.py) ; chaque export est journalisé."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import ActionJournal
from ccas_portal.journal import journaliser
from ccas_portal.pilotage import indicateurs as ind
from ccas_portal.pilotage.exports import FORMATS, exporter, nom_de_fichier
from ccas_portal.pilotage.forms import FiltresForm
from ccas_portal.pilotage.indicateurs import LIBELLES_CLES
from droits.axes import AXES

#: Les tableaux de chaque page, dans l'ordre d'affichage : code → fonction(filtres).
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
}
#: Les chiffres de tête en cartes (les autres sont dans le tableau de comparaison).
CARTES = (
    "passages",
    "personnes_vues",
    "accompagnements_actifs",
    "interventions",
    "detectes",
    "droits_ouverts",
    "montant_droits_ouverts",
)


def _axe(code: str | None):
    if code is None:
        return None
    axe = AXES.get(code)
    if axe is None:
        raise Http404("Axe inconnu.")
    return axe


def _calculer(filtres, axe, code: str):
    if code == "comparaison":
        return ind.comparaison(filtres, ind.chiffres_cles(filtres))
    tableaux = TABLEAUX_AXE if axe else TABLEAUX_ENSEMBLE
    if code not in tableaux:
        raise Http404("Tableau inconnu.")
    if code == "indicateurs_axe":
        return ind.indicateurs_de_l_axe(filtres, axe.code)
    return tableaux[code](filtres)


@require_GET
@permission_requise(perms.peut_piloter)
def tableau_de_bord(request, axe: str | None = None):
    definition = _axe(axe)
    form = FiltresForm(
        request.GET, sites_permis=perms.sites_pilotables(request.user), avec_axes=not definition
    )
    filtres = form.filtres(axe=axe)
    cles = ind.chiffres_cles(filtres)
    comparaison = ind.comparaison(filtres, cles)
    avant = {
        code: chiffres[1]
        for code, (_, chiffres) in zip(LIBELLES_CLES, comparaison.lignes, strict=True)
    }
    tableaux = [comparaison] + [
        _calculer(filtres, definition, code)
        for code in (TABLEAUX_AXE if definition else TABLEAUX_ENSEMBLE)
    ]
    return render(
        request,
        "ccas_portal/tableau_de_bord.html",
        {
            "form": form,
            "filtres": filtres,
            "axe": definition,
            "axes": AXES.values(),
            "cartes": [(LIBELLES_CLES[c], cles[c], avant[c]) for c in CARTES],
            "tableaux": tableaux,
            "requete": request.GET.urlencode(),
        },
    )


@require_GET
@permission_requise(perms.peut_piloter)
def exporter_tableau(request, code: str, extension: str, axe: str | None = None):
    if extension not in FORMATS:
        raise Http404("Format inconnu.")
    definition = _axe(axe)
    form = FiltresForm(
        request.GET, sites_permis=perms.sites_pilotables(request.user), avec_axes=not definition
    )
    filtres = form.filtres(axe=axe)
    tableau = _calculer(filtres, definition, code)
    description = form.description(filtres)
    page = f"axe-{axe}" if axe else "ensemble"
    nom = nom_de_fichier(page, tableau, filtres, extension)
    journaliser(
        agent=request.user,
        action=ActionJournal.EXPORT,
        objet_type="tableau de bord",
        objet_id=f"{page}/{code}",
        details={"fichier": nom, "format": extension, **dict(description)},
        request=request,
    )
    reponse = HttpResponse(
        exporter(tableau, description, extension), content_type=FORMATS[extension]
    )
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    return reponse
