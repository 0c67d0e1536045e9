from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.forms import ConnexionForm
from ccas_portal.models import Agent, Site
from ccas_portal.services_techniques import workers_en_ligne
from droits.models import Axe


class ConnexionView(auth_views.LoginView):
    form_class = ConnexionForm
    template_name = "ccas_portal/connexion.html"
    redirect_authenticated_user = True


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
