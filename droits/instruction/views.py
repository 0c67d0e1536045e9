"""Les écrans de l'instruction : demandes (travailleur social, depuis le dossier du foyer),
commission (responsables : séances, ordre du jour pseudonymisé, décisions, urgences),
paiements (finances), budgets. Chaque écriture : formulaire, `ecrire_une_fois`, service ; en
erreur, la page revient avec les messages à côté des champs (422)."""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import ActionJournal
from ccas_portal.forms import ecrire_une_fois, erreurs_en_messages
from ccas_portal.journal import journaliser
from ccas_portal.validation import entier_borne
from droits import documents
from droits.forms import PieceForm
from droits.instruction import budget as budgets
from droits.instruction import selectors, services
from droits.instruction.enums import EtatDemande, NatureDemande
from droits.instruction.evaluation import age_a
from droits.instruction.forms import (
    ClotureLogementForm,
    DecisionForm,
    DemandeForm,
    EvaluationForm,
    GesteForm,
    PaiementForm,
    SeanceForm,
    TransmissionForm,
)
from droits.instruction.lettres import proces_verbal
from droits.instruction.models import Demande, Lettre, Reglement, Seance
from droits.models import Signalement
from habitants.models import Foyer


def _demande_suivie(request, pk) -> Demande:
    """La demande d'un foyer que l'agent suit ; 404 sinon (l'existence ne fuit pas)."""
    return get_object_or_404(
        Demande.objects.visibles_par(request.user).select_related(
            "foyer", "type_aide", "beneficiaire"
        ),
        pk=pk,
    )


# Travailleur social


@require_GET
@permission_requise(perms.peut_instruire)
def demandes(request):
    jour = timezone.localdate()
    return render(
        request,
        "droits/instruction/demandes.html",
        {
            "demandes": Demande.objects.visibles_par(request.user)
            .select_related("foyer", "type_aide", "beneficiaire")
            .order_by("-date_depot", "-pk")[:200],
            "en_retard": list(selectors.dossiers_en_retard(request.user, jour)),
            "aujourd_hui": jour,
        },
    )


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_instruire)
def nouvelle_demande(request, foyer_pk):
    foyer = get_object_or_404(Foyer.objects.visibles_par(request.user), pk=foyer_pk)
    if not perms.peut_suivre_foyer(request.user, foyer):
        raise Http404
    nature = request.GET.get("nature", "")
    if nature not in NatureDemande.values:
        return render(
            request,
            "droits/instruction/choisir_nature.html",
            {"foyer": foyer, "natures": NatureDemande.choices},
        )
    signalement = None
    if numero := entier_borne(request.GET.get("signalement")):
        signalement = (
            Signalement.objects.visibles_par(request.user).filter(foyer=foyer, pk=numero).first()
        )
    action = request.get_full_path()
    form = DemandeForm(
        request.POST or None,
        foyer=foyer,
        nature=nature,
        action=action,
        initial=_pre_remplissage(signalement),
    )
    if request.method == "POST":
        cree = {}

        def ecrire(_):
            cree["demande"] = services.creer_demande(
                agent=request.user, foyer=foyer, signalement=signalement, **form.arguments()
            )

        message = ecrire_une_fois(
            form, agent=request.user, ecrire=ecrire, succes="Demande enregistrée."
        )
        if message:
            messages.success(request, message)
            if "demande" in cree:
                return redirect("droits:demande", pk=cree["demande"].pk)
            return redirect(reverse("accompagnement:dossier", args=[foyer.pk]) + "#demandes")
    return render(
        request,
        "droits/instruction/nouvelle_demande.html",
        {"foyer": foyer, "form": form, "nature": NatureDemande(nature), "signalement": signalement},
        status=422 if form.is_bound else 200,
    )


def _pre_remplissage(signalement) -> dict:
    """Un signalement de la règle jeunes adultes ouvre une demande d'aide jeunes adultes."""
    if signalement is None:
        return {}
    initial = {"objet": f"Suite au signalement : {signalement.prestation}"}
    reglement = Reglement.en_vigueur(timezone.localdate())
    if reglement is not None:
        type_aide = reglement.types.filter(prestation_id=signalement.prestation_id).first()
        if type_aide is not None:
            initial["type_aide"] = type_aide.pk
            initial["montant_demande"] = signalement.prestation.montant_indicatif
            # Le bénéficiaire : le premier membre actuel dans les âges du type d'aide.

            jour = timezone.localdate()
            for m in signalement.foyer.membres.filter(date_fin__isnull=True).select_related(
                "habitant"
            ):
                age = age_a(m.habitant.date_naissance, jour)
                if age is not None and (type_aide.age_min or 0) <= age <= (
                    type_aide.age_max or 200
                ):
                    initial["beneficiaire"] = m.habitant_id
                    break
    return initial


def _formulaire_de_piece(demande, data=None, files=None) -> PieceForm:
    return PieceForm(
        data,
        files,
        foyer=demande.foyer,
        action=reverse("droits:joindre_piece", args=[demande.pk]),
    )


def _contexte_demande(request, demande, **formulaires):
    jour = timezone.localdate()
    historique = list(selectors.aides_accordees_12_mois(demande.foyer, jour))
    ecriture_pieces = perms.peut_suivre_foyer(request.user, demande.foyer)
    return {
        "demande": demande,
        # Les informations propres au type, sous leur libellé (« Numéro unique de demande »).
        "champs": [
            (services.CHAMPS_PAR_NATURE.get(demande.nature, {}).get(cle, cle), valeur)
            for cle, valeur in demande.champs.items()
        ],
        "pieces": list(documents.pieces_de(demande)),
        "ecriture_pieces": ecriture_pieces,
        "form_piece": (formulaires.get("piece") or _formulaire_de_piece(demande))
        if ecriture_pieces
        else None,
        "decisions": list(demande.decisions.select_related("motif_refus", "seance")),
        "lettres": list(demande.lettres.only("pk", "nom_fichier", "creee_le", "demande_id")),
        "historique": historique,
        "total_12_mois": sum((d.montant for d in historique), Decimal("0")),
        "en_retard": demande.en_retard(jour),
        "form_evaluation": formulaires.get("evaluation")
        or EvaluationForm(
            action=reverse("droits:completer_evaluation", args=[demande.pk]),
            initial={
                "autres_charges": demande.evaluation.get("autres_charges", 0),
                "ressources_complementaires": demande.evaluation.get(
                    "ressources_complementaires", 0
                ),
                "commentaire": demande.evaluation.get("commentaire", ""),
            },
        ),
        "form_presenter": formulaires.get("presenter")
        or GesteForm(
            action=reverse("droits:presenter", args=[demande.pk]),
            bouton="Présenter à la commission",
            ident="presenter",
        ),
        "form_transmission": formulaires.get("transmission")
        or TransmissionForm(action=reverse("droits:transmettre", args=[demande.pk])),
        "peut_presenter": demande.nature == NatureDemande.FACULTATIVE
        and demande.etat in (EtatDemande.EN_INSTRUCTION, EtatDemande.AJOURNEE),
        "peut_transmettre": demande.nature == NatureDemande.AIDE_SOCIALE_LEGALE
        and demande.date_transmission is None,
        "form_cloture": formulaires.get("cloture")
        or ClotureLogementForm(action=reverse("droits:clore_logement", args=[demande.pk])),
        "peut_clore": demande.nature == NatureDemande.LOGEMENT_SOCIAL
        and demande.etat != EtatDemande.CLOSE,
    }


@require_GET
@permission_requise(perms.peut_instruire)
def demande(request, pk):
    d = _demande_suivie(request, pk)
    journaliser(agent=request.user, action=ActionJournal.CONSULTATION, objet=d, request=request)
    return render(request, "droits/instruction/demande.html", _contexte_demande(request, d))


def _geste_sur_demande(request, pk, *, cle, form_classe, ecrire, succes, visible, **form_kwargs):
    """Un geste sur la demande (`ecrire`) par son formulaire ; refusé, la page de la demande
    revient (422) avec les erreurs sous les champs. `visible(contexte)` : la page montre-t-elle
    ce formulaire ? Sinon (demande d'un autre type, déjà close ou transmise), ses erreurs vont
    dans les messages de la page, pour que le refus se lise quand même."""
    d = _demande_suivie(request, pk)
    form = form_classe(request.POST, action=request.path, **form_kwargs)
    message = ecrire_une_fois(
        form, agent=request.user, ecrire=lambda donnees: ecrire(d, form.donnees), succes=succes
    )
    if message:
        messages.success(request, message)
        return redirect("droits:demande", pk=d.pk)
    contexte = _contexte_demande(request, d, **{cle: form})
    if not visible(contexte):
        erreurs_en_messages(request, form)
    return render(request, "droits/instruction/demande.html", contexte, status=422)


@require_POST
@permission_requise(perms.peut_instruire)
def joindre_piece(request, pk):
    """Joindre une pièce justificative à la demande : les contrôles des pièces du dossier du
    foyer (contenu, taille, `perms.peut_suivre_foyer`) ; en erreur, la page de la demande
    revient avec les messages sous les champs (422), rien d'écrit."""
    d = _demande_suivie(request, pk)
    if not perms.peut_suivre_foyer(request.user, d.foyer):
        raise Http404
    form = _formulaire_de_piece(d, request.POST, request.FILES)
    message = ecrire_une_fois(
        form,
        agent=request.user,
        ecrire=lambda v: documents.deposer_piece(
            agent=request.user,
            foyer=d.foyer,
            objet=d,
            fichier=v["fichier"],
            type_piece=v["type_piece"],
            date_document=v["date_document"],
            personne=v["personne"],
            intitule=v["intitule"],
            request=request,
        ),
        succes="Pièce jointe à la demande.",
    )
    if message:
        messages.success(request, message)
        return redirect(reverse("droits:demande", args=[d.pk]) + "#documents")
    return render(
        request,
        "droits/instruction/demande.html",
        _contexte_demande(request, d, piece=form),
        status=422,
    )


@require_POST
@permission_requise(perms.peut_instruire)
def completer_evaluation(request, pk):
    return _geste_sur_demande(
        request,
        pk,
        cle="evaluation",
        form_classe=EvaluationForm,
        ecrire=lambda d, v: services.completer_evaluation(agent=request.user, demande=d, **v),
        succes="Évaluation recalculée.",
        visible=lambda c: c["demande"].nature == NatureDemande.FACULTATIVE,
    )


@require_POST
@permission_requise(perms.peut_instruire)
def presenter(request, pk):
    return _geste_sur_demande(
        request,
        pk,
        cle="presenter",
        form_classe=GesteForm,
        bouton="Présenter à la commission",
        ident="presenter",
        ecrire=lambda d, v: services.presenter_en_commission(agent=request.user, demande=d),
        succes="Demande inscrite à l'ordre du jour de la commission.",
        visible=lambda c: c["peut_presenter"],
    )


@require_POST
@permission_requise(perms.peut_instruire)
def transmettre(request, pk):
    return _geste_sur_demande(
        request,
        pk,
        cle="transmission",
        form_classe=TransmissionForm,
        ecrire=lambda d, v: services.transmettre_au_departement(agent=request.user, demande=d, **v),
        succes="Transmission au Département enregistrée.",
        visible=lambda c: c["peut_transmettre"],
    )


@require_POST
@permission_requise(perms.peut_instruire)
def clore_logement(request, pk):
    return _geste_sur_demande(
        request,
        pk,
        cle="cloture",
        form_classe=ClotureLogementForm,
        ecrire=lambda d, v: services.clore_demande_logement(
            agent=request.user, demande=d, request=request, **v
        ),
        succes="Demande de logement social close.",
        visible=lambda c: c["peut_clore"],
    )


@require_GET
def lettre(request, pk):
    """Une lettre de décision : les travailleurs sociaux qui suivent le foyer ; journalisé."""
    objet = get_object_or_404(
        Lettre.objects.filter(demande__in=Demande.objects.visibles_par(request.user)), pk=pk
    )
    journaliser(agent=request.user, action=ActionJournal.EXPORT, objet=objet, request=request)
    reponse = HttpResponse(bytes(objet.contenu), content_type="application/pdf")
    reponse["Content-Disposition"] = f'attachment; filename="{objet.nom_fichier}"'
    return reponse


# Commission (responsables, directeur)


def _chiffres_budgets():
    return budgets.chiffres_de_l_annee(timezone.localdate().year)


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_tenir_commission)
def commission(request):
    form = SeanceForm(request.POST or None, action=reverse("droits:commission"))
    if request.method == "POST":
        cree = {}

        def ecrire(v):
            cree["seance"] = services.creer_seance(agent=request.user, **form.donnees)

        message = ecrire_une_fois(form, agent=request.user, ecrire=ecrire, succes="Séance créée.")
        if message:
            messages.success(request, message)
            if "seance" in cree:
                return redirect("droits:seance", pk=cree["seance"].pk)
            return redirect("droits:commission")
    jour = timezone.localdate()
    urgences_possibles = list(
        Demande.objects.filter(
            nature=NatureDemande.FACULTATIVE,
            etat__in=(EtatDemande.EN_INSTRUCTION, EtatDemande.PRETE, EtatDemande.AJOURNEE),
            type_aide__urgence_possible=True,
        ).select_related("type_aide")
    )
    return render(
        request,
        "droits/instruction/commission.html",
        {
            "form": form,
            "seances": Seance.objects.all()[:20],
            "ordre_du_jour": list(selectors.ordre_du_jour()),
            "urgences": list(selectors.urgences_a_presenter()),
            "urgences_possibles": urgences_possibles,
            "retards": list(selectors.retards_par_site(jour)),
            "budgets": _chiffres_budgets(),
        },
        status=422 if form.is_bound else 200,
    )


def _contexte_seance(request, seance, formulaires=None):
    formulaires = formulaires or {}
    jour = timezone.localdate()
    points = []
    if seance.cloturee_le is None:
        for d in selectors.ordre_du_jour():
            points.append(
                {
                    "demande": d,
                    "identite": (
                        f"{d.beneficiaire.prenoms} {d.beneficiaire.nom_usage}"
                        if d.beneficiaire and perms.peut_voir_identite_demande(request.user, d)
                        else None
                    ),
                    "deja_12_mois": services.deja_accorde_12_mois(d.foyer, jour),
                    "form": formulaires.get(d.pk)
                    or DecisionForm(
                        demande=d, action=reverse("droits:decider", args=[seance.pk, d.pk])
                    ),
                }
            )
    return {
        "seance": seance,
        "points": points,
        "decisions": list(seance.decisions.select_related("demande__type_aide", "motif_refus")),
        "urgences": list(selectors.urgences_a_presenter()),
        "form_cloture": GesteForm(
            action=reverse("droits:cloturer", args=[seance.pk]),
            bouton="Clore la séance et rédiger le procès-verbal",
            ident="cloture",
        ),
    }


@require_GET
@permission_requise(perms.peut_tenir_commission)
def seance(request, pk):
    s = get_object_or_404(Seance, pk=pk)
    return render(request, "droits/instruction/seance.html", _contexte_seance(request, s))


@require_POST
@permission_requise(perms.peut_tenir_commission)
def decider(request, pk, demande_pk):
    s = get_object_or_404(Seance, pk=pk)
    d = get_object_or_404(selectors.ordre_du_jour(), pk=demande_pk)
    form = DecisionForm(request.POST, demande=d, action=request.path)
    message = ecrire_une_fois(
        form,
        agent=request.user,
        ecrire=lambda v: services.decider(agent=request.user, demande=d, seance=s, **form.donnees),
        succes=f"Décision enregistrée pour {d.pseudonyme}.",
    )
    if message:
        messages.success(request, message)
        return redirect("droits:seance", pk=s.pk)
    return render(
        request,
        "droits/instruction/seance.html",
        _contexte_seance(request, s, {d.pk: form}),
        status=422,
    )


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_decider_en_urgence)
def urgence(request, demande_pk):
    d = get_object_or_404(
        Demande.objects.filter(
            nature=NatureDemande.FACULTATIVE, type_aide__urgence_possible=True
        ).select_related("type_aide"),
        pk=demande_pk,
    )
    form = DecisionForm(request.POST or None, demande=d, action=request.path)
    if request.method == "POST":
        message = ecrire_une_fois(
            form,
            agent=request.user,
            ecrire=lambda v: services.decider(agent=request.user, demande=d, **form.donnees),
            succes=f"Décision d'urgence enregistrée pour {d.pseudonyme}.",
        )
        if message:
            messages.success(request, message)
            return redirect("droits:commission")
    return render(
        request,
        "droits/instruction/urgence.html",
        {"demande": d, "form": form},
        status=422 if form.is_bound else 200,
    )


@require_POST
@permission_requise(perms.peut_tenir_commission)
def cloturer(request, pk):
    s = get_object_or_404(Seance, pk=pk)
    form = GesteForm(request.POST, action=request.path, bouton="Clore", ident="cloture")
    message = ecrire_une_fois(
        form,
        agent=request.user,
        ecrire=lambda v: services.cloturer_seance(agent=request.user, seance=s),
        succes="Séance close : le procès-verbal est prêt.",
    )
    if message:
        messages.success(request, message)
    else:
        for erreur in form.non_field_errors():
            messages.error(request, erreur)
    return redirect("droits:seance", pk=s.pk)


@require_GET
@permission_requise(perms.peut_tenir_commission)
def proces_verbal_pdf(request, pk):
    s = get_object_or_404(Seance, pk=pk, cloturee_le__isnull=False)
    decisions = list(s.decisions.select_related("demande__type_aide", "motif_refus"))
    _, pdf = proces_verbal(
        s, [d for d in decisions if not d.urgence], [d for d in decisions if d.urgence]
    )
    journaliser(agent=request.user, action=ActionJournal.EXPORT, objet=s, request=request)
    reponse = HttpResponse(pdf, content_type="application/pdf")
    reponse["Content-Disposition"] = f'attachment; filename="proces-verbal-{s.date:%Y-%m-%d}.pdf"'
    return reponse


# Finances


@require_GET
@permission_requise(perms.peut_voir_budgets)
def paiements(request):
    peut_payer = perms.peut_payer(request.user)
    a_payer = []
    for decision in selectors.aides_non_payees():
        reste = decision.montant - decision.deja_paye
        a_payer.append(
            {
                "decision": decision,
                "reste": reste,
                "form": PaiementForm(
                    decision=decision,
                    reste=reste,
                    action=reverse("droits:payer", args=[decision.pk]),
                )
                if peut_payer
                else None,
            }
        )
    return render(
        request,
        "droits/instruction/paiements.html",
        {"a_payer": a_payer, "budgets": _chiffres_budgets(), "peut_payer": peut_payer},
    )


@require_POST
@permission_requise(perms.peut_payer)
def payer(request, pk):
    decision = get_object_or_404(selectors.aides_non_payees().select_related("demande"), pk=pk)
    reste = decision.montant - decision.deja_paye
    form = PaiementForm(request.POST, decision=decision, reste=reste, action=request.path)
    message = ecrire_une_fois(
        form,
        agent=request.user,
        ecrire=lambda v: services.enregistrer_paiement(
            agent=request.user, decision=decision, **form.donnees
        ),
        succes="Paiement enregistré.",
    )
    if message:
        messages.success(request, message)
        return redirect("droits:paiements")
    return render(
        request,
        "droits/instruction/paiements.html",
        {
            "a_payer": [{"decision": decision, "reste": reste, "form": form}],
            "budgets": _chiffres_budgets(),
            "peut_payer": True,
        },
        status=422,
    )
