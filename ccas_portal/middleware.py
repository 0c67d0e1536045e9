"""En-têtes de sécurité ajoutés à chaque réponse.

Tout est servi par le portail lui-même (aucun CDN) : la politique de sécurité du contenu
n'autorise donc que 'self', sans script ni style en ligne.

Puis la session bornée (inactivité, durée absolue), le parcours de connexion (second facteur,
mot de passe provisoire, enrôlement) et « Cache-Control: no-store » pour les agents connectés.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django_htmx.http import HttpResponseClientRedirect

from ccas_portal import double_authentification

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class EntetesSecuriteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


# --- Session bornée : durée absolue et inactivité ------------------------------------------

CLE_DEBUT = "portail_connecte_le"
CLE_ACTIVITE = "portail_activite"
#: En-tête d'une requête faite sans geste de l'agent (le script d'inactivité qui demande le
#: temps restant) : elle ne compte pas comme activité.
ENTETE_ARRIERE_PLAN = "X-Portail-Arriere-Plan"
#: Précision de la dernière activité notée : la session n'est réécrite qu'une fois par minute.
PAS_ACTIVITE_SECONDES = 60


def maintenant() -> int:
    return int(time.time())


def demarrer_session(sender, request, user, **kwargs):
    """À chaque connexion (signal user_logged_in) : l'heure de début et de dernière activité,
    et si l'agent a un appareil de double authentification."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[CLE_DEBUT] = request.session[CLE_ACTIVITE] = maintenant()
    double_authentification.noter_dans_la_session(request, user)


def secondes_restantes(request) -> tuple[int, bool]:
    """(secondes avant la fin de la session, la fin peut-elle être repoussée ?)"""
    t = maintenant()
    debut = request.session.get(CLE_DEBUT, t)
    activite = request.session.get(CLE_ACTIVITE, t)
    absolue = debut + settings.SESSION_COOKIE_AGE - t
    inactivite = activite + settings.SESSION_INACTIVITE_MINUTES * 60 - t
    if absolue <= inactivite:
        return absolue, False
    return inactivite, True


def _est_arriere_plan(request) -> bool:
    return ENTETE_ARRIERE_PLAN in request.headers


def _rediriger(request, url: str):
    if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
        return HttpResponseClientRedirect(url)
    return redirect(url)


class SessionBorneeMiddleware:
    """Termine la session après `SESSION_INACTIVITE_MINUTES` (30) sans requête de l'agent, et
    après `SESSION_COOKIE_AGE` (8 h) depuis la connexion quoi qu'il arrive ; l'agent revient à
    la page de connexion, qui dit pourquoi. static/js/inactivite.js prévient deux minutes avant."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            t = maintenant()
            if CLE_DEBUT not in request.session:
                request.session[CLE_DEBUT] = request.session[CLE_ACTIVITE] = t
            restantes, prolongeable = secondes_restantes(request)
            if restantes <= 0:
                logout(request)
                motif = "inactivite" if prolongeable else "duree"
                suite = request.get_full_path() if request.method == "GET" else "/"
                if _est_arriere_plan(request):
                    return JsonResponse({"connecte": False, "secondes_restantes": 0, "fin": motif})
                return _rediriger(
                    request, f"{reverse('connexion')}?{urlencode({'next': suite, 'fin': motif})}"
                )
            if not _est_arriere_plan(request) and (
                t - request.session.get(CLE_ACTIVITE, t) >= PAS_ACTIVITE_SECONDES
            ):
                request.session[CLE_ACTIVITE] = t
        return self.get_response(request)


# --- Parcours de connexion : second facteur, mot de passe provisoire, enrôlement ------------

#: L'étape à franchir (nom d'URL) et les pages qu'elle laisse ouvrir.
ETAPES = {
    "verification_code": {"verification_code", "code_de_secours", "deconnexion"},
    "changer_mot_de_passe": {"changer_mot_de_passe", "deconnexion", "etat_session"},
    "activer_double_authentification": {
        "activer_double_authentification",
        "deconnexion",
        "etat_session",
    },
}


def etape_de_connexion(request) -> str | None:
    """L'étape qui reste à l'agent connecté par mot de passe avant d'ouvrir le portail."""
    agent = request.user
    if not agent.is_authenticated:
        return None
    if double_authentification.session_attend_un_code(request):
        return "verification_code"
    if agent.mot_de_passe_provisoire:
        return "changer_mot_de_passe"
    if double_authentification.exigee_pour(agent) and not agent.is_verified():
        return "activer_double_authentification"
    return None


class ParcoursDeConnexionMiddleware:
    """Tant qu'une étape reste (code de l'application, mot de passe provisoire à changer,
    double authentification exigée à activer), toute autre page mène à cette étape : rien du
    portail, ni l'administration technique, ne s'ouvre avant."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        etape = etape_de_connexion(request)
        request.etape_de_connexion = etape
        if etape:
            try:
                nom = resolve(request.path_info).url_name
            except Resolver404:
                nom = None
            if nom not in ETAPES[etape]:
                suite = request.get_full_path() if request.method == "GET" else "/"
                return _rediriger(request, f"{reverse(etape)}?{urlencode({'next': suite})}")
        return self.get_response(request)


# --- Pas de cache pour une page d'agent connecté ------------------------------------------


class PasDeCacheMiddleware:
    """« Cache-Control: no-store » (et private, max-age=0) sur toute réponse faite à un agent
    connecté, exports compris : ni le navigateur, ni un proxy ne gardent une copie des données
    (bouton « Précédent » après déconnexion, poste partagé)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        agent = getattr(request, "user", None)
        if agent is not None and agent.is_authenticated:
            add_never_cache_headers(response)
        return response
