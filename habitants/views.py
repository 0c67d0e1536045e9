"""L'accueil du public des Maisons des Habitants : recherche, inscription, passages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import ActionJournal
from ccas_portal.formats import genre
from ccas_portal.forms import DEJA_ENREGISTRE, reporter_erreurs
from ccas_portal.idempotence import DejaTraite, une_seule_fois
from ccas_portal.journal import journaliser
from ccas_portal.pagination import paginer
from ccas_portal.validation import entier_borne
from habitants import selectors, services
from habitants.forms import InformationForm, InscriptionForm, PassageForm, RechercheForm
from habitants.models import Habitant

RESULTATS_PAR_PAGE = 10


def _site_courant(request):
    """Le site où l'agent tient l'accueil : ?site=<code> parmi les siens, sinon le premier."""
    sites = list(request.user.sites.filter(actif=True).order_by("type", "nom"))
    if not sites:
        raise PermissionDenied("Aucun site ne vous est rattaché.")
    code = request.GET.get("site") or request.POST.get("site")
    return next((s for s in sites if s.code == code), sites[0]), sites


def _url_guichet(site, **params):
    from urllib.parse import urlencode

    return f"{reverse('habitants:guichet')}?{urlencode({'site': site.code, **params})}"


def _contexte_passage(request, site, form=None, habitant=None):
    form = form or PassageForm(agent=request.user, initial={"habitant": habitant})
    return {
        "site": site,
        "form_passage": form,
        "habitant_choisi": habitant,
        "passages": selectors.passages_du_jour(site),
    }


@require_GET
@permission_requise(perms.peut_tenir_le_guichet)
def guichet(request):
    site, sites = _site_courant(request)
    recherche = RechercheForm(request.GET or None)
    resultats = None
    if recherche.is_valid():
        criteres = selectors.CriteresRecherche(
            texte=recherche.cleaned_data["q"],
            date_naissance=recherche.cleaned_data["date_naissance"],
            telephone=recherche.cleaned_data["telephone"],
            adresse=recherche.cleaned_data["adresse"],
        )
        if not criteres.vide:
            resultats = paginer(
                selectors.rechercher_habitants(request.user, criteres),
                request.GET.get("page"),
                par_page=RESULTATS_PAR_PAGE,
            )
    contexte = {"site": site, "sites": sites, "recherche": recherche, "resultats": resultats}
    if request.htmx and request.htmx.target == "resultats":
        return render(request, "habitants/partials/resultats.html", contexte)
    habitant = None
    if request.GET.get("habitant"):
        # Un identifiant illisible ou démesuré ne désigne personne : 404, comme un inconnu.
        habitant = get_object_or_404(
            Habitant.objects.visibles_par(request.user),
            pk=entier_borne(request.GET["habitant"]) or 0,
        )
    contexte.update(_contexte_passage(request, site, habitant=habitant))
    if request.htmx and request.htmx.target == "formulaire-passage":
        return render(request, "habitants/partials/formulaire_passage.html", contexte)
    return render(request, "habitants/guichet.html", contexte)


@require_POST
@permission_requise(perms.peut_tenir_le_guichet)
def enregistrer_passage(request):
    site, _ = _site_courant(request)
    form = PassageForm(request.POST, agent=request.user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            passage = une_seule_fois(
                jeton=d["jeton"],
                agent=request.user,
                ecrire=lambda: services.enregistrer_passage(
                    agent=request.user,
                    site=site,
                    habitant=d["habitant"],
                    mode=d["mode"],
                    motifs=d["motifs"],
                    reponse=d["reponse"],
                    note=d["note"],
                    date_heure=form.date_heure(),
                ),
            )
        except ValidationError as erreur:
            reporter_erreurs(form, erreur)
        except DejaTraite:
            message = DEJA_ENREGISTRE
        else:
            qui = str(passage.habitant) if passage.habitant else "anonyme"
            heure = timezone.localtime(passage.date_heure)
            message = f"Passage enregistré ({qui}, {heure:%H:%M})."
        if not form.errors:
            if request.htmx:
                contexte = _contexte_passage(request, site)
                contexte["message_succes"] = message
                return render(request, "habitants/partials/apres_passage.html", contexte)
            messages.success(request, message)
            return redirect(_url_guichet(site))
    habitant = form.cleaned_data.get("habitant") if hasattr(form, "cleaned_data") else None
    contexte = _contexte_passage(request, site, form=form, habitant=habitant)
    if request.htmx:
        # htmx n'échange pas une réponse 4xx : le formulaire corrigé revient en 200.
        return render(request, "habitants/partials/formulaire_passage.html", contexte)
    contexte.update({"sites": [site], "recherche": RechercheForm()})
    return render(request, "habitants/guichet.html", contexte, status=422)


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_tenir_le_guichet)
def inscrire(request):
    site, _ = _site_courant(request)
    candidats = []
    if request.method == "POST":
        form = InscriptionForm(request.POST, avec_confirmation=True)
        if form.is_valid():
            try:
                habitant = une_seule_fois(
                    jeton=form.cleaned_data["jeton"],
                    agent=request.user,
                    ecrire=lambda: services.inscrire_habitant(
                        agent=request.user, site=site, **form.donnees
                    ),
                )
            except services.DoublonProbable as doublon:
                candidats = doublon.candidats
            except ValidationError as erreur:
                reporter_erreurs(form, erreur)
            except DejaTraite:
                messages.success(request, DEJA_ENREGISTRE)
                return redirect(_url_guichet(site))
            else:
                journaliser(
                    agent=request.user,
                    action=ActionJournal.CREATION,
                    objet=habitant,
                    request=request,
                )
                messages.success(
                    request, f"{habitant} est {genre(habitant.sexe, 'inscrit', 'inscrite')}."
                )
                return redirect(_url_guichet(site, habitant=habitant.pk))
        if (
            not candidats
            and "confirmer_nouveau" in form.fields
            and not form.data.get("confirmer_nouveau")
        ):
            del form.fields["confirmer_nouveau"]
    else:
        recherche = RechercheForm(request.GET)
        q = (recherche.cleaned_data["q"] if recherche.is_valid() else "").split(maxsplit=1)
        initial = {"nom_usage": q[0] if q else "", "prenoms": q[1] if len(q) > 1 else ""}
        form = InscriptionForm(initial=initial)
    form.action = f"{reverse('habitants:inscrire')}?site={site.code}"
    return render(
        request,
        "habitants/inscrire.html",
        {"form": form, "candidats": candidats, "site": site},
        status=200 if request.method == "GET" or candidats else 422,
    )


@require_GET
@permission_requise(perms.peut_tenir_le_guichet)
def fiche(request, pk):
    habitant = get_object_or_404(
        selectors.avec_foyer_actuel(Habitant.objects.visibles_par(request.user)), pk=pk
    )
    journaliser(
        agent=request.user, action=ActionJournal.CONSULTATION, objet=habitant, request=request
    )
    appartenance = habitant.appartenances_actuelles[0] if habitant.appartenances_actuelles else None
    membres = []
    if appartenance:
        membres = (
            appartenance.foyer.membres.filter(date_fin__isnull=True)
            .select_related("habitant")
            .order_by("role", "habitant__date_naissance")
        )
    return render(
        request,
        "habitants/fiche.html",
        {
            "habitant": habitant,
            "appartenance": appartenance,
            "membres": membres,
            "passages": selectors.passages_de(habitant)[:50],
            "peut_accompagner": perms.peut_accompagner(request.user),
            "form_information": InformationForm(
                initial={"consentement_contact": habitant.consentement_contact}
            ),
        },
    )


@require_POST
@permission_requise(perms.peut_tenir_le_guichet)
def informer(request, pk):
    """Trace que la personne a été informée aujourd'hui du traitement (RGPD art. 13)."""
    habitant = get_object_or_404(Habitant.objects.visibles_par(request.user), pk=pk)
    form = InformationForm(request.POST)
    form.is_valid()
    services.enregistrer_information(
        agent=request.user,
        habitant=habitant,
        date_information=timezone.localdate(),
        consentement_contact=form.cleaned_data.get("consentement_contact", False),
    )
    journaliser(
        agent=request.user,
        action=ActionJournal.MODIFICATION,
        objet=habitant,
        details={"information": True},
        request=request,
    )
    messages.success(request, "Information sur le traitement des données enregistrée.")
    return redirect("habitants:fiche", pk=habitant.pk)
