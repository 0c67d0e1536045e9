from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ccas_portal import connexions, perms
from ccas_portal.decorators import permission_requise
from ccas_portal.formats import compte
from ccas_portal.forms import ConnexionForm
from ccas_portal.models import Agent, Axe, Site
from ccas_portal.services_techniques import workers_en_ligne

#: Pourquoi la session a pris fin (ccas_portal/middleware.py, paramètre « fin »).
FINS_DE_SESSION = {
    "inactivite": (
        "Votre session a pris fin après {minutes} sans activité, pour protéger les données. "
        "Reconnectez-vous pour reprendre."
    ),
    "duree": "Votre session a atteint sa durée maximale. Reconnectez-vous pour reprendre.",
}


class ConnexionView(auth_views.LoginView):
    form_class = ConnexionForm
    template_name = "ccas_portal/connexion.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        contexte = super().get_context_data(**kwargs)
        fin = FINS_DE_SESSION.get(self.request.GET.get("fin", ""))
        if fin:
            minutes = compte(settings.SESSION_INACTIVITE_MINUTES, "minute", "minutes")
            contexte["fin_de_session"] = fin.format(minutes=minutes)
        return contexte

    def form_valid(self, form):
        response = super().form_valid(form)
        # Ce navigateur devient « connu » pour ce compte (ccas_portal/connexions.py).
        connexions.poser_temoin(response, form.get_user().get_username())
        return response


connexion = login_not_required(ConnexionView.as_view())
deconnexion = auth_views.LogoutView.as_view()


@require_GET
def accueil(request):
    """La racine du portail mène chaque agent à la page de son rôle."""
    return redirect(perms.page_accueil(request.user))


@require_GET
@permission_requise(perms.peut_administrer)
def administration(request):
    return render(
        request,
        "ccas_portal/administration.html",
        {
            "nb_sites": Site.objects.actifs().count(),
            "nb_agents": Agent.objects.filter(is_active=True).count(),
            "nb_axes": Axe.objects.filter(actif=True).count(),
            "conservation_mois": settings.CONSERVATION_MOIS_SANS_CONTACT,
        },
    )


@require_GET
@permission_requise(perms.peut_administrer)
def etat_workers(request):
    """Fragment htmx : les workers Celery qui répondent en ce moment."""
    return render(request, "ccas_portal/partials/etat_workers.html", {"etat": workers_en_ligne()})


def erreur_403(request, exception=None):
    return render(request, "403.html", status=403)
