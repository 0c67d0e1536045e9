"""Les pièces du dossier d'un foyer : dépôt (htmx ou page), téléchargement, suppression après
confirmation. Lire une pièce : les mêmes contrôles que le dossier du foyer (404 sinon) ;
déposer ou supprimer : ceux qui écrivent le dossier (travailleurs sociaux des sites qui ont
accès au foyer). Chaque ouverture est journalisée (`documents.ouvrir_piece`)."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.forms import ecrire_une_fois
from droits import documents
from droits.forms import PieceForm, SuppressionPieceForm
from droits.instruction.models import Demande
from droits.models_documents import Document
from habitants.models import Foyer

SECTION = "pieces"
GABARIT = "droits/partials/pieces.html"


def _url_dossier(foyer_pk) -> str:
    return reverse("accompagnement:dossier", args=[foyer_pk]) + f"#{SECTION}"


def demande_de(document: Document):
    """La demande d'aide à laquelle la pièce est jointe, ou None."""
    if document.objet_type_id and isinstance(document.objet, Demande):
        return document.objet
    return None


def url_de_retour(document: Document) -> str:
    """Où revenir après avoir supprimé une pièce (ou renoncé) : la demande à laquelle elle est
    jointe, sinon le dossier du foyer."""
    demande = demande_de(document)
    if demande is not None:
        return reverse("droits:demande", args=[demande.pk]) + "#documents"
    return _url_dossier(document.foyer_id)


def formulaire_de_piece(foyer, data=None, files=None) -> PieceForm:
    return PieceForm(
        data,
        files,
        foyer=foyer,
        action=reverse("droits:deposer_piece", args=[foyer.pk]),
        cible=SECTION,
    )


def contexte_pieces(agent, foyer, form=None) -> dict:
    """La liste des pièces et, pour qui tient le dossier, le formulaire de dépôt."""
    ecriture = perms.peut_suivre_foyer(agent, foyer)
    return {
        "foyer": foyer,
        "pieces": list(documents.pieces_du_foyer(foyer)),
        "ecriture_pieces": ecriture,
        "form_piece": (form or formulaire_de_piece(foyer)) if ecriture else None,
    }


def _foyer_ecrivable(request, pk) -> Foyer:
    foyer = get_object_or_404(
        Foyer.objects.visibles_par(request.user).select_related("site"), pk=pk
    )
    if not perms.peut_suivre_foyer(request.user, foyer):
        raise Http404("Foyer introuvable.")
    return foyer


def _piece_lisible(request, pk) -> Document:
    """La pièce si l'agent peut ouvrir le dossier de son foyer (le prédicat du dossier,
    `perms.peut_voir_foyer`), sinon 404."""
    document = get_object_or_404(Document.objects.select_related("foyer__site", "personne"), pk=pk)
    if not perms.peut_voir_foyer(request.user, document.foyer):
        raise Http404("Pièce introuvable.")
    return document


@require_POST
@permission_requise(perms.peut_accompagner)
def deposer(request, foyer_pk):
    foyer = _foyer_ecrivable(request, foyer_pk)
    form = formulaire_de_piece(foyer, request.POST, request.FILES)
    message = ecrire_une_fois(
        form,
        agent=request.user,
        ecrire=lambda d: documents.deposer_piece(
            agent=request.user,
            foyer=foyer,
            fichier=d["fichier"],
            type_piece=d["type_piece"],
            date_document=d["date_document"],
            personne=d["personne"],
            intitule=d["intitule"],
            request=request,
        ),
        succes="Pièce déposée.",
    )
    if message:
        if request.htmx:
            from accompagnement.views import chronologie_du_foyer  # noqa: PLC0415 (cycle : la page du dossier importe cette section)

            contexte = contexte_pieces(request.user, foyer)
            contexte["message_succes"] = message
            # La chronologie suit, hors bande : le dépôt y apparaît aussitôt.
            contexte["chronologie"] = chronologie_du_foyer(request, foyer)
            contexte["hors_bande"] = True
            return render(request, "droits/partials/apres_depot.html", contexte)
        messages.success(request, message)
        return redirect(_url_dossier(foyer.pk))
    if request.htmx:
        # 200 : htmx n'échange pas une réponse 4xx ; les erreurs sont sous leurs champs.
        return render(request, GABARIT, contexte_pieces(request.user, foyer, form))
    from accompagnement.views import contexte_dossier  # noqa: PLC0415 (cycle : la page du dossier importe cette section)

    contexte = contexte_dossier(request, foyer) | contexte_pieces(request.user, foyer, form)
    return render(request, "accompagnement/dossier.html", contexte, status=422)


@require_GET
@permission_requise(perms.peut_accompagner)
def telecharger(request, pk):
    document = _piece_lisible(request, pk)
    if not documents.stockage().exists(document.fichier):
        raise Http404("Le fichier de cette pièce est introuvable.")
    fichier = documents.ouvrir_piece(agent=request.user, document=document, request=request)
    reponse = FileResponse(
        fichier,
        as_attachment=True,
        filename=document.nom_original,
        content_type=document.type_mime,
    )
    # Ni cache du navigateur ni d'un mandataire ; jamais interprété dans la page du portail.
    reponse["Cache-Control"] = "no-store"
    reponse["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return reponse


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_accompagner)
def supprimer(request, pk):
    document = get_object_or_404(Document.objects.select_related("foyer", "personne"), pk=pk)
    foyer = _foyer_ecrivable(request, document.foyer_id)
    action = reverse("droits:supprimer_piece", args=[document.pk])
    retour = url_de_retour(document)
    if request.method == "POST":
        form = SuppressionPieceForm(request.POST, action=action)
        message = ecrire_une_fois(
            form,
            agent=request.user,
            ecrire=lambda d: documents.supprimer_piece(
                agent=request.user, document=document, request=request
            ),
            succes=f"Pièce « {document} » supprimée.",
        )
        if message:
            messages.success(request, message)
            return redirect(retour)
        statut = 422
    else:
        form = SuppressionPieceForm(action=action)
        statut = 200
    return render(
        request,
        "droits/supprimer_piece.html",
        {
            "document": document,
            "foyer": foyer,
            "form": form,
            "taille": document.taille_lisible,
            "retour": retour,
            "demande": demande_de(document),
        },
        status=statut,
    )
