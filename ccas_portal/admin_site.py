from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from ccas_portal import perms
from ccas_portal.validation import parametre_illisible


class PortailAdminSite(admin.AdminSite):
    """L'administration technique de Django, ouverte au seul rôle admin.

    Elle n'a pas de page de connexion à elle : on se connecte par celle du portail.
    """

    site_header = "Administration technique du portail"
    site_title = "Administration du portail"
    index_title = "Référentiels, agents et tâches planifiées"

    def has_permission(self, request):
        return perms.peut_administrer(request.user)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect(f"{reverse('connexion')}?next={request.get_full_path()}")

    def admin_view(self, view, cacheable=False):
        """Les vues de Django lisent leurs paramètres (recherche, filtres) sans formulaire du
        portail : un paramètre illisible reçoit ici une page 400 en français, pas une 500."""
        vue = super().admin_view(view, cacheable)

        @wraps(vue)
        def vue_aux_parametres_verifies(request, *args, **kwargs):
            erreur = parametre_illisible(request.GET) or parametre_illisible(request.POST)
            if erreur:
                return render(request, "400.html", {"erreur": erreur}, status=400)
            return vue(request, *args, **kwargs)

        return vue_aux_parametres_verifies
