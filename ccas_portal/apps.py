from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class CcasPortailConfig(AppConfig):
    default = True
    name = "ccas_portal"
    verbose_name = "Portail du CCAS"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in  # noqa: PLC0415 (AppConfig.ready : applications chargées)

        from ccas_portal import lookups  # noqa: F401, PLC0415 (AppConfig.ready : applications chargées ; enregistre la recherche `__parmi`)
        from ccas_portal.middleware import demarrer_session  # noqa: PLC0415 (AppConfig.ready : applications chargées)

        user_logged_in.connect(demarrer_session, dispatch_uid="ccas_portal.demarrer_session")


class PortailAdminConfig(AdminConfig):
    """L'administration technique, réservée au rôle « admin » (voir ccas_portal/admin_site.py)."""

    default = False
    default_site = "ccas_portal.admin_site.PortailAdminSite"
