"""L'accueil du public des Maisons des Habitants : recherche, inscription, passages."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import ActionJournal
from ccas_portal.formats import genre
from ccas_portal.forms import DEJA_ENREGISTRE, ecrire_une_fois, reporter_erreurs
from ccas_portal.idempotence import DejaTraite, une_seule_fois
from ccas_portal.journal import journaliser
from ccas_portal.pagination import paginer
from ccas_portal.validation import entier_borne
from habitants import selectors, services
from habitants.acces import personne_accessible
from habitants.forms import (
    AdresseForm,
    ContactForm,
    InformationForm,
    InscriptionForm,
    NouveauFoyerForm,
    PassageForm,
    RattachementForm,
    RechercheForm,
)
from habitants.models import Foyer, Habitant
from habitants.vues_partage import formulaires_de_demande

RESULTATS_PAR_PAGE = 10


def _site_courant(request):
    """Le site où l'agent tient l'accueil : ?site=<code> parmi les siens, sinon le premier."""
    sites = list(request.user.sites.filter(actif=True).order_by("type", "nom"))
    if not sites:
        raise PermissionDenied("Aucun site ne vous est rattaché.")
    code = request.GET.get("site") or request.POST.get("site")
    return next((s for s in sites if s.code == code), sites[0]), sites


def _url_guichet(site, **params):
    return f"{reverse('habitants:guichet')}?{urlencode({'site': site.code, **params})}"


def _contexte_passage(request, site, form=None, habitant=None):
    """Le formulaire de passage du site d'accueil. Une personne choisie qui n'est pas connue
    de ce site (agent de plusieurs sites) n'y est pas reprise : son passage s'enregistre
    depuis l'accueil de son site, ou ici sans nom (ADR 0025)."""
    ailleurs = None
    if habitant is not None and not personne_accessible({site.pk}, habitant):
        ailleurs, habitant = habitant, None
    form = form or PassageForm(agent=request.user, site=site, initial={"habitant": habitant})
    return {
        "site": site,
        "form_passage": form,
        "habitant_choisi": habitant,
        "habitant_ailleurs": ailleurs,
        "site_de_l_habitant": (
            ailleurs.site if ailleurs and ailleurs.site_id in request.user.ids_sites else None
        ),
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
    form = PassageForm(request.POST, agent=request.user, site=site)
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
                    partenaire=d["partenaire"],
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
    ailleurs = []  # autres sites qui connaissent une personne semblable : leur nom seul
    demandes = []  # travailleur social : demander le partage du foyer à l'un de ces sites
    if request.method == "POST":
        form = InscriptionForm(request.POST, avec_confirmation=True)
        if form.is_valid():
            try:
                habitant = une_seule_fois(
                    jeton=form.cleaned_data["jeton"],
                    agent=request.user,
                    ecrire=lambda: services.inscrire_a_l_accueil(
                        agent=request.user, site=site, request=request, **form.donnees
                    ),
                )
            except services.DoublonProbable as doublon:
                candidats = doublon.candidats
                ailleurs = [services.connue_de(s) for s in doublon.ailleurs]
                demandes = formulaires_de_demande(
                    request.user, form.donnees, doublon.ailleurs, site
                )
            except ValidationError as erreur:
                reporter_erreurs(form, erreur)
            except DejaTraite:
                messages.success(request, DEJA_ENREGISTRE)
                return redirect(_url_guichet(site))
            else:
                messages.success(
                    request, f"{habitant} est {genre(habitant.sexe, 'inscrit', 'inscrite')}."
                )
                return redirect(_url_guichet(site, habitant=habitant.pk))
        if (
            not (candidats or ailleurs)
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
        {
            "form": form,
            "candidats": candidats,
            "ailleurs": ailleurs,
            "demandes": demandes,
            "site": site,
        },
        status=200 if request.method == "GET" or candidats or ailleurs else 422,
    )


@require_GET
@permission_requise(perms.peut_tenir_le_guichet)
def fiche(request, pk):
    habitant = _habitant_de_la_fiche(request, pk)
    journaliser(
        agent=request.user, action=ActionJournal.CONSULTATION, objet=habitant, request=request
    )
    contexte = _contexte_fiche(request, habitant)
    if request.htmx and request.htmx.target in SECTIONS_FICHE:
        return render(request, SECTIONS_FICHE[request.htmx.target], contexte)
    if perms.peut_accompagner(request.user):
        # Le travailleur social peut fusionner deux fiches d'une même personne : les fiches
        # semblables de ses sites sont signalées (habitants/vues_fusion.py).
        contexte["doublons"] = selectors.autres_fiches_semblables(request.user, habitant)
    return render(request, "habitants/fiche.html", contexte)


@require_POST
@permission_requise(perms.peut_tenir_le_guichet)
def informer(request, pk):
    """Trace que la personne a été informée aujourd'hui du traitement (RGPD art. 13) et sa
    réponse à la question du contact (accepte ou refuse ; le choix est obligatoire)."""
    habitant = _habitant_de_la_fiche(request, pk)
    form = InformationForm(
        request.POST, action=reverse("habitants:informer", args=[pk]), cible="fiche-identite"
    )
    return _ecrire_fiche(
        request,
        habitant,
        form=form,
        cle="information",
        ecrire=lambda d: services.enregistrer_information(
            agent=request.user,
            habitant=habitant,
            date_information=timezone.localdate(),
            consentement=d["consentement"],
            request=request,
        ),
        succes="Information sur le traitement et réponse au contact enregistrées.",
        section="fiche-identite",
    )


# --- Coordonnées et foyer depuis la fiche (accueil et travailleur social) ------------------
# Jamais de ressources, de santé ni de contenu d'accompagnement ici : ils sont au dossier du
# foyer, réservé aux travailleurs sociaux.


def _formulaires_fiche(request, habitant, appartenance, lies=None):
    lies = lies or {}
    pk = habitant.pk
    formulaires = {
        "form_information": lies.get("information")
        or InformationForm(action=reverse("habitants:informer", args=[pk]), cible="fiche-identite"),
        "form_contact": lies.get("contact")
        or ContactForm(
            initial={c: getattr(habitant, c) for c in services.CHAMPS_CONTACT},
            action=reverse("habitants:coordonnees", args=[pk]),
            cible="fiche-identite",
        ),
    }
    if appartenance:
        f = appartenance.foyer
        formulaires["form_adresse"] = lies.get("adresse") or AdresseForm(
            initial={c: getattr(f, c) for c in (*services.CHAMPS_ADRESSE, "commune")},
            action=reverse("habitants:adresse_foyer", args=[pk]),
            cible="fiche-foyer",
        )
        return formulaires
    recherche = (request.GET.get("foyer") or request.POST.get("foyer_recherche") or "").strip()
    trouves = list(selectors.foyers_trouves(request.user, recherche)) if recherche else []
    rattachement = lies.get("rattachement")
    if rattachement is None:
        rattachement = RattachementForm(
            foyers=Foyer.objects.filter(pk__in=[f.pk for f in trouves]),
            initial={"date_debut": timezone.localdate()},
            action=reverse("habitants:rattacher", args=[pk]),
            cible="fiche-foyer",
        )
    else:
        choisi = rattachement.data.get("foyer")
        numero = entier_borne(choisi)
        ids = [f.pk for f in trouves] + ([numero] if numero else [])
        rattachement.fields["foyer"].queryset = Foyer.objects.visibles_par(request.user).filter(
            pk__in=ids
        )
        trouves = list(rattachement.fields["foyer"].queryset)
    formulaires.update(
        {
            "recherche_foyer": recherche,
            "foyers_trouves": trouves,
            "form_rattachement": rattachement,
            "form_nouveau_foyer": lies.get("nouveau_foyer")
            or NouveauFoyerForm(
                initial={"date_debut": timezone.localdate()},
                action=reverse("habitants:creer_foyer", args=[pk]),
                cible="fiche-foyer",
            ),
        }
    )
    return formulaires


def _contexte_fiche(request, habitant, lies=None):
    lectures = selectors.fiche_de(habitant)
    return {
        "habitant": habitant,
        **lectures,
        "peut_accompagner": perms.peut_accompagner(request.user),
        **_formulaires_fiche(request, habitant, lectures["appartenance"], lies),
    }


def _habitant_de_la_fiche(request, pk):
    return get_object_or_404(
        selectors.avec_foyer_actuel(Habitant.objects.visibles_par(request.user)), pk=pk
    )


#: Les sections de la fiche que htmx remplace seules.
SECTIONS_FICHE = {
    "fiche-identite": "habitants/partials/fiche_identite.html",
    "fiche-foyer": "habitants/partials/fiche_foyer.html",
}


def _ecrire_fiche(request, habitant, *, form, cle, ecrire, succes, section="fiche-foyer"):
    """Une écriture de la fiche : sa section à jour pour htmx (200, même avec des erreurs),
    sinon la fiche à jour (redirection) ou la fiche et ses erreurs (422)."""
    form.cible = section
    message = ecrire_une_fois(form, agent=request.user, ecrire=ecrire, succes=succes)
    if message:
        if request.htmx:
            habitant = _habitant_de_la_fiche(request, habitant.pk)
            contexte = _contexte_fiche(request, habitant)
            contexte.update({"message_succes": message, "section": section})
            return render(request, SECTIONS_FICHE[section], contexte)
        messages.success(request, message)
        return redirect("habitants:fiche", pk=habitant.pk)
    habitant = _habitant_de_la_fiche(request, habitant.pk)
    contexte = _contexte_fiche(request, habitant, {cle: form})
    if request.htmx:
        return render(request, SECTIONS_FICHE[section], contexte)
    return render(request, "habitants/fiche.html", contexte, status=422)


@require_POST
@permission_requise(perms.peut_tenir_le_guichet)
def coordonnees(request, pk):
    habitant = _habitant_de_la_fiche(request, pk)
    form = ContactForm(
        request.POST, action=reverse("habitants:coordonnees", args=[pk]), cible="fiche-identite"
    )
    return _ecrire_fiche(
        request,
        habitant,
        form=form,
        cle="contact",
        ecrire=lambda d: services.rectifier_identite(
            agent=request.user, habitant=habitant, **form.donnees
        ),
        succes="Coordonnées enregistrées.",
        section="fiche-identite",
    )


@require_POST
@permission_requise(perms.peut_tenir_le_guichet)
def adresse_foyer(request, pk):
    habitant = _habitant_de_la_fiche(request, pk)
    if not habitant.appartenances_actuelles:
        raise Http404("Cette personne n'a pas de foyer.")
    foyer = habitant.appartenances_actuelles[0].foyer
    form = AdresseForm(
        request.POST, action=reverse("habitants:adresse_foyer", args=[pk]), cible="fiche-foyer"
    )
    return _ecrire_fiche(
        request,
        habitant,
        form=form,
        cle="adresse",
        ecrire=lambda d: services.modifier_logement(
            agent=request.user, foyer=foyer, **form.adresse_pour_service
        ),
        succes="Adresse du foyer enregistrée.",
    )


@require_POST
@permission_requise(perms.peut_tenir_le_guichet)
def creer_foyer(request, pk):
    habitant = _habitant_de_la_fiche(request, pk)
    form = NouveauFoyerForm(
        request.POST, action=reverse("habitants:creer_foyer", args=[pk]), cible="fiche-foyer"
    )

    def ecrire(d):
        return services.creer_foyer_de(
            agent=request.user,
            habitant=habitant,
            date_debut=d["date_debut"],
            statut_occupation=d["statut_occupation"],
            **form.adresse_pour_service,
        )

    return _ecrire_fiche(
        request, habitant, form=form, cle="nouveau_foyer", ecrire=ecrire, succes="Foyer créé."
    )


@require_POST
@permission_requise(perms.peut_tenir_le_guichet)
def rattacher(request, pk):
    habitant = _habitant_de_la_fiche(request, pk)
    form = RattachementForm(
        request.POST,
        foyers=Foyer.objects.visibles_par(request.user),
        action=reverse("habitants:rattacher", args=[pk]),
        cible="fiche-foyer",
    )
    return _ecrire_fiche(
        request,
        habitant,
        form=form,
        cle="rattachement",
        ecrire=lambda d: services.rattacher_au_foyer(
            agent=request.user,
            habitant=habitant,
            foyer=d["foyer"],
            role=d["role"],
            date_debut=d["date_debut"],
        ),
        succes="Personne rattachée au foyer.",
    )
