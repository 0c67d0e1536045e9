"""L'écran de passation des accompagnements (départ, congé, changement de site d'un agent).

L'accès suit les sites actuels de chaque agent (`habitants.acces`) : un agent changé de site,
désactivé ou changé de rôle n'ouvre plus les accompagnements des foyers qu'il a quittés ; ils
apparaissent ici « à passer ». Pour chacun : un nouveau référent, des co-intervenants ajoutés
ou retirés (`services.passer_accompagnement`, journalisé). Un administrateur ou un
responsable (des sites qu'il pilote) le fait pour tout agent ; un travailleur social pour
lui-même, avant un départ ou un congé. L'écran ne montre aucun nom de personne ni contenu :
numéro du foyer, site, axe, dates, intervenants (ADR 0025).
"""

from itertools import groupby

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accompagnement import selectors, services
from accompagnement.forms import PassationForm
from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import Role
from ccas_portal.forms import ecrire_une_fois
from ccas_portal.models import Agent
from ccas_portal.validation import entier_borne


def _sites_pilotes(agent):
    if perms.a_un_role(agent, Role.RESPONSABLE):
        return set(perms.sites_pilotables(agent).values_list("pk", flat=True))
    return None


def _passables(agent, accompagnements):
    """Ceux que `agent` peut passer, parmi `accompagnements` (sites pilotés calculés une fois)."""
    pilotes = _sites_pilotes(agent)
    return [
        a
        for a in accompagnements
        if perms.peut_passer_accompagnement(agent, a, sites_pilotes=pilotes)
    ]


@require_GET
@permission_requise(perms.peut_organiser_passation)
def passations(request):
    """Les agents dont des accompagnements sont à passer (ils n'y ont plus accès), et le choix
    d'un travailleur social qui part ou prend un congé. Un travailleur social va à sa page."""
    agent = request.user
    if perms.peut_accompagner(agent):
        return redirect("accompagnement:passation", pk=agent.pk)
    a_passer = _passables(
        agent,
        selectors.accompagnements_a_passer()
        .select_related("foyer", "referent")
        .prefetch_related("co_intervenants"),
    )
    possibles = selectors.intervenants_possibles({a.foyer for a in a_passer})
    par_agent: dict[int, list] = {}
    agents = {}
    for a in a_passer:
        ok = {p.pk for p in possibles[a.foyer_id]}
        for intervenant in [a.referent, *a.co_intervenants.all()]:
            if intervenant.pk not in ok:
                agents[intervenant.pk] = intervenant
                par_agent.setdefault(intervenant.pk, []).append(a)
    lignes = [
        (agents[pk], len(liste))
        for pk, liste in sorted(par_agent.items(), key=lambda x: str(agents[x[0]]))
    ]
    travailleurs = Agent.objects.filter(role=Role.TRAVAILLEUR_SOCIAL, is_active=True).order_by(
        "last_name", "first_name", "pk"
    )
    return render(
        request,
        "accompagnement/passations.html",
        {"lignes": lignes, "travailleurs": travailleurs},
    )


@require_GET
@permission_requise(perms.peut_organiser_passation)
def choisir_agent(request):
    """Le formulaire « préparer un départ ou un congé » (GET ?agent=) mène à sa page."""
    pk = entier_borne(request.GET.get("agent", ""))
    if not pk:
        messages.error(request, "Choisissez un travailleur social dans la liste.")
        return redirect("accompagnement:passations")
    return redirect("accompagnement:passation", pk=pk)


def _contexte(request, intervenant, lie=None):
    """Les accompagnements de `intervenant` que l'agent peut passer, par site, chacun avec
    son formulaire (`lie` : celui qui revient avec ses erreurs)."""
    accompagnements = _passables(request.user, selectors.accompagnements_de(intervenant))
    possibles = selectors.intervenants_possibles({a.foyer for a in accompagnements})
    lignes = []
    for a in accompagnements:
        ok = {p.pk for p in possibles[a.foyer_id]}
        form = lie if lie is not None and lie.accompagnement.pk == a.pk else None
        form = form or PassationForm(
            accompagnement=a,
            possibles=possibles[a.foyer_id],
            action=reverse("accompagnement:passation", args=[intervenant.pk]) + f"?a={a.pk}",
        )
        a.sans_acces = [i for i in [a.referent, *a.co_intervenants.all()] if i.pk not in ok]
        a.lisible = perms.peut_modifier_accompagnement(request.user, a)
        lignes.append((a, form))
    par_site = [
        (site, list(groupe))
        for site, groupe in groupby(lignes, key=lambda ligne: ligne[0].foyer.site)
    ]
    return {
        "intervenant": intervenant,
        "par_site": par_site,
        "nombre": len(lignes),
        "lui_meme": intervenant.pk == request.user.pk,
    }


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_organiser_passation)
def passation(request, pk):
    intervenant = get_object_or_404(Agent, pk=pk)
    if not perms.peut_organiser_passation(request.user, intervenant):
        raise Http404("Agent introuvable.")
    if request.method == "GET":
        return render(request, "accompagnement/passation.html", _contexte(request, intervenant))

    accompagnement = next(
        (
            a
            for a in _passables(request.user, selectors.accompagnements_de(intervenant))
            if a.pk == entier_borne(request.GET.get("a", ""))
        ),
        None,
    )
    if accompagnement is None:
        raise Http404("Accompagnement introuvable.")
    possibles = selectors.intervenants_possibles([accompagnement.foyer])[accompagnement.foyer_id]
    form = PassationForm(
        request.POST,
        accompagnement=accompagnement,
        possibles=possibles,
        action=request.get_full_path(),
    )
    form.accompagnement = accompagnement
    message = ecrire_une_fois(
        form,
        agent=request.user,
        ecrire=lambda d: services.passer_accompagnement(
            agent=request.user, accompagnement=accompagnement, **form.donnees
        ),
        succes=f"Accompagnement n° {accompagnement.pk} : passation enregistrée.",
    )
    if message is None:
        return render(
            request,
            "accompagnement/passation.html",
            _contexte(request, intervenant, lie=form),
            status=422,
        )
    messages.success(request, message)
    return redirect("accompagnement:passation", pk=intervenant.pk)
