"""Écritures sur les agents et les sites : chaque action métier est une fonction, une transaction."""

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from ccas_portal.enums import ActionJournal, Role
from ccas_portal.journal import journaliser
from ccas_portal.models import Agent, Site


def _verifier_sites(sites: Iterable[Site]) -> list[Site]:
    sites = list(sites)
    if not sites:
        raise ValidationError({"sites": "Un agent est rattaché à au moins un site."})
    return sites


def appliquer_role(agent: Agent, role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"Rôle inconnu : {role!r}."})
    agent.role = role
    # L'administration technique de Django suit le rôle (contrainte en base).
    agent.is_staff = agent.is_superuser = role == Role.ADMIN


def verifier_mot_de_passe(mot_de_passe: str, agent: Agent, champ: str = "mot_de_passe") -> None:
    """La politique des mots de passe du portail (AUTH_PASSWORD_VALIDATORS : 12 caractères au
    moins, pas un mot de passe courant, pas seulement des chiffres, rien de proche de
    l'identifiant ou du nom), en français, sur le champ donné."""
    try:
        validate_password(mot_de_passe, user=agent)
    except ValidationError as erreur:
        raise ValidationError({champ: erreur.messages}) from erreur


@transaction.atomic
def creer_agent(
    *,
    identifiant: str,
    prenom: str,
    nom: str,
    role: str,
    sites: Iterable[Site],
    mot_de_passe: str | None,
    courriel: str = "",
    mot_de_passe_provisoire: bool = True,
) -> Agent:
    """Un agent, avec le mot de passe qu'un administrateur lui donne (vérifié par la politique
    des mots de passe) ; provisoire par défaut : l'agent le change à sa première connexion.
    Sans mot de passe, le compte ne peut pas se connecter."""
    sites = _verifier_sites(sites)
    if Agent.objects.filter(username__iexact=identifiant).exists():
        raise ValidationError({"username": f"L'identifiant « {identifiant} » est déjà pris."})
    agent = Agent(username=identifiant, first_name=prenom, last_name=nom, email=courriel)
    appliquer_role(agent, role)
    if mot_de_passe:
        verifier_mot_de_passe(mot_de_passe, agent)
        agent.set_password(mot_de_passe)
        agent.mot_de_passe_provisoire = mot_de_passe_provisoire
    else:
        agent.set_unusable_password()
    agent.full_clean(exclude=["password"])
    agent.save()
    agent.sites.set(sites)
    return agent


@transaction.atomic
def rendre_mot_de_passe_provisoire(*, agent: Agent, par: Agent | None) -> Agent:
    """Un administrateur (`par`) vient de donner un mot de passe à l'agent (formulaire de
    l'administration, qui l'a vérifié par la politique) : l'agent le changera à sa prochaine
    connexion."""
    agent.mot_de_passe_provisoire = True
    agent.save(update_fields=["mot_de_passe_provisoire"])
    journaliser(
        agent=par,
        action=ActionJournal.MODIFICATION,
        objet=agent,
        details={"mot_de_passe": "provisoire donné par un administrateur"},
    )
    return agent


@transaction.atomic
def changer_mot_de_passe(*, agent: Agent, mot_de_passe: str) -> Agent:
    """L'agent choisit son mot de passe (vérifié par la politique) : il n'est plus provisoire."""
    verifier_mot_de_passe(mot_de_passe, agent, champ="new_password1")
    agent.set_password(mot_de_passe)
    agent.mot_de_passe_provisoire = False
    agent.save(update_fields=["password", "mot_de_passe_provisoire"])
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=agent,
        details={"mot_de_passe": "changé par l'agent"},
    )
    return agent


@transaction.atomic
def modifier_affectation(*, agent: Agent, role: str, sites: Iterable[Site]) -> Agent:
    """Change le rôle et les sites d'un agent (un agent a toujours au moins un site)."""
    sites = _verifier_sites(sites)
    appliquer_role(agent, role)
    agent.save(update_fields=["role", "is_staff", "is_superuser"])
    agent.sites.set(sites)
    return agent


@transaction.atomic
def enregistrer_site(*, code: str, **champs) -> tuple[Site, bool]:
    """Crée le site de ce code ou met à jour ses champs ; renvoie (site, créé)."""
    site = Site.objects.filter(code=code).first()
    cree = site is None
    site = site or Site(code=code)
    for nom, valeur in champs.items():
        setattr(site, nom, valeur)
    site.full_clean()
    site.save()
    return site, cree


def planifier_tache_nocturne(
    *,
    nom: str,
    tache: str,
    heure: int,
    minute: int,
    description: str,
    kwargs: str = "{}",
    jour_du_mois: str = "*",
) -> bool:
    """Une tâche périodique de nuit (heure de Paris), chaque jour ou le `jour_du_mois` de
    chaque mois, créée si elle manque ; ensuite un administrateur la règle (horaire,
    activation) dans l'administration. Vrai si créée."""
    if PeriodicTask.objects.filter(name=nom).exists():
        return False
    horaire, _ = CrontabSchedule.objects.get_or_create(
        minute=str(minute),
        hour=str(heure),
        day_of_week="*",
        day_of_month=jour_du_mois,
        month_of_year="*",
        timezone="Europe/Paris",
    )
    PeriodicTask.objects.create(
        name=nom, task=tache, crontab=horaire, kwargs=kwargs, description=description
    )
    return True


NOM_PRECALCUL_TABLEAUX = "Tableau de bord : chiffres des périodes courantes"


def planifier_precalcul_tableaux() -> bool:
    """Chaque nuit à 4 h (après la détection de 2 h 30) : les chiffres du tableau de bord."""
    return planifier_tache_nocturne(
        nom=NOM_PRECALCUL_TABLEAUX,
        tache="ccas_portal.precalculer_tableaux_de_bord",
        heure=4,
        minute=0,
        description="Calcule les chiffres du tableau de bord des périodes courantes, tous sites.",
    )


NOM_PURGE_PERSONNES = "Personnes : anonymisation après la durée de conservation"


def planifier_purge_des_personnes() -> bool:
    """Le 1er de chaque mois à 3 h 30 (après la détection, avant le tableau de bord) :
    l'anonymisation des personnes sans contact depuis la durée de conservation."""
    return planifier_tache_nocturne(
        nom=NOM_PURGE_PERSONNES,
        tache="habitants.purger_personnes",
        heure=3,
        minute=30,
        jour_du_mois="1",
        description=(
            "Anonymise les personnes sans contact depuis CONSERVATION_MOIS_SANS_CONTACT mois "
            "(24 par défaut) dont rien ne tient le dossier ouvert (habitants/conservation.py)."
        ),
    )
