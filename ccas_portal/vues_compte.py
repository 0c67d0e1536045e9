"""Le compte de l'agent : second facteur à la connexion (code de l'application ou code de
secours), activation de la double authentification, mot de passe, et la session (temps
restant, prolongation) pour static/js/inactivite.js."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ccas_portal import double_authentification as da
from ccas_portal.formats import compte
from ccas_portal.forms import (
    ChangementMotDePasseForm,
    CodeForm,
    DesactivationForm,
    reporter_erreurs,
)
from ccas_portal.middleware import CLE_ACTIVITE, maintenant, secondes_restantes

CLE_CODES_NEUFS = "portail_codes_de_secours_neufs"


def _suite(request, defaut: str = "accueil") -> str:
    """La page où revenir (`next`) : un chemin du portail (« /… »), sinon la page `defaut`.
    Un `next` sans « / » en tête (« abc ») serait lu par `redirect` comme un nom de vue."""
    suite = request.POST.get("next") or request.GET.get("next") or ""
    if suite.startswith("/") and url_has_allowed_host_and_scheme(
        suite, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return suite
    return reverse(defaut)


def _statut(form) -> int:
    return 422 if form.is_bound and form.errors else 200


# --- Second facteur à la connexion ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
def verification_code(request, secours: bool = False):
    """Après le mot de passe : le code de l'application, ou (appareil perdu) un code de
    secours. Un code faux : message sous le champ, attente croissante après plusieurs."""
    form = CodeForm(request.POST or None, secours=secours)
    if form.is_valid():
        try:
            da.verifier_code(
                request=request, agent=request.user, code=form.cleaned_data["code"], secours=secours
            )
        except ValidationError as erreur:
            reporter_erreurs(form, erreur)
        else:
            if secours:
                restants = da.codes_de_secours_restants(request.user)
                messages.warning(
                    request,
                    "Code de secours accepté : il vous reste "
                    f"{compte(restants, 'code de secours', 'codes de secours')}. Téléphone "
                    "perdu ou changé ? Remplacez votre application ci-dessous.",
                )
                return redirect("mon_compte")
            return redirect(_suite(request))
    return render(
        request,
        "ccas_portal/verification_code.html",
        {"form": form, "secours": secours, "suite": request.GET.get("next", "")},
        status=_statut(form),
    )


def code_de_secours(request):
    return verification_code(request, secours=True)


# --- Activer (ou remplacer) l'application, codes de secours -------------------------------


@require_http_methods(["GET", "POST"])
def activer_double_authentification(request):
    """Le QR code et la clé de l'application, puis un premier code pour confirmer."""
    form = CodeForm(request.POST or None, bouton="Activer")
    form.fields["code"].help_text = "Le code que montre l'application après l'ajout du compte."
    if form.is_valid():
        try:
            codes = da.confirmer_enrolement(
                request=request, agent=request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as erreur:
            reporter_erreurs(form, erreur)
        else:
            request.session[CLE_CODES_NEUFS] = codes
            messages.success(request, "La double authentification est activée.")
            return redirect(f"{reverse('codes_de_secours')}?{urlencode({'next': _suite(request)})}")
    enrolement = da.commencer_enrolement(agent=request.user)
    return render(
        request,
        "ccas_portal/activer_double_authentification.html",
        {
            "form": form,
            "enrolement": enrolement,
            "exigee": da.exigee_pour(request.user),
            "remplacement": da.a_un_appareil(request.user),
        },
        status=_statut(form),
    )


@require_http_methods(["GET", "POST"])
def codes_de_secours(request):
    """GET : les codes tout juste produits (montrés une fois), sinon combien il en reste.
    POST : de nouveaux codes, les anciens ne valent plus rien."""
    if request.method == "POST":
        try:
            request.session[CLE_CODES_NEUFS] = da.regenerer_codes_de_secours(
                request=request, agent=request.user
            )
        except ValidationError as erreur:
            messages.error(request, erreur.messages[0])
            return redirect("mon_compte")
        return redirect("codes_de_secours")
    codes = request.session.pop(CLE_CODES_NEUFS, None)
    return render(
        request,
        "ccas_portal/codes_de_secours.html",
        {
            "codes": codes,
            "restants": da.codes_de_secours_restants(request.user),
            "suite": _suite(request, "mon_compte"),
        },
    )


@require_GET
def mon_compte(request):
    return render(request, "ccas_portal/mon_compte.html", _contexte_compte(request))


def _contexte_compte(request, desactivation=None) -> dict:
    agent = request.user
    actif = da.a_un_appareil(agent)
    return {
        "double_authentification_active": actif,
        "exigee": da.exigee_pour(agent),
        "appareil": da.appareil_totp(agent) if actif else None,
        "restants": da.codes_de_secours_restants(agent) if actif else 0,
        "form_desactivation": desactivation or DesactivationForm(agent=agent),
    }


@require_POST
def desactiver_double_authentification(request):
    form = DesactivationForm(request.POST, agent=request.user)
    if form.is_valid():
        try:
            da.desactiver(request=request, agent=request.user)
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            messages.success(request, "La double authentification est désactivée.")
            return redirect("mon_compte")
    return render(
        request, "ccas_portal/mon_compte.html", _contexte_compte(request, form), status=422
    )


# --- Mot de passe --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def changer_mot_de_passe(request):
    """Changer son mot de passe ; obligatoire à la première connexion avec un mot de passe
    donné par un administrateur (l'étape du parcours de connexion)."""
    provisoire = request.user.mot_de_passe_provisoire
    form = ChangementMotDePasseForm(request.user, request.POST or None)
    if form.is_valid():
        try:
            agent = form.save()
        except ValidationError as erreur:
            reporter_erreurs(form, erreur)
        else:
            update_session_auth_hash(request, agent)
            messages.success(request, "Votre mot de passe a été changé.")
            return redirect(_suite(request) if provisoire else reverse("mon_compte"))
    return render(
        request,
        "ccas_portal/changer_mot_de_passe.html",
        {"form": form, "provisoire": provisoire},
        status=_statut(form),
    )


# --- Session (static/js/inactivite.js) -----------------------------------------------------


def _etat(request) -> JsonResponse:
    restantes, prolongeable = secondes_restantes(request)
    return JsonResponse(
        {"connecte": True, "secondes_restantes": restantes, "prolongeable": prolongeable}
    )


@require_GET
def etat_session(request):
    """Le temps restant (demandé en arrière-plan : ne compte pas comme activité)."""
    return _etat(request)


@require_POST
def prolonger_session(request):
    """« Rester connecté » : compte comme une activité de l'agent."""
    request.session[CLE_ACTIVITE] = maintenant()
    return _etat(request)
