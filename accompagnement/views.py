"""Les écrans du travailleur social : portefeuille, dossier du foyer, accompagnement."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accompagnement import selectors, selectors_dossier, services
from accompagnement.dossier_social import contexte_dossier_social
from accompagnement.filters import PortefeuilleFilter
from accompagnement.forms import (
    ActionCollectiveForm,
    ActionForm,
    FaitsForm,
    InterventionForm,
    ObjectifForm,
    OrientationForm,
    OuvertureForm,
    SeanceForm,
    StatutActionForm,
    StatutForm,
    SuiviOrientationForm,
)
from accompagnement.models import Accompagnement, Action, ActionCollective, Orientation, Seance
from accompagnement.selectors import portefeuille
from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import ActionJournal
from ccas_portal.forms import DEJA_ENREGISTRE, ecrire_une_fois, reporter_erreurs
from ccas_portal.idempotence import DejaTraite, une_seule_fois
from ccas_portal.journal import journaliser
from ccas_portal.models import Site
from ccas_portal.pagination import paginer
from droits.file_de_travail import signalements_a_traiter
from droits.forms import PrestationFoyerForm, formulaire_de_simulation
from droits.instruction import selectors as selectors_instruction
from droits.selectors import simulation_du_foyer
from droits.vues_documents import contexte_pieces
from habitants.acces import demandes_recues, q_personnes_accessibles
from habitants.forms import RechercheForm
from habitants.models import Foyer, Habitant
from habitants.selectors import CriteresRecherche, rechercher_habitants
from habitants.vues_partage import formulaire_de_transfert

PAR_PAGE = 25


@require_GET
@permission_requise(perms.peut_accompagner)
def mes_accompagnements(request):
    """Le portefeuille du travailleur social : filtres, tri, pagination."""
    filtre = PortefeuilleFilter(
        request.GET or None,
        queryset=portefeuille(request.user).order_by("-date_ouverture", "-id"),
        agent=request.user,
    )
    page = paginer(filtre.qs, request.GET.get("page"), par_page=PAR_PAGE)
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(
        request,
        "accompagnement/mes_accompagnements.html",
        {
            "filtre": filtre,
            "page": page,
            "parametres": parametres.urlencode(),
            "demandes_recues": list(demandes_recues(request.user)),
            **signalements_a_traiter(request.user),
        },
    )


# --- Dossier du foyer ----------------------------------------------------------------------


def _foyer_visible(request, pk):
    """Le foyer si l'agent peut ouvrir son dossier, sinon 404 (rien n'est divulgué)."""
    foyer = get_object_or_404(Foyer.objects.select_related("site"), pk=pk)
    if not perms.peut_voir_foyer(request.user, foyer):
        raise Http404("Foyer introuvable.")
    return foyer, selectors.ids_intervenant(request.user, foyer)


def chronologie_du_foyer(request, foyer, intervenant=None) -> list:
    """La chronologie seule (après une écriture du dossier social, renvoyée hors bande)."""
    if intervenant is None:
        intervenant = selectors.ids_intervenant(request.user, foyer)
    return selectors_dossier.dossier_du_foyer(request.user, foyer, intervenant)["chronologie"]


def contexte_dossier(request, foyer, intervenant=None, lies=None):
    """Le contexte de la page du dossier ; `lies` : formulaires du dossier social en erreur."""
    if intervenant is None:
        intervenant = selectors.ids_intervenant(request.user, foyer)
    return {
        "foyer": foyer,
        "intervenant": intervenant,
        "peut_ouvrir": perms.peut_suivre_foyer(request.user, foyer),
        **selectors_dossier.dossier_du_foyer(request.user, foyer, intervenant),
        "simulation": simulation_du_foyer(foyer),
        "form_simulation": formulaire_de_simulation(foyer),
        **selectors.partages_du_foyer(foyer),
        "form_transfert": formulaire_de_transfert(request.user, foyer),
        "form_prestation": PrestationFoyerForm(
            foyer=foyer, action=reverse("droits:ajouter_prestation", args=[foyer.pk])
        ),
        "demandes_du_foyer": list(selectors_instruction.demandes_du_foyer(foyer)),
        **contexte_dossier_social(request, foyer, lies),
        **contexte_pieces(request.user, foyer),
    }


@require_GET
@permission_requise(perms.peut_accompagner)
def dossier(request, pk):
    foyer, intervenant = _foyer_visible(request, pk)
    journaliser(agent=request.user, action=ActionJournal.CONSULTATION, objet=foyer, request=request)
    if request.htmx and request.htmx.target == "resultats-personne":
        return render(
            request,
            "accompagnement/partials/resultats_personne.html",
            contexte_dossier_social(request, foyer),
        )
    return render(
        request, "accompagnement/dossier.html", contexte_dossier(request, foyer, intervenant)
    )


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_accompagner)
def ouvrir(request, pk):
    foyer = get_object_or_404(Foyer.objects.visibles_par(request.user), pk=pk)
    action = reverse("accompagnement:ouvrir", args=[foyer.pk])
    form = OuvertureForm(request.POST or None, foyer=foyer, agent=request.user, action=action)
    deja_ouvert = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            accompagnement = une_seule_fois(
                jeton=d["jeton"],
                agent=request.user,
                ecrire=lambda: services.ouvrir_accompagnement(
                    agent=request.user,
                    foyer=foyer,
                    axe=d["axe"].code,
                    membres=d["membres"],
                    co_intervenants=d["co_intervenants"],
                    date_ouverture=d["date_ouverture"],
                    malgre_accompagnement_ouvert=d.get("malgre_accompagnement_ouvert", False),
                ),
            )
        except services.AccompagnementDejaOuvert as erreur:
            deja_ouvert = erreur.accompagnement
            form = OuvertureForm(
                request.POST, foyer=foyer, agent=request.user, action=action, deja_ouvert=True
            )
            form.is_valid()
            reporter_erreurs(form, erreur)
        except ValidationError as erreur:
            reporter_erreurs(form, erreur)
        except DejaTraite:
            messages.success(request, DEJA_ENREGISTRE)
            return redirect("accompagnement:dossier", pk=foyer.pk)
        else:
            messages.success(request, f"Accompagnement « {accompagnement.axe} » ouvert.")
            return redirect("accompagnement:detail", pk=accompagnement.pk)
    lien_deja_ouvert = None
    if deja_ouvert is not None:
        visible = Accompagnement.objects.visibles_par(request.user).filter(pk=deja_ouvert.pk)
        lien_deja_ouvert = (
            reverse("accompagnement:detail", args=[deja_ouvert.pk])
            if visible.exists()
            else reverse("accompagnement:dossier", args=[foyer.pk])
        )
    return render(
        request,
        "accompagnement/ouvrir.html",
        {
            "foyer": foyer,
            "form": form,
            "deja_ouvert": deja_ouvert,
            "lien_deja_ouvert": lien_deja_ouvert,
        },
        status=422 if form.is_bound else 200,
    )


# --- Accompagnement : plan d'action, interventions, orientations ---------------------------

#: Les sections de la page d'accompagnement que htmx remplace seules.
SECTIONS = {
    "plan": "accompagnement/partials/plan.html",
    "interventions": "accompagnement/partials/interventions.html",
    "orientations": "accompagnement/partials/orientations.html",
}


def _accompagnement(request, pk):
    """L'accompagnement si l'agent en est référent ou co-intervenant, sinon 404."""
    return get_object_or_404(
        Accompagnement.objects.visibles_par(request.user).select_related(
            "foyer__site", "axe", "referent"
        ),
        pk=pk,
    )


#: Les formulaires de la page : (nom, classe, vue où il poste, section que htmx remplace).
FORMULAIRES = (
    ("form_statut", StatutForm, "changer_statut", ""),
    ("form_faits", FaitsForm, "faits", ""),
    ("form_objectif", ObjectifForm, "ajouter_objectif", "plan"),
    ("form_action", ActionForm, "ajouter_action", "plan"),
    ("form_intervention", InterventionForm, "ajouter_intervention", "interventions"),
    ("form_orientation", OrientationForm, "orienter", "orientations"),
)


def _formulaires(accompagnement, **lies):
    """Les formulaires de la page, vides sauf ceux passés liés (avec leurs erreurs) ; chacun,
    lié ou non, poste vers sa vue et, s'il en a une, vers sa section en htmx."""
    a = accompagnement
    arguments = {
        StatutForm: {"accompagnement": a},
        FaitsForm: {"axe": a.axe_id, "initial": a.faits},
        ObjectifForm: {"axe": a.axe_id},
        ActionForm: {"accompagnement": a},
        InterventionForm: {"accompagnement": a},
        OrientationForm: {},
    }
    formulaires = {}
    for nom, classe, vue, section in FORMULAIRES:
        form = lies.get(nom) or classe(**arguments[classe])
        form.action = reverse(f"accompagnement:{vue}", args=[a.pk])
        form.cible = section
        formulaires[nom] = form
    return formulaires


def _contexte(request, accompagnement, **lies):
    return {
        "accompagnement": accompagnement,
        "ouvert": accompagnement.statut != "clos",
        **selectors.detail_accompagnement(request.user, accompagnement),
        "statuts_action": StatutActionForm.base_fields["statut"].choices,
        "statuts_orientation": SuiviOrientationForm.base_fields["statut"].choices,
        **_formulaires(accompagnement, **lies),
    }


@require_GET
@permission_requise(perms.peut_accompagner)
def detail(request, pk):
    accompagnement = _accompagnement(request, pk)
    journaliser(
        agent=request.user,
        action=ActionJournal.CONSULTATION,
        objet=accompagnement,
        request=request,
    )
    return render(request, "accompagnement/detail.html", _contexte(request, accompagnement))


def _ecrire(request, accompagnement, *, form, nom_form, section, ecrire, succes):
    """Le déroulé commun des écritures : valider, appeler le service, répondre.

    htmx reçoit la section à jour (200, même avec des erreurs : htmx n'échange pas une 4xx) ;
    sans JavaScript, redirection vers la page (ou la page et ses erreurs en 422)."""
    message = ecrire_une_fois(form, agent=request.user, ecrire=ecrire, succes=succes)
    if message:
        return _reponse_ecrite(request, accompagnement, section, message)
    contexte = _contexte(request, accompagnement, **({nom_form: form} if nom_form else {}))
    if nom_form is None or not contexte["ouvert"]:
        # Petit formulaire de ligne, ou formulaire que la page n'affiche plus (accompagnement
        # clos) : les erreurs s'annoncent en tête de section.
        contexte["erreurs"] = [e for erreurs in form.errors.values() for e in erreurs]
        contexte["erreurs_de"] = section
    if request.htmx and section:
        return render(request, SECTIONS[section], contexte)
    return render(request, "accompagnement/detail.html", contexte, status=422)


def _reponse_ecrite(request, accompagnement, section, message):
    """Après une écriture : la section à jour pour htmx, sinon redirection vers la page."""
    if request.htmx and section:
        contexte = _contexte(request, accompagnement)
        contexte["message_succes"] = message
        return render(request, SECTIONS[section], contexte)
    messages.success(request, message)
    ancre = f"#{section}" if section else ""
    return redirect(reverse("accompagnement:detail", args=[accompagnement.pk]) + ancre)


def _ecriture(fonction):
    """Vue POST d'écriture sur un accompagnement dont l'agent est intervenant."""
    return require_POST(permission_requise(perms.peut_accompagner)(fonction))


@_ecriture
def changer_statut(request, pk):
    a = _accompagnement(request, pk)
    form = StatutForm(request.POST, accompagnement=a)
    return _ecrire(
        request,
        a,
        form=form,
        nom_form="form_statut",
        section=None,
        ecrire=lambda d: services.changer_statut(
            agent=request.user,
            accompagnement=a,
            statut=d["statut"],
            date_effet=d["date_effet"],
            motif_cloture=d["motif_cloture"],
            commentaire=d["commentaire"],
        ),
        succes="Statut de l'accompagnement changé.",
    )


@_ecriture
def faits(request, pk):
    a = _accompagnement(request, pk)
    form = FaitsForm(request.POST, axe=a.axe_id)
    return _ecrire(
        request,
        a,
        form=form,
        nom_form="form_faits",
        section=None,
        ecrire=lambda d: services.enregistrer_faits(
            agent=request.user, accompagnement=a, faits=form.faits()
        ),
        succes="Faits enregistrés.",
    )


@_ecriture
def ajouter_objectif(request, pk):
    a = _accompagnement(request, pk)
    form = ObjectifForm(request.POST, axe=a.axe_id)
    return _ecrire(
        request,
        a,
        form=form,
        nom_form="form_objectif",
        section="plan",
        ecrire=lambda d: services.ajouter_objectif(
            agent=request.user, accompagnement=a, libelle=form.objectif()
        ),
        succes="Objectif ajouté.",
    )


@_ecriture
def ajouter_action(request, pk):
    a = _accompagnement(request, pk)
    form = ActionForm(request.POST, accompagnement=a)
    return _ecrire(
        request,
        a,
        form=form,
        nom_form="form_action",
        section="plan",
        ecrire=lambda d: services.ajouter_action(
            agent=request.user, objectif=d["objectif"], libelle=d["libelle"], echeance=d["echeance"]
        ),
        succes="Action ajoutée.",
    )


@_ecriture
def statut_action(request, pk, action_pk):
    a = _accompagnement(request, pk)
    action = get_object_or_404(
        Action.objects.select_related("objectif"), pk=action_pk, objectif__accompagnement=a
    )
    action.objectif.accompagnement = a
    form = StatutActionForm(request.POST)
    return _ecrire(
        request,
        a,
        form=form,
        nom_form=None,
        section="plan",
        ecrire=lambda d: services.changer_statut_action(
            agent=request.user, action=action, statut=d["statut"]
        ),
        succes=f"Action « {action.libelle} » : statut mis à jour.",
    )


@_ecriture
def ajouter_intervention(request, pk):
    a = _accompagnement(request, pk)
    form = InterventionForm(request.POST, accompagnement=a)
    return _ecrire(
        request,
        a,
        form=form,
        nom_form="form_intervention",
        section="interventions",
        ecrire=lambda d: services.enregistrer_intervention(
            agent=request.user,
            accompagnement=a,
            type=d["type"],
            date_intervention=d["date"],
            duree_minutes=d["duree_minutes"],
            lieu=d["lieu"],
            participants=d["participants"],
            compte_rendu=d["compte_rendu"],
            confidentiel=d["confidentiel"],
        ),
        succes="Intervention enregistrée.",
    )


@_ecriture
def orienter(request, pk):
    a = _accompagnement(request, pk)
    form = OrientationForm(request.POST)
    return _ecrire(
        request,
        a,
        form=form,
        nom_form="form_orientation",
        section="orientations",
        ecrire=lambda d: services.orienter(
            agent=request.user,
            accompagnement=a,
            partenaire=d["partenaire"],
            motif=d["motif"],
            date_orientation=d["date"],
        ),
        succes="Orientation enregistrée.",
    )


@_ecriture
def suivre_orientation(request, pk, orientation_pk):
    a = _accompagnement(request, pk)
    orientation = get_object_or_404(Orientation, pk=orientation_pk, accompagnement=a)
    orientation.accompagnement = a
    form = SuiviOrientationForm(request.POST)
    return _ecrire(
        request,
        a,
        form=form,
        nom_form=None,
        section="orientations",
        ecrire=lambda d: services.suivre_orientation(
            agent=request.user, orientation=orientation, statut=d["statut"], resultat=d["resultat"]
        ),
        succes=f"Orientation vers {orientation.partenaire} : suivi enregistré.",
    )


# --- Actions collectives (axe participation) ----------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_accompagner)
def actions_collectives(request):
    """Les actions collectives des sites de l'agent, et la création d'une nouvelle."""
    action_url = reverse("accompagnement:actions_collectives")
    form = ActionCollectiveForm(request.POST or None, agent=request.user, action=action_url)
    if form.is_valid():
        try:
            action = une_seule_fois(
                jeton=form.cleaned_data["jeton"],
                agent=request.user,
                ecrire=lambda: services.creer_action_collective(agent=request.user, **form.donnees),
            )
        except ValidationError as erreur:
            reporter_erreurs(form, erreur)
        except DejaTraite:
            messages.success(request, DEJA_ENREGISTRE)
            return redirect("accompagnement:actions_collectives")
        else:
            messages.success(request, f"Action collective « {action} » créée.")
            return redirect("accompagnement:action_collective", pk=action.pk)
    actions = selectors.avec_participation(
        ActionCollective.objects.visibles_par(request.user).select_related("site")
    )
    return render(
        request,
        "accompagnement/actions_collectives.html",
        {"actions": actions, "form": form},
        status=422 if form.is_bound else 200,
    )


def _action_collective(request, pk):
    return get_object_or_404(
        ActionCollective.objects.visibles_par(request.user).select_related("site"), pk=pk
    )


def _page_action_collective(request, action, form, status=200):
    seances = list(
        action.seances.select_related("site").prefetch_related("participants", "animateurs")
    )
    # Les noms des seules personnes connues du site porteur (une séance enregistrée avant la
    # règle a pu inscrire une personne d'un autre site : comptée, pas nommée ; ADR 0025).
    inscrits = {h.pk for s in seances for h in s.participants.all()}
    connus = (
        set(
            Habitant.objects.filter(
                q_personnes_accessibles({action.site_id}), pk__in=inscrits
            ).values_list("pk", flat=True)
        )
        if inscrits
        else set()
    )
    for s in seances:
        s.nommes = [h for h in s.participants.all() if h.pk in connus]
        s.d_ailleurs = len(s.participants.all()) - len(s.nommes)
    return render(
        request,
        "accompagnement/action_collective.html",
        {
            "action": action,
            "seances": seances,
            "form": form,
            "choisis": form.participants_choisis(),
            **_participants_trouves(request, action),
            "animateurs": list(action.animateurs.all()),
        },
        status=status,
    )


@require_GET
@permission_requise(perms.peut_accompagner)
def action_collective(request, pk):
    action = _action_collective(request, pk)
    return _page_action_collective(request, action, SeanceForm(agent=request.user, action=action))


@require_POST
@permission_requise(perms.peut_accompagner)
def enregistrer_seance(request, pk):
    action = _action_collective(request, pk)
    form = SeanceForm(request.POST, agent=request.user, action=action)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.enregistrer_seance(
                agent=request.user,
                action=action,
                date_seance=d["date"],
                theme=d["theme"],
                site=d["site"],
                participants=d["participants"],
                participants_anonymes=d["participants_anonymes"],
            )
        except ValidationError as erreur:
            reporter_erreurs(form, erreur)
        else:
            messages.success(request, "Séance enregistrée.")
            return redirect("accompagnement:action_collective", pk=action.pk)
    return _page_action_collective(request, action, form, status=422)


@require_GET
@permission_requise(perms.peut_accompagner)
def chercher_participants(request, pk):
    """Fragment htmx : des cases à cocher pour les personnes trouvées (10 au plus)."""
    action = _action_collective(request, pk)
    return render(
        request,
        "accompagnement/partials/participants_trouves.html",
        _participants_trouves(request, action),
    )


def _participants_trouves(request, action) -> dict:
    """Les personnes que l'agent cherche (?q=, 2 lettres au moins ; 10 au plus), parmi celles
    connues du site porteur de l'action (ADR 0025)."""
    recherche = RechercheForm(request.GET)
    texte = recherche.cleaned_data.get("q", "") if recherche.is_valid() else ""
    trouves = []
    if len(texte) >= 2:
        trouves = list(
            rechercher_habitants(request.user, CriteresRecherche(texte=texte)).filter(
                q_personnes_accessibles({action.site_id})
            )[:10]
        )
    return {"trouves": trouves, "texte": texte, "site_porteur": action.site}


@require_GET
def page_site(request, code):
    """La page d'un site : ses actions collectives et leur participation, sans nom de personne."""
    site = get_object_or_404(Site, code=code)
    if not perms.peut_voir_site(request.user, site):
        raise Http404("Site introuvable.")
    actions = selectors.avec_participation(site.actions_collectives.all())
    seances = (
        Seance.objects.filter(site=site)
        .select_related("action")
        .annotate(inscrits=Count("participants"))
        .order_by("-date", "-id")[:20]
    )
    return render(
        request,
        "accompagnement/site.html",
        {
            "site": site,
            "actions": actions,
            "seances": seances,
            "peut_accompagner": perms.peut_accompagner(request.user),
        },
    )
