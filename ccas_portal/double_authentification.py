"""Double authentification (ADR 0024) : un code à 6 chiffres d'une application (TOTP) après le
mot de passe, et des codes de secours à usage unique si le téléphone est perdu.

django-otp tient les appareils (`TOTPDevice`, `StaticDevice` et ses `StaticToken`), vérifie
les codes (fenêtre de ±30 s, un code jamais accepté deux fois) et freine les codes faux (attente
de 1, 2, 4, 8… secondes par appareil). Ce module ne fait que les écritures du portail : enrôler,
confirmer, produire les codes de secours, vérifier un code, désactiver.

Les codes de secours ne sont pas gardés en clair : `StaticToken.token` reçoit leur empreinte
(`empreinte_du_code` : HMAC-SHA256 par la clé secrète du portail, 16 premiers caractères
hexadécimaux), et le code saisi est comparé par son empreinte. Une copie de la base ne donne
donc aucun code utilisable. Changer SECRET_KEY rend les codes de secours caducs : chaque agent
en produit de nouveaux depuis « Mon compte » (docs/donnees-personnelles.md).
"""

import base64
import io
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ccas_portal.enums import ActionJournal, Role
from ccas_portal.journal import journaliser

#: Rôles qui ne travaillent jamais sans second facteur (données de tout le CCAS).
ROLES_EXIGEANT_LA_DOUBLE_AUTHENTIFICATION = frozenset({Role.ADMIN, Role.RESPONSABLE})
NOMBRE_CODES_DE_SECOURS = 10
NOM_APPLICATION = "Application d'authentification"
NOM_CODES_DE_SECOURS = "Codes de secours"

#: La session sait si l'agent a un appareil (posé à la connexion) : pas de requête à chaque
#: page pour les agents qui n'en ont pas.
CLE_SESSION_APPAREIL = "portail_a_un_appareil_otp"


def exigee_pour(agent) -> bool:
    """La double authentification est-elle obligatoire pour cet agent ?"""
    if settings.DOUBLE_AUTHENTIFICATION_POUR_TOUS:
        return True
    return getattr(agent, "role", None) in ROLES_EXIGEANT_LA_DOUBLE_AUTHENTIFICATION


def a_un_appareil(agent) -> bool:
    """Un appareil TOTP confirmé (les codes de secours seuls ne suffisent pas à l'activer)."""
    return TOTPDevice.objects.devices_for_user(agent, confirmed=True).exists()


def appareil_totp(agent) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(agent, confirmed=True).order_by("-pk").first()


def codes_de_secours_restants(agent) -> int:
    return StaticToken.objects.filter(device__user=agent, device__confirmed=True).count()


def noter_dans_la_session(request, agent) -> None:
    request.session[CLE_SESSION_APPAREIL] = a_un_appareil(agent)


def session_attend_un_code(request) -> bool:
    """L'agent connecté par mot de passe a un appareil et n'a pas encore donné de code."""
    if CLE_SESSION_APPAREIL not in request.session:
        noter_dans_la_session(request, request.user)
    return bool(request.session[CLE_SESSION_APPAREIL]) and not request.user.is_verified()


# --- Enrôlement ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolement:
    appareil: TOTPDevice

    @property
    def secret(self) -> str:
        """La clé en base32, par groupes de 4, à taper dans l'application à défaut de QR code."""
        brut = base64.b32encode(self.appareil.bin_key).decode()
        return " ".join(brut[i : i + 4] for i in range(0, len(brut), 4))

    @property
    def qr_code_svg(self) -> str:
        """Le QR code de l'adresse otpauth://, en SVG (servi en data: URI, sans script)."""
        image = qrcode.make(
            self.appareil.config_url,
            image_factory=qrcode.image.svg.SvgPathFillImage,
            box_size=8,
            border=2,
        )
        tampon = io.BytesIO()
        image.save(tampon)
        return "data:image/svg+xml;base64," + base64.b64encode(tampon.getvalue()).decode()


@transaction.atomic
def commencer_enrolement(*, agent) -> Enrolement:
    """L'appareil en attente de confirmation de l'agent (créé au besoin, une clé neuve par
    appareil) ; il ne compte qu'une fois un premier code donné."""
    appareil = TOTPDevice.objects.devices_for_user(agent, confirmed=False).order_by("-pk").first()
    if appareil is None:
        appareil = TOTPDevice.objects.create(user=agent, name=NOM_APPLICATION, confirmed=False)
    return Enrolement(appareil)


def _nettoyer(code: str) -> str:
    return "".join(code.split()).lower()


#: Sel de l'empreinte des codes de secours (séparé de tout autre usage de la clé secrète).
SEL_CODES_DE_SECOURS = "ccas_portal.double_authentification.codes_de_secours"


def empreinte_du_code(code: str) -> str:
    """Ce que la base garde d'un code de secours (16 caractères : la taille du champ de
    django-otp ; 64 bits d'un HMAC-SHA256 dont la clé n'est pas dans la base)."""
    return salted_hmac(SEL_CODES_DE_SECOURS, _nettoyer(code), algorithm="sha256").hexdigest()[:16]


def confirmer_enrolement(*, request, agent, code: str) -> list[str]:
    """Vérifie un premier code de l'appareil en attente ; s'il est bon, l'appareil remplace
    les précédents, des codes de secours neufs sont produits (renvoyés, à montrer une fois) et
    la session compte comme vérifiée. Un code faux est compté (frein) et refusé."""
    with transaction.atomic():
        appareil = (
            TOTPDevice.objects.devices_for_user(agent, confirmed=False)
            .select_for_update()
            .order_by("-pk")
            .first()
        )
        if appareil is None:
            raise ValidationError({"code": "La page a expiré : recommencez l'activation."})
        refus = _refus_si_freine(appareil) or (
            None if appareil.verify_token(_nettoyer(code)) else CODE_FAUX
        )
    # Hors de la transaction : l'échec compté par django-otp reste écrit.
    if refus:
        raise ValidationError({"code": refus})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=agent).exclude(pk=appareil.pk).delete()
        appareil.confirmed = True
        appareil.save(update_fields=["confirmed"])
        codes = _nouveaux_codes_de_secours(agent)
        journaliser(
            agent=agent,
            action=ActionJournal.MODIFICATION,
            objet=agent,
            details={"double_authentification": "activée"},
            request=request,
        )
    otp_login(request, appareil)
    request.session[CLE_SESSION_APPAREIL] = True
    return codes


def _nouveaux_codes_de_secours(agent) -> list[str]:
    StaticDevice.objects.filter(user=agent).delete()
    appareil = StaticDevice.objects.create(user=agent, name=NOM_CODES_DE_SECOURS, confirmed=True)
    codes = []
    while len(codes) < NOMBRE_CODES_DE_SECOURS:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(
        StaticToken(device=appareil, token=empreinte_du_code(c)) for c in codes
    )
    return codes


@transaction.atomic
def regenerer_codes_de_secours(*, request, agent) -> list[str]:
    """Des codes neufs ; les anciens ne valent plus rien."""
    if not a_un_appareil(agent):
        raise ValidationError("Activez d'abord la double authentification.")
    codes = _nouveaux_codes_de_secours(agent)
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=agent,
        details={"double_authentification": "codes de secours renouvelés"},
        request=request,
    )
    return codes


@transaction.atomic
def desactiver(*, request, agent) -> None:
    """Retire appareil et codes de secours (refusé si la double authentification est exigée)."""
    if exigee_pour(agent):
        raise ValidationError(
            "La double authentification est obligatoire pour votre compte : elle ne peut pas "
            "être désactivée."
        )
    for appareil in devices_for_user(agent, confirmed=None):
        appareil.delete()
    request.session[CLE_SESSION_APPAREIL] = False
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=agent,
        details={"double_authentification": "désactivée"},
        request=request,
    )


@transaction.atomic
def retirer(*, agent, par) -> None:
    """Un administrateur (`par`) retire l'application et les codes de secours d'un agent qui a
    perdu son téléphone ; l'agent en activera une nouvelle à sa prochaine connexion (ses
    sessions déjà vérifiées ne le sont plus : django-otp ne retrouve plus l'appareil)."""
    for appareil in devices_for_user(agent, confirmed=None):
        appareil.delete()
    journaliser(
        agent=par,
        action=ActionJournal.MODIFICATION,
        objet=agent,
        details={"double_authentification": "retirée par un administrateur"},
    )


# --- Vérification à la connexion -----------------------------------------------------------

CODE_FAUX = (
    "Code incorrect. Saisissez les 6 chiffres que montre votre application en ce moment "
    "(un code ne sert qu'une fois)."
)
CODE_DE_SECOURS_FAUX = (
    "Code de secours incorrect ou déjà utilisé. Chaque code de secours ne sert qu'une fois."
)


def _refus_si_freine(appareil) -> str | None:
    permis, details = appareil.verify_is_allowed()
    if permis:
        return None
    fin = details.get("locked_until") if details else None
    secondes = max(1, int((fin - timezone.now()).total_seconds()) + 1) if fin else 1
    unite = "seconde" if secondes == 1 else "secondes"
    return (
        f"Trop de codes incorrects à la suite : attendez {secondes} {unite} avant "
        "d'en saisir un autre."
    )


def verifier_code(*, request, agent, code: str, secours: bool = False):
    """Vérifie un code de l'application (ou un code de secours, qui est alors consommé) ; s'il
    est bon, la session compte comme vérifiée et l'appareil est renvoyé. Sinon ValidationError
    sur « code » (l'échec est compté par django-otp : attente croissante)."""
    modele = StaticDevice if secours else TOTPDevice
    faux = CODE_DE_SECOURS_FAUX if secours else CODE_FAUX
    with transaction.atomic():
        appareil = (
            modele.objects.devices_for_user(agent, confirmed=True)
            .select_for_update()
            .order_by("-pk")
            .first()
        )
        if appareil is None:
            refus = faux
        else:
            saisi = empreinte_du_code(code) if secours else _nettoyer(code)
            refus = _refus_si_freine(appareil) or (None if appareil.verify_token(saisi) else faux)
    if refus:
        raise ValidationError({"code": refus})
    otp_login(request, appareil)
    request.session[CLE_SESSION_APPAREIL] = True
    if secours:
        journaliser(
            agent=agent,
            action=ActionJournal.MODIFICATION,
            objet=agent,
            details={
                "double_authentification": "code de secours utilisé",
                "codes_restants": codes_de_secours_restants(agent),
            },
            request=request,
        )
    return appareil
