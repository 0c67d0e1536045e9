from django.conf import settings

from ccas_portal.navigation import menu_de


def portail(request):
    agent = getattr(request, "user", None)
    # Connecté par mot de passe, mais une étape reste (code, mot de passe provisoire,
    # activation de la double authentification) : ni menu, ni minuterie d'inactivité.
    complet = bool(agent and agent.is_authenticated) and not getattr(
        request, "etape_de_connexion", None
    )
    return {
        "nom_ccas": settings.PORTAIL_NOM_CCAS,
        "menu": menu_de(agent, request.path) if complet else [],
        "connexion_complete": complet,
        "inactivite": {
            "secondes": settings.SESSION_INACTIVITE_MINUTES * 60,
            "avertissement": settings.SESSION_AVERTISSEMENT_SECONDES,
        },
    }
