"""Écrans des droits : signalements du non-recours (travailleurs sociaux), prestations du
foyer, lancement et suivi de la détection (responsables, admins)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.forms import DEJA_ENREGISTRE, reporter_erreurs
from ccas_portal.idempotence import DejaTraite, une_seule_fois
from ccas_portal.pagination import paginer
from droits import services
from droits.detection.execution import lancer_detection
from droits.enums import EtatSignalement
from droits.filters import SignalementFilter
from droits.forms import EtatSignalementForm, LancerDetectionForm, PrestationFoyerForm
from droits.models import Signalement
from droits.selectors import (
    executions_visibles,
    rendre_lisibles,
    signalements_par_etat,
    simulation_du_foyer,
)
from habitants.acces import q_foyers_accessibles
from habitants.models import Foyer


def _url_droits_du_foyer(foyer_id):
    return reverse("accompagnement:dossier", args=[foyer_id]) + "#droits"


def _annoncer_erreurs(request, form):
    """Les erreurs d'un formulaire du dossier, en messages (la page suit une redirection)."""
    for champ, erreurs in form.errors.items():
        libelle = form.fields[champ].label if champ in form.fields else ""
        for erreur in erreurs:
            messages.error(request, f"{libelle} : {erreur}" if libelle else erreur)


@require_GET
@permission_requise(perms.peut_accompagner)
def signalements(request):
    """Les signalements des foyers des sites de l'agent, les plus gros montants d'abord."""
    qs = (
        Signalement.objects.filter(q_foyers_accessibles(request.user.ids_sites, "foyer__"))
        .select_related("prestation__axe", "foyer__site")
        .order_by("-montant_estime", "-cree_le", "-pk")
    )
    donnees = request.GET.copy()
    donnees.setdefault("etat", "ouverts")
    filtre = SignalementFilter(donnees, queryset=qs)
    page = paginer(filtre.qs, request.GET.get("page"), par_page=25)
    donnees.pop("page", None)
    return render(
        request,
        "droits/signalements.html",
        {"filtre": filtre, "page": page, "parametres": donnees.urlencode()},
    )


@require_POST
@permission_requise(perms.peut_accompagner)
def changer_etat(request, pk):
    signalement = get_object_or_404(
        Signalement.objects.filter(q_foyers_accessibles(request.user.ids_sites, "foyer__")),
        pk=pk,
    )
    form = EtatSignalementForm(request.POST)
    if form.is_valid():
        try:
            services.changer_etat_signalement(
                agent=request.user, signalement=signalement, **form.cleaned_data
            )
        except ValidationError as erreur:
            reporter_erreurs(form, erreur)
        else:
            etat = EtatSignalement(form.cleaned_data["etat"]).label.lower()
            messages.success(request, f"Signalement « {signalement.prestation} » : {etat}.")
            return redirect(_url_droits_du_foyer(signalement.foyer_id))
    _annoncer_erreurs(request, form)
    return redirect(_url_droits_du_foyer(signalement.foyer_id))


@require_POST
@permission_requise(perms.peut_voir_donnees_sensibles)
def ajouter_prestation(request, foyer_pk):
    foyer = get_object_or_404(Foyer.objects.visibles_par(request.user), pk=foyer_pk)
    action = reverse("droits:ajouter_prestation", args=[foyer.pk])
    form = PrestationFoyerForm(request.POST, foyer=foyer, action=action)
    if form.is_valid():
        try:
            une_seule_fois(
                jeton=form.cleaned_data["jeton"],
                agent=request.user,
                ecrire=lambda: services.enregistrer_prestation(
                    agent=request.user, foyer=foyer, **form.donnees
                ),
            )
        except ValidationError as erreur:
            reporter_erreurs(form, erreur)
        except DejaTraite:
            messages.success(request, DEJA_ENREGISTRE)
            return redirect(_url_droits_du_foyer(foyer.pk))
        else:
            messages.success(
                request, f"Prestation « {form.cleaned_data['prestation']} » enregistrée."
            )
            return redirect(_url_droits_du_foyer(foyer.pk))
    # Les erreurs sous leurs champs : le formulaire seul, sur sa page, avec ce qui était saisi.
    return render(
        request, "droits/prestation_foyer.html", {"foyer": foyer, "form": form}, status=422
    )


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_piloter)
def detection(request):
    """Les exécutions de la détection, et « Lancer maintenant »."""
    form = LancerDetectionForm(request.POST or None, agent=request.user)
    if form.is_valid():
        with transaction.atomic():
            execution = lancer_detection(
                agent=request.user,
                declencheur="manuel",
                perimetre=form.cleaned_data["perimetre"],
                site=form.cleaned_data.get("site"),
            )
        messages.success(request, "Détection lancée : la progression s'affiche ci-dessous.")
        return redirect(reverse("droits:detection") + f"#execution-{execution.pk}")
    sites = form.perimetre
    noms = form.fields["site"].queryset  # ses sites, par nom
    return render(
        request,
        "droits/detection.html",
        {
            "form": form,
            "executions": rendre_lisibles(executions_visibles(sites)[:20]),
            "perimetre_comptes": "tous sites" if sites is None else ", ".join(s.nom for s in noms),
            **signalements_par_etat(sites),
        },
        status=422 if form.is_bound else 200,
    )


@require_GET
@permission_requise(perms.peut_piloter)
def progression(request, pk):
    """Fragment htmx : la progression d'une exécution (redemandé tant qu'elle tourne)."""
    execution = get_object_or_404(
        executions_visibles(perms.perimetre_restreint(request.user)), pk=pk
    )
    return render(request, "droits/partials/execution.html", {"e": rendre_lisibles([execution])[0]})


@require_POST
@permission_requise(perms.peut_voir_donnees_sensibles)
def simuler_foyer(request, foyer_pk):
    """« Simuler maintenant » : une exécution sur ce seul foyer, par un worker (quelques
    secondes) ; le dossier affiche le résultat dès qu'il arrive."""
    foyer = get_object_or_404(Foyer.objects.visibles_par(request.user), pk=foyer_pk)
    with transaction.atomic():
        lancer_detection(
            agent=request.user, declencheur="simuler maintenant", perimetre="foyer", foyer=foyer
        )
    if request.htmx:
        return render(request, "droits/partials/simulation.html", simulation_du_foyer(foyer))
    messages.success(request, "Simulation lancée : le résultat s'affiche dans quelques secondes.")
    return redirect(_url_droits_du_foyer(foyer.pk))


@require_GET
@permission_requise(perms.peut_voir_donnees_sensibles)
def simulation_foyer(request, foyer_pk):
    foyer = get_object_or_404(Foyer.objects.visibles_par(request.user), pk=foyer_pk)
    return render(request, "droits/partials/simulation.html", simulation_du_foyer(foyer))
