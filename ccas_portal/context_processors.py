from django.conf import settings

from ccas_portal.navigation import menu_de


def portail(request):
    agent = getattr(request, "user", None)
    return {
        "nom_ccas": settings.PORTAIL_NOM_CCAS,
        "menu": menu_de(agent, request.path) if agent and agent.is_authenticated else [],
    }
