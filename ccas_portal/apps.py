from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class CcasPortailConfig(AppConfig):
    default = True
    name = "ccas_portal"
    verbose_name = "Portail du CCAS"

    def ready(self):
        from ccas_portal import lookups  # noqa: F401 (enregistre la recherche `__parmi`)


class PortailAdminConfig(AdminConfig):
    """L'administration technique, réservée au rôle « admin » (voir ccas_portal/admin_site.py)."""

    default = False
    default_site = "ccas_portal.admin_site.PortailAdminSite"
