"""Écrans des droits : signalements du non-recours (travailleurs sociaux), prestations du
foyer, lancement et suivi de la détection (responsables, admins)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import ActionJournal
from ccas_portal.forms import (
    DEJA_ENREGISTRE,
    ecrire_une_fois,
    erreurs_en_messages,
    reporter_erreurs,
)
from ccas_portal.idempotence import DejaTraite, une_seule_fois
from ccas_portal.journal import journaliser, journaliser_liste
from ccas_portal.pagination import paginer
from droits import services
from droits.detection import execution as detection_execution
from droits.detection.execution import lancer_detection
from droits.enums import EtatSignalement, FormePrestation
from droits.file_de_travail import file_de_travail
from droits.filters import SignalementFilter
from droits.forms import (
    AttributionForm,
    EtatSignalementForm,
    LancerDetectionForm,
    PrestationFoyerForm,
    ReprendreDetectionForm,
    formulaire_de_simulation,
)
from droits.models import ChangementSignalement, Prestation
from droits.selectors import (
    executions_visibles,
    poser_responsables,
    rendre_lisibles,
    signalements_par_etat,
    simulation_du_foyer,
)
from habitants.models import Foyer


def _url_droits_du_foyer(foyer_id):
    return reverse("accompagnement:dossier", args=[foyer_id]) + "#droits"


@require_GET
@permission_requise(perms.peut_accompagner)
def signalements(request):
    """La file de travail : les signalements des foyers des sites de l'agent, rangés par ce
    que le droit apporte (valeur documentée, docs/detection.md), filtrés."""
    donnees = request.GET.copy()
    donnees.setdefault("etat", "ouverts")
    filtre = SignalementFilter(donnees, queryset=file_de_travail(request.user), agent=request.user)
    page = paginer(filtre.qs, request.GET.get("page"), par_page=25)
    page.object_list = poser_responsables(page.object_list)
    # La file nomme les demandeurs et ce que la détection estime de leurs droits (revenus) :
    # chaque signalement montré est une lecture journalisée.
    journaliser_liste(
        agent=request.user,
        objets=page.object_list,
        details={"liste": "signalements"},
        request=request,
    )
    donnees.pop("page", None)
    return render(
        request,
        "droits/signalements.html",
        {
            "filtre": filtre,
            "page": page,
            "parametres": donnees.urlencode(),
            "couvertures": Prestation.objects.filter(
                forme=FormePrestation.COUVERTURE,
                actif=True,
                valeur_couverture_annuelle__isnull=False,
            ),
        },
    )


def _signalement(request, pk):
    """Un signalement de la file de l'agent (`visibles_par`), sinon 404."""
    signalement = get_object_or_404(
        file_de_travail(request.user).prefetch_related(
            Prefetch("changements", queryset=ChangementSignalement.objects.select_related("agent"))
        ),
        pk=pk,
    )
    return poser_responsables([signalement])[0]


def _page_signalement(request, signalement, *, form_etat=None, form_attribution=None, status=200):
    action = reverse("droits:changer_etat", args=[signalement.pk])
    return render(
        request,
        "droits/signalement.html",
        {
            "s": signalement,
            "demandeur": next((m.habitant for m in signalement.foyer.demandeurs), None),
            "form_etat": form_etat or EtatSignalementForm(signalement=signalement, action=action),
            "form_attribution": form_attribution
            or AttributionForm(
                signalement=signalement,
                action=reverse("droits:attribuer", args=[signalement.pk]),
            ),
        },
        status=status,
    )


@require_GET
@permission_requise(perms.peut_accompagner)
def signalement(request, pk):
    """Un signalement à traiter : le foyer et son demandeur, l'accord pour être contacté, ce
    que le droit apporte, l'explication, l'historique ; changer l'état, attribuer."""
    s = _signalement(request, pk)
    journaliser(agent=request.user, action=ActionJournal.CONSULTATION, objet=s, request=request)
    return _page_signalement(request, s)


def _ecrire_sur_le_signalement(request, pk, *, classe, nom, ecrire, succes):
    """Un formulaire de la page du signalement (`nom` : form_etat ou form_attribution) :
    valider, écrire une fois, puis revenir à la page ; refusé, la page avec ses erreurs sous
    les champs (422)."""
    s = _signalement(request, pk)
    form = classe(request.POST, signalement=s, action=request.path)
    message = ecrire_une_fois(
        form, agent=request.user, ecrire=lambda donnees: ecrire(s, form.donnees), succes=succes(s)
    )
    if message is None:
        return _page_signalement(request, s, **{nom: form}, status=422)
    messages.success(request, message)
    return redirect("droits:signalement", pk=s.pk)


@require_POST
@permission_requise(perms.peut_accompagner)
def changer_etat(request, pk):
    libelle = dict(EtatSignalement.choices).get(request.POST.get("etat"), "")
    return _ecrire_sur_le_signalement(
        request,
        pk,
        classe=EtatSignalementForm,
        nom="form_etat",
        ecrire=lambda s, donnees: services.changer_etat_signalement(
            agent=request.user, signalement=s, **donnees
        ),
        succes=lambda s: f"Signalement « {s.prestation} » : {libelle.lower()}.",
    )


@require_POST
@permission_requise(perms.peut_accompagner)
def attribuer(request, pk):
    return _ecrire_sur_le_signalement(
        request,
        pk,
        classe=AttributionForm,
        nom="form_attribution",
        ecrire=lambda s, donnees: services.attribuer_signalement(
            agent=request.user, signalement=s, **donnees
        ),
        succes=lambda s: (
            "Signalement attribué."
            if request.POST.get("attribue_a")
            else "Signalement rendu au référent du foyer."
        ),
    )


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


def _avec_reprise(executions, refuse=None) -> list:
    """Pose `form_reprise` (« Reprendre ») sur chaque exécution échouée ; `refuse` : le
    formulaire renvoyé avec son erreur, à la place du sien."""
    for e in executions:
        if refuse is not None and refuse.execution_pk == e.pk:
            e.form_reprise = refuse
        elif detection_execution.peut_reprendre(e):
            e.form_reprise = ReprendreDetectionForm(execution=e)
    return executions


def _page_detection(request, form, refuse=None, status=200):
    sites = form.perimetre
    noms = form.fields["site"].queryset  # ses sites, par nom
    executions = rendre_lisibles(executions_visibles(sites)[:20])
    if refuse is not None and all(e.pk != refuse.execution_pk for e in executions):
        # L'exécution refusée n'est pas parmi les 20 listées : le refus dans les messages.
        erreurs_en_messages(request, refuse)
    return render(
        request,
        "droits/detection.html",
        {
            "form": form,
            "executions": _avec_reprise(executions, refuse),
            "perimetre_comptes": "tous sites" if sites is None else ", ".join(s.nom for s in noms),
            **signalements_par_etat(sites),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_piloter)
def detection(request):
    """Les exécutions de la détection, et « Lancer maintenant »."""
    form = LancerDetectionForm(request.POST or None, agent=request.user)
    if form.is_valid():
        execution = lancer_detection(
            agent=request.user,
            declencheur="manuel",
            perimetre=form.cleaned_data["perimetre"],
            site=form.cleaned_data.get("site"),
            mois_cible=form.cleaned_data["mois_cible"],
        )
        messages.success(request, "Détection lancée : la progression s'affiche ci-dessous.")
        return redirect(reverse("droits:detection") + f"#execution-{execution.pk}")
    return _page_detection(request, form, status=422 if form.is_bound else 200)


@require_POST
@permission_requise(perms.peut_piloter)
def reprendre_detection(request, pk):
    """« Reprendre » une exécution échouée : ses lots manquants seulement (ADR 0021)."""
    execution = get_object_or_404(
        executions_visibles(perms.perimetre_restreint(request.user)), pk=pk
    )
    form = ReprendreDetectionForm(request.POST, execution=execution)
    message = ecrire_une_fois(
        form,
        agent=request.user,
        ecrire=lambda _: detection_execution.reprendre_detection(
            agent=request.user, execution=execution
        ),
        succes="Exécution reprise : seuls les lots manquants sont refaits.",
    )
    if message is None:
        return _page_detection(
            request, LancerDetectionForm(agent=request.user), refuse=form, status=422
        )
    messages.success(request, message)
    return redirect(reverse("droits:detection") + f"#execution-{execution.pk}")


@require_GET
@permission_requise(perms.peut_piloter)
def progression(request, pk):
    """Fragment htmx : la progression d'une exécution (redemandé tant qu'elle tourne)."""
    execution = get_object_or_404(
        executions_visibles(perms.perimetre_restreint(request.user)), pk=pk
    )
    [e] = _avec_reprise(rendre_lisibles([execution]))
    return render(request, "droits/partials/execution.html", {"e": e})


def _simulation(foyer, form=None) -> dict:
    """Le contexte du bloc « Droits estimés » du dossier (droits/partials/simulation.html),
    avec le formulaire « Simuler maintenant » (vide : le mois courant proposé)."""
    return {
        **simulation_du_foyer(foyer),
        "form_simulation": form or formulaire_de_simulation(foyer),
    }


@require_POST
@permission_requise(perms.peut_voir_donnees_sensibles)
def simuler_foyer(request, foyer_pk):
    """« Simuler maintenant » : une exécution sur ce seul foyer pour le mois choisi, par un
    worker (quelques secondes) ; le dossier affiche le résultat dès qu'il arrive. Un mois hors
    de la liste : le formulaire revient avec son erreur sous le champ, rien n'est lancé (htmx
    reçoit le bloc en 200, il n'échange pas une 4xx ; sans JavaScript, une page en 422)."""
    foyer = get_object_or_404(Foyer.objects.visibles_par(request.user), pk=foyer_pk)
    form = formulaire_de_simulation(foyer, request.POST)

    def lancer(donnees):
        lancer_detection(
            agent=request.user,
            declencheur="simuler maintenant",
            perimetre="foyer",
            foyer=foyer,
            mois_cible=donnees["mois_cible"],
        )

    message = ecrire_une_fois(
        form,
        agent=request.user,
        ecrire=lancer,
        succes="Simulation lancée : le résultat s'affiche dans quelques secondes.",
    )
    if message is None:
        contexte = _simulation(foyer, form)
        _journaliser_simulation(request, contexte)
        if request.htmx:
            return render(request, "droits/partials/simulation.html", contexte)
        return render(request, "droits/simulation_foyer.html", contexte, status=422)
    if request.htmx:
        contexte = _simulation(foyer)
        _journaliser_simulation(request, contexte)
        return render(request, "droits/partials/simulation.html", contexte)
    messages.success(request, message)
    return redirect(_url_droits_du_foyer(foyer.pk))


def _journaliser_simulation(request, contexte) -> None:
    """Les droits estimés d'un foyer (tirés de ses revenus) lus hors du dossier : journalisé
    quand ils s'affichent, pas à chaque interrogation d'une simulation qui tourne."""
    if not contexte["en_cours"]:
        journaliser(
            agent=request.user,
            action=ActionJournal.CONSULTATION,
            objet=contexte["foyer"],
            details={"lecture": "simulation"},
            request=request,
        )


@require_GET
@permission_requise(perms.peut_voir_donnees_sensibles)
def simulation_foyer(request, foyer_pk):
    foyer = get_object_or_404(Foyer.objects.visibles_par(request.user), pk=foyer_pk)
    contexte = _simulation(foyer)
    _journaliser_simulation(request, contexte)
    return render(request, "droits/partials/simulation.html", contexte)
