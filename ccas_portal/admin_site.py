from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from ccas_portal import perms


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
