"""Écrans du partage ou du transfert d'un foyer entre sites (travailleurs sociaux).

Demander (depuis l'avertissement de doublon de l'inscription), décider (site de rattachement),
retirer (site demandeur), mettre fin à un partage (l'un ou l'autre). Les écritures passent par
`habitants/partage.py`, les lectures par `habitants/acces.py`. Chaque formulaire est une page
ordinaire (sans JavaScript) : succès, redirection et message ; erreurs, la page et ses erreurs
sous les champs (422).
"""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.forms import DEJA_ENREGISTRE, ecrire_une_fois
from habitants import acces, partage
from habitants.forms import (
    ClorePartageForm,
    DecisionPartageForm,
    DemandePartageForm,
    DemandeTransfertForm,
)
from habitants.models import Foyer
from habitants.models_partage import NatureDemande, StatutDemande
from habitants.services import connue_de


def formulaires_de_demande(agent, identite: dict, sites, site_demandeur) -> list:
    """Pour l'avertissement « connue de … » de l'inscription : un formulaire de demande par
    site nommé, l'identité tapée en champs cachés ; rien pour l'accueil."""
    if not perms.peut_accompagner(agent) or site_demandeur.pk not in agent.ids_sites:
        return []
    action = reverse("accompagnement:demander_partage")
    return [
        (
            site,
            DemandePartageForm(
                agent=agent,
                action=action,
                suffixe=f"-{site.pk}",
                initial={
                    "site": site.pk,
                    "site_demandeur": site_demandeur.pk,
                    "nom_usage": identite.get("nom_usage", ""),
                    "prenoms": identite.get("prenoms", ""),
                    "date_naissance": identite.get("date_naissance"),
                },
            ),
        )
        for site in sites
    ]


def _formulaire_clore(demande, *, retirer: bool) -> ClorePartageForm:
    nom = "retirer_partage" if retirer else "terminer_partage"
    return ClorePartageForm(
        action=reverse(f"accompagnement:{nom}", args=[demande.pk]),
        bouton="Retirer la demande" if retirer else "Mettre fin au partage",
        suffixe=f"{nom}-{demande.pk}",
    )


def contexte_partages(request, lie=None) -> dict:
    """Demandes reçues (avec leur formulaire de décision, `lie` s'il revient en erreur),
    demandes envoyées, partages accordés."""
    agent = request.user
    recues = []
    for d in acces.demandes_recues(agent):
        form = lie if lie is not None and lie.demande.pk == d.pk else None
        form = form or DecisionPartageForm(
            demande=d, action=reverse("accompagnement:decider_partage", args=[d.pk])
        )
        recues.append((d, form))
    envoyees = []
    for d in acces.demandes_envoyees(agent):
        clore = None
        if d.statut == StatutDemande.EN_ATTENTE:
            clore = _formulaire_clore(d, retirer=True)
        elif d.partage_en_cours:
            clore = _formulaire_clore(d, retirer=False)
        envoyees.append((d, clore))
    accordes = [(d, _formulaire_clore(d, retirer=False)) for d in acces.partages_accordes(agent)]
    return {"recues": recues, "envoyees": envoyees, "accordes": accordes}


@require_GET
@permission_requise(perms.peut_accompagner)
def partages(request):
    return render(request, "accompagnement/partages.html", contexte_partages(request))


@require_POST
@permission_requise(perms.peut_accompagner)
def demander(request):
    form = DemandePartageForm(
        request.POST, agent=request.user, action=reverse("accompagnement:demander_partage")
    )
    message = ecrire_une_fois(
        form,
        agent=request.user,
        ecrire=lambda d: partage.demander_pour_personne_semblable(
            agent=request.user,
            site_demandeur=d["site_demandeur"],
            site=d["site"],
            nom_usage=d["nom_usage"],
            prenoms=d["prenoms"],
            date_naissance=d["date_naissance"],
            nature=d["nature"],
            motif=d["motif"],
        ),
        succes="envoyée",
    )
    if message:
        if message != DEJA_ENREGISTRE:
            site = form.cleaned_data["site"]
            nature = NatureDemande(form.cleaned_data["nature"]).label.lower()
            message = (
                f"Demande de {nature} envoyée : {site} l'acceptera ou la refusera ; "
                "sa réponse s'affichera ici."
            )
        messages.success(request, message)
        return redirect("accompagnement:partages")
    site = form.cleaned_data.get("site") if hasattr(form, "cleaned_data") else None
    return render(
        request,
        "accompagnement/demande_partage.html",
        {"form": form, "connue": connue_de(site) if site else ""},
        status=422,
    )


@require_POST
@permission_requise(perms.peut_accompagner)
def decider(request, pk):
    demande = get_object_or_404(acces.demandes_recues(request.user), pk=pk)
    form = DecisionPartageForm(
        request.POST,
        demande=demande,
        action=reverse("accompagnement:decider_partage", args=[demande.pk]),
    )

    def ecrire(d):
        if d["decision"] == "accepter":
            return partage.accepter(agent=request.user, demande=demande)
        return partage.refuser(agent=request.user, demande=demande, motif_refus=d["motif_refus"])

    message = ecrire_une_fois(form, agent=request.user, ecrire=ecrire, succes="")
    if message is None:
        return render(
            request,
            "accompagnement/partages.html",
            contexte_partages(request, lie=form),
            status=422,
        )
    if message != DEJA_ENREGISTRE:
        nature = demande.get_nature_display()
        if form.cleaned_data["decision"] == "refuser":
            message = f"{nature} demandé par {demande.site_demandeur} : refusé."
        elif demande.nature == NatureDemande.PARTAGE:
            message = f"Partage accepté : {demande.site_demandeur} suit aussi ce foyer."
        else:
            message = f"Transfert accepté : le foyer est rattaché à {demande.site_demandeur}."
    messages.success(request, message)
    return redirect("accompagnement:partages")


def _clore(request, demande, *, ecrire, succes: str):
    form = ClorePartageForm(request.POST, bouton="", suffixe="")
    message = ecrire_une_fois(form, agent=request.user, ecrire=ecrire, succes=succes)
    if message is None:
        for erreur in form.non_field_errors():
            messages.error(request, erreur)
    else:
        messages.success(request, message)
    return redirect("accompagnement:partages")


@require_POST
@permission_requise(perms.peut_accompagner)
def retirer(request, pk):
    demande = get_object_or_404(
        acces.demandes_envoyees(request.user).filter(statut=StatutDemande.EN_ATTENTE), pk=pk
    )
    return _clore(
        request,
        demande,
        ecrire=lambda d: partage.retirer(agent=request.user, demande=demande),
        succes="Demande retirée.",
    )


@require_POST
@permission_requise(perms.peut_accompagner)
def terminer(request, pk):
    ids = request.user.ids_sites
    demande = get_object_or_404(
        acces.partages_en_cours().filter(Q(foyer__site_id__in=ids) | Q(site_demandeur_id__in=ids)),
        pk=pk,
    )
    return _clore(
        request,
        demande,
        ecrire=lambda d: partage.terminer_partage(agent=request.user, demande=demande),
        succes=f"Le partage avec {demande.site_demandeur} est terminé.",
    )


def sites_partenaires(agent, foyer) -> list[int]:
    """Les sites de l'agent avec qui ce foyer est partagé (ni le site de rattachement, ni
    un site sans partage)."""
    if not perms.peut_accompagner(agent) or foyer.site_id in agent.ids_sites:
        return []
    return sorted(acces.sites_ayant_acces(foyer) & agent.ids_sites)


def formulaire_de_transfert(agent, foyer, form=None):
    """Le formulaire « Demander le transfert » du dossier d'un foyer partagé, pour les
    travailleurs sociaux du site partenaire seulement."""
    if not sites_partenaires(agent, foyer):
        return None
    return form or DemandeTransfertForm(
        action=reverse("accompagnement:demander_transfert", args=[foyer.pk])
    )


@require_POST
@permission_requise(perms.peut_accompagner)
def demander_transfert(request, pk):
    foyer = get_object_or_404(Foyer.objects.visibles_par(request.user), pk=pk)
    sites = sites_partenaires(request.user, foyer)
    if not sites:
        raise Http404("Foyer introuvable.")
    form = DemandeTransfertForm(
        request.POST, action=reverse("accompagnement:demander_transfert", args=[foyer.pk])
    )
    site = request.user.sites.get(pk=sites[0])
    message = ecrire_une_fois(
        form,
        agent=request.user,
        ecrire=lambda d: partage.demander(
            agent=request.user,
            site_demandeur=site,
            foyer=foyer,
            nature=NatureDemande.TRANSFERT,
            motif=d["motif"],
        ),
        succes=f"Demande de transfert envoyée : {foyer.site} l'acceptera ou la refusera.",
    )
    if message:
        messages.success(request, message)
        return redirect("accompagnement:partages")
    return render(
        request, "accompagnement/demande_partage.html", {"form": form, "connue": ""}, status=422
    )
