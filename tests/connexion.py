"""Se connecter dans les tests comme un agent le fait, second facteur compris.

- `ClientPortail.force_login(agent)` (le client Django de toute la suite, fixture `client`) :
  la session d'un agent qui a donné son mot de passe ET, si la double authentification est
  exigée pour lui ou qu'il l'a activée, un bon code de son application (un appareil TOTP
  confirmé est créé au besoin). La double authentification n'est jamais désactivée dans les
  tests : un agent de rôle admin ou responsable connecté autrement (mot de passe seul) est
  mené à l'étape du code, comme en production (tests/ccas_portal/test_double_authentification.py).
- `code_totp(appareil)` : le code que montrerait l'application, calculé par django-otp ; jamais
  un code déjà accepté (django-otp refuse de reprendre un code).
"""

import base64
import binascii
import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ccas_portal import double_authentification as da


def appareil_confirme(agent) -> TOTPDevice:
    """L'appareil TOTP confirmé de l'agent, créé s'il n'en a pas (sans codes de secours)."""
    return da.appareil_totp(agent) or TOTPDevice.objects.create(
        user=agent, name=da.NOM_APPLICATION, confirmed=True
    )


def code_pour_cle(cle: bytes, *, apres_t: int = -1, pas: int = 30, chiffres: int = 6) -> str:
    totp = TOTP(cle, step=pas, digits=chiffres)
    totp.time = time.time()
    if totp.t() <= apres_t:
        totp.time += pas * (apres_t + 1 - totp.t())
    return f"{totp.token():0{chiffres}d}"


def code_totp(appareil: TOTPDevice) -> str:
    appareil.refresh_from_db()
    return code_pour_cle(
        appareil.bin_key, apres_t=appareil.last_t, pas=appareil.step, chiffres=appareil.digits
    )


def cle_depuis_le_secret(secret_affiche: str) -> bytes:
    """La clé que l'agent tape dans son application (base32, par groupes de 4)."""
    try:
        return base64.b32decode("".join(secret_affiche.split()))
    except binascii.Error as erreur:  # pragma: no cover - la page montre toujours une clé
        raise AssertionError(f"Clé illisible : {secret_affiche!r}") from erreur


class ClientPortail(Client):
    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if da.exigee_pour(user) or da.a_un_appareil(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = appareil_confirme(user).persistent_id
            session[da.CLE_SESSION_APPAREIL] = True
            session.save()
