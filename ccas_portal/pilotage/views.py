"""Le tableau de bord des responsables : vue d'ensemble, une page par axe, exports.

Rien que des agrégats (ccas_portal/pilotage/indicateurs.py), lus dans l'instantané des filtres
choisis (instantanes.py) ; chaque export est journalisé."""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import ActionJournal
from ccas_portal.journal import journaliser
from ccas_portal.petits_effectifs import LEGENDE
from ccas_portal.pilotage.exports import FORMATS, exporter, nom_de_fichier
from ccas_portal.pilotage.forms import FiltresForm
from ccas_portal.pilotage.indicateurs import LIBELLES_CLES
from ccas_portal.pilotage.instantanes import obtenir
from droits.axes import AXES

#: Les chiffres de tête en cartes (tous sont dans le tableau de comparaison).
CARTES = (
    "passages",
    "personnes_vues",
    "accompagnements_actifs",
    "interventions",
    "detectes",
    "droits_ouverts",
    "montant_droits_ouverts",
)


def _filtres(request, axe: str | None, donnees):
    if axe is not None and axe not in AXES:
        raise Http404("Axe inconnu.")
    form = FiltresForm(donnees, agent=request.user, avec_axes=axe is None)
    return form, form.filtres(axe=axe)


@require_GET
@permission_requise(perms.peut_piloter)
def tableau_de_bord(request, axe: str | None = None):
    form, filtres = _filtres(request, axe, request.GET)
    page = obtenir(filtres, axe)
    return render(
        request,
        "ccas_portal/tableau_de_bord.html",
        {
            "form": form,
            "filtres": filtres,
            "axe": AXES.get(axe) if axe else None,
            "axes": AXES.values(),
            "page": page,
            "cartes": [(LIBELLES_CLES[c], page.cles[c], page.avant[c]) for c in CARTES],
            "tableaux": page.tableaux,
            "requete": request.GET.urlencode(),
            "fraicheur_heures": settings.PILOTAGE_FRAICHEUR_HEURES,
            "legende": LEGENDE,
        },
    )


@require_POST
@permission_requise(perms.peut_piloter)
def recalculer(request, axe: str | None = None):
    """« Recalculer maintenant » : les chiffres de ces filtres, refaits sur les données du
    moment, comptés sur les lignes (les filtres viennent du formulaire, comme en GET)."""
    form, filtres = _filtres(request, axe, request.POST)
    if form.is_valid():  # sinon, la page redemandée dit l'erreur à côté du champ
        # Sur les lignes : les données du moment, mois clos compris (une intervention saisie
        # après coup compte tout de suite, sans attendre les agrégats de la nuit).
        obtenir(filtres, axe, recalculer=True, sur_les_lignes=True)
    requete = request.POST.copy()
    requete.pop("csrfmiddlewaretoken", None)
    cible = "tableau_de_bord_axe" if axe else "tableau_de_bord"
    url = redirect(cible, *([axe] if axe else [])).url
    return redirect(f"{url}?{requete.urlencode()}" if requete else url)


@require_GET
@permission_requise(perms.peut_piloter)
def exporter_tableau(request, code: str, extension: str, axe: str | None = None):
    if extension not in FORMATS:
        raise Http404("Format inconnu.")
    form, filtres = _filtres(request, axe, request.GET)
    if not form.is_valid():  # jamais un fichier d'une autre période que celle demandée
        erreurs = "; ".join(e for liste in form.errors.values() for e in liste)
        return HttpResponseBadRequest(
            f"Filtres invalides, rien n'est exporté : {erreurs}",
            content_type="text/plain; charset=utf-8",
        )
    tableau = obtenir(filtres, axe).tableau(code)
    if tableau is None:
        raise Http404("Tableau inconnu.")
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
