"""Freiner qui essaie des mots de passe, sans donner à un tiers le pouvoir de bloquer un agent
(ADR 0009).

Deux freins, comptés sur les échecs des `CONNEXION_BLOCAGE_MINUTES` (15) dernières minutes :

- **par compte** : après `CONNEXION_ECHECS_MAX` (5) échecs pour un identifiant, d'où qu'ils
  viennent, les tentatives suivantes sont refusées sans vérifier le mot de passe, jusqu'à ce que
  le plus ancien de ces échecs sorte de la fenêtre ;
- **par adresse** : après `CONNEXION_ECHECS_MAX_PAR_ADRESSE` (20) échecs depuis une adresse,
  tous identifiants confondus (essai d'un mot de passe sur beaucoup de comptes), cette adresse
  est freinée de même.

Le titulaire n'est pas bloqué par un tiers : après chaque connexion réussie, son navigateur
reçoit un témoin signé « navigateur connu » pour ce compte (`ccas_navigateur`, un numéro au
hasard et l'identifiant, signés par la clé du serveur). Une tentative qui présente le témoin
valable de l'identifiant saisi n'est jugée que sur les échecs de ce témoin-là (5 en 15 minutes) :
ni les échecs d'un tiers sur le même compte, ni ceux de l'adresse (un proxy partagé) ne la
bloquent. Le tiers, lui, n'a pas ce témoin (HttpOnly, signé, propre au navigateur).

Les échecs sont en base (`EchecConnexion`) : tous les processus du serveur les voient. Le même
traitement vaut pour un identifiant qui n'existe pas : le refus ne dit pas si le compte existe.
"""

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from ccas_portal.models import EchecConnexion

TEMOIN_NAVIGATEUR = "ccas_navigateur"
_SEL = "ccas_portal.connexions.navigateur"


def _cle(identifiant: str) -> str:
    return identifiant.strip().lower()[:150]


def _fenetre() -> timedelta:
    return timedelta(minutes=settings.CONNEXION_BLOCAGE_MINUTES)


@dataclass(frozen=True)
class Tentative:
    """Qui essaie : l'identifiant saisi, l'adresse, et le numéro du témoin « navigateur
    connu » s'il est valable pour cet identifiant (sinon vide)."""

    identifiant: str
    adresse: str | None
    navigateur: str = ""

    @classmethod
    def depuis(cls, request, identifiant: str) -> "Tentative":
        adresse = request.META.get("REMOTE_ADDR") if request is not None else None
        temoin = request.COOKIES.get(TEMOIN_NAVIGATEUR, "") if request is not None else ""
        return cls(_cle(identifiant), adresse, numero_du_temoin(temoin, identifiant))


@dataclass(frozen=True)
class Blocage:
    minutes: int
    par_adresse: bool


def _minutes_restantes(echecs, maximum: int) -> int:
    dates = list(echecs.order_by("-le").values_list("le", flat=True)[:maximum])
    if len(dates) < maximum:
        return 0
    # Libre quand le plus ancien des `maximum` derniers échecs sort de la fenêtre.
    reste = dates[-1] + _fenetre() - timezone.now()
    return max(1, math.ceil(reste.total_seconds() / 60))


def blocage(tentative: Tentative) -> Blocage | None:
    """None si la tentative est permise ; sinon combien de minutes attendre, et pourquoi."""
    recents = EchecConnexion.objects.filter(le__gte=timezone.now() - _fenetre())
    compte = recents.filter(identifiant=tentative.identifiant, navigateur=tentative.navigateur)
    minutes = _minutes_restantes(compte, settings.CONNEXION_ECHECS_MAX)
    if minutes:
        return Blocage(minutes, par_adresse=False)
    if tentative.navigateur or not tentative.adresse:
        return None
    adresse = recents.filter(adresse_ip=tentative.adresse, navigateur="")
    minutes = _minutes_restantes(adresse, settings.CONNEXION_ECHECS_MAX_PAR_ADRESSE)
    return Blocage(minutes, par_adresse=True) if minutes else None


def noter_echec(tentative: Tentative) -> None:
    maintenant = timezone.now()
    EchecConnexion.objects.filter(le__lt=maintenant - timedelta(days=1)).delete()
    EchecConnexion.objects.create(
        identifiant=tentative.identifiant,
        adresse_ip=tentative.adresse,
        navigateur=tentative.navigateur,
        le=maintenant,
    )


def effacer_echecs(tentative: Tentative) -> None:
    """Après une connexion réussie : les échecs de ce compte par ce canal (ce navigateur connu,
    ou les navigateurs inconnus). Ceux des autres comptes depuis la même adresse restent comptés
    : une connexion réussie à un compte ne rouvre pas l'essai sur les autres."""
    EchecConnexion.objects.filter(
        identifiant=tentative.identifiant, navigateur=tentative.navigateur
    ).delete()


# --- Témoin « navigateur connu » ----------------------------------------------------------


def numero_du_temoin(temoin: str, identifiant: str) -> str:
    """Le numéro du témoin s'il est signé par le serveur, pas trop vieux et pour ce compte."""
    if not temoin:
        return ""
    try:
        contenu = signing.loads(
            temoin, salt=_SEL, max_age=timedelta(days=settings.CONNEXION_NAVIGATEUR_CONNU_JOURS)
        )
    except signing.BadSignature:
        return ""
    if not isinstance(contenu, dict) or contenu.get("i") != _cle(identifiant):
        return ""
    numero = contenu.get("n", "")
    return numero if isinstance(numero, str) and len(numero) == 32 else ""


def poser_temoin(response, identifiant: str) -> None:
    """Après une connexion réussie : ce navigateur devient « connu » pour ce compte."""
    valeur = signing.dumps({"i": _cle(identifiant), "n": secrets.token_hex(16)}, salt=_SEL)
    response.set_cookie(
        TEMOIN_NAVIGATEUR,
        valeur,
        max_age=settings.CONNEXION_NAVIGATEUR_CONNU_JOURS * 24 * 3600,
        httponly=True,
        secure=settings.CONNEXION_NAVIGATEUR_CONNU_SECURISE,
        samesite="Lax",
        path="/connexion/",
    )
