"""Partager ou transférer un foyer entre sites : les écritures, une transaction chacune.

Un travailleur social d'un site demande, pour une personne semblable qu'un autre site connaît
(l'avertissement de doublon à l'inscription, qui ne nomme que ce site), le partage du foyer de
cette personne ou son transfert. Rien d'autre que le site n'est révélé avant l'acceptation :
la personne est retrouvée ici, côté serveur, par la même recherche de doublons que
l'avertissement. Un travailleur social du site de rattachement accepte ou refuse (motivé) ;
le demandeur peut retirer sa demande ; l'un ou l'autre site met fin à un partage.

Chaque pas est journalisé sur le foyer (la chronologie du dossier le relit). La règle d'accès
qui en découle est dans `habitants/acces.py`.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.enums import ActionJournal
from ccas_portal.journal import journaliser
from ccas_portal.models import Agent, Site
from habitants.acces import foyer_accessible, partages_en_cours
from habitants.models import Foyer, Habitant, MembreFoyer
from habitants.models_partage import DemandePartage, NatureDemande, StatutDemande
from habitants.selectors import doublons_probables, personnes_d_ailleurs
from habitants.services import CLE_FAIT, connue_de, marquer_faits_modifies

LONGUEUR_MOTIF = 300


def _de(site: Site) -> str:
    """« de la Maison des Habitants Abbaye », « du site « Pôle petite enfance » »."""
    return connue_de(site).split(" : ")[0]


def _contactez(site: Site) -> str:
    return (
        "Cette demande ne peut pas être faite en ligne. "
        f"Personne semblable connue {connue_de(site)}."
    )


def _journaliser(
    agent: Agent, demande: DemandePartage, libelle: str, *, action=ActionJournal.MODIFICATION
) -> None:
    """Une entrée sur le foyer, que la chronologie de son dossier relit."""
    apres = {
        "Nature": demande.get_nature_display(),
        "Site demandeur": str(demande.site_demandeur),
        "Statut": demande.get_statut_display(),
        "Motif de la demande": demande.motif,
    }
    if demande.motif_refus:
        apres["Motif du refus"] = demande.motif_refus
    journaliser(
        agent=agent,
        action=action,
        objet_type="habitants.foyer",
        objet_id=str(demande.foyer_id),
        details={CLE_FAIT: libelle, "avant": {}, "apres": apres, "demande": demande.pk},
    )


def _motif(texte: str, champ: str, message: str) -> str:
    texte = " ".join((texte or "").split())
    if not texte:
        raise ValidationError({champ: message})
    if len(texte) > LONGUEUR_MOTIF:
        raise ValidationError({champ: f"Le motif tient en {LONGUEUR_MOTIF} caractères au plus."})
    return texte


def _exiger_travailleur_social_de(agent: Agent, site_id: int, quoi: str) -> None:
    if not (perms.peut_accompagner(agent) and site_id in agent.ids_sites):
        raise PermissionDenied(f"{quoi} : réservé aux travailleurs sociaux de ce site.")


@transaction.atomic
def demander(
    *,
    agent: Agent,
    site_demandeur: Site,
    foyer: Foyer,
    nature: str,
    motif: str,
    habitant: Habitant | None = None,
    personne_cherchee: str = "",
) -> DemandePartage:
    """Demande le partage ou le transfert d'un foyer d'un autre site : celui de la personne
    semblable `habitant` (voir `demander_pour_personne_semblable`), ou un foyer déjà partagé
    avec le site demandeur dont il demande le transfert (depuis son dossier). Les erreurs ne
    disent rien de la personne ni du foyer."""
    _exiger_travailleur_social_de(agent, site_demandeur.pk, "Demander un partage")
    if nature not in NatureDemande.values:
        raise ValidationError({"nature": "Choisissez le partage ou le transfert."})
    motif = _motif(motif, "motif", "Indiquez le motif de la demande.")
    if foyer.site_id == site_demandeur.pk:
        raise ValidationError("Ce foyer est déjà rattaché à votre site.")
    if foyer_accessible({site_demandeur.pk}, foyer) and nature == NatureDemande.PARTAGE:
        raise ValidationError("Ce foyer est déjà partagé avec votre site.")
    demande = DemandePartage(
        foyer=foyer,
        habitant=habitant,
        site_demandeur=site_demandeur,
        site_sollicite=foyer.site,
        nature=nature,
        motif=motif,
        personne_cherchee=personne_cherchee[:200],
        demandee_par=agent,
        demandee_le=timezone.now(),
    )
    try:
        with transaction.atomic():
            demande.save()
    except IntegrityError:
        raise ValidationError(
            f"Une demande de votre site est déjà en attente auprès {_de(foyer.site)}."
        ) from None
    _journaliser(
        agent,
        demande,
        f"{demande.get_nature_display()} du foyer demandé par {site_demandeur}",
        action=ActionJournal.CREATION,
    )
    return demande


@transaction.atomic
def demander_pour_personne_semblable(
    *,
    agent: Agent,
    site_demandeur: Site,
    site: Site,
    nom_usage: str,
    prenoms: str,
    date_naissance: date | None,
    nature: str,
    motif: str,
) -> list[DemandePartage]:
    """La demande faite depuis l'avertissement « connue de la Maison des Habitants X » : la
    personne semblable de ce site est retrouvée ici par la même recherche, jamais montrée.
    Une demande par foyer trouvé (un seul, d'ordinaire)."""
    _exiger_travailleur_social_de(agent, site_demandeur.pk, "Demander un partage")
    _motif(motif, "motif", "Indiquez le motif de la demande.")
    semblables = doublons_probables(
        agent=agent,
        nom=nom_usage,
        prenoms=prenoms,
        date_naissance=date_naissance,
        parmi=personnes_d_ailleurs(agent).filter(site=site),
    )
    if not semblables:
        raise ValidationError(
            f"Aucune personne semblable n'est connue {_de(site)} : vérifiez l'identité."
        )
    cherchee = " ".join(filter(None, [nom_usage.upper(), prenoms]))
    if date_naissance:
        cherchee += f", date de naissance {date_naissance:%d/%m/%Y}"
    demandes, foyers = [], set()
    for habitant in semblables:
        actuelles = habitant.appartenances_actuelles
        if actuelles and actuelles[0].foyer_id not in foyers:
            foyers.add(actuelles[0].foyer_id)
            demandes.append(
                demander(
                    agent=agent,
                    site_demandeur=site_demandeur,
                    foyer=actuelles[0].foyer,
                    habitant=habitant,
                    nature=nature,
                    motif=motif,
                    personne_cherchee=cherchee,
                )
            )
    if not demandes:
        raise ValidationError(_contactez(site))
    return demandes


def _en_attente(demande: DemandePartage) -> DemandePartage:
    """La demande relue et verrouillée ; elle doit être encore en attente."""
    demande = (
        DemandePartage.objects.select_for_update().select_related("foyer__site").get(pk=demande.pk)
    )
    if demande.statut != StatutDemande.EN_ATTENTE:
        raise ValidationError(
            f"Cette demande n'est plus en attente ({demande.get_statut_display().lower()})."
        )
    return demande


@transaction.atomic
def accepter(*, agent: Agent, demande: DemandePartage) -> DemandePartage:
    """Accepte la demande (travailleur social du site de rattachement du foyer). Un partage
    ouvre le foyer au site demandeur ; un transfert rattache le foyer et ses membres actuels
    au site demandeur (ses partages avec ce site deviennent sans objet et se terminent)."""
    demande = _en_attente(demande)
    foyer = demande.foyer
    _exiger_travailleur_social_de(agent, foyer.site_id, "Décider d'une demande de partage")
    if demande.nature == NatureDemande.PARTAGE:
        return _passer(
            agent,
            demande,
            StatutDemande.ACCEPTEE,
            "decidee",
            libelle=f"Foyer partagé avec {demande.site_demandeur}",
        )
    maintenant = timezone.now()
    demande.statut = StatutDemande.ACCEPTEE
    demande.decidee_par, demande.decidee_le = agent, maintenant
    demande.save(update_fields=["statut", "decidee_par", "decidee_le"])
    ancien = foyer.site
    foyer.site = demande.site_demandeur
    foyer.save(update_fields=["site", "modifie_le"])
    membres = MembreFoyer.objects.filter(foyer=foyer, date_fin__isnull=True).values("habitant_id")
    Habitant.objects.filter(pk__in=membres).update(site=demande.site_demandeur)
    partages_en_cours().filter(foyer=foyer, site_demandeur=demande.site_demandeur).update(
        statut=StatutDemande.TERMINEE, close_par=agent, close_le=maintenant
    )
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet_type="habitants.foyer",
        objet_id=str(foyer.pk),
        details={
            CLE_FAIT: f"Foyer transféré à {demande.site_demandeur}",
            "avant": {"Site de rattachement": str(ancien)},
            "apres": {
                "Site de rattachement": str(demande.site_demandeur),
                "Motif de la demande": demande.motif,
            },
            "demande": demande.pk,
        },
    )
    marquer_faits_modifies(foyers=[foyer])
    return demande


def _passer(
    agent: Agent,
    demande: DemandePartage,
    statut: str,
    par: str,
    issue: str = "",
    champs=(),
    *,
    libelle: str = "",
) -> DemandePartage:
    """Le nouveau statut, qui et quand (`par` : « decidee » ou « close »), enregistrés et
    journalisés sur le foyer."""
    demande.statut = statut
    setattr(demande, f"{par}_par", agent)
    setattr(demande, f"{par}_le", timezone.now())
    demande.save(update_fields=["statut", f"{par}_par", f"{par}_le", *champs])
    libelle = libelle or (
        f"{demande.get_nature_display()} demandé par {demande.site_demandeur} : {issue}"
    )
    _journaliser(agent, demande, libelle)
    return demande


@transaction.atomic
def refuser(*, agent: Agent, demande: DemandePartage, motif_refus: str) -> DemandePartage:
    """Refuse la demande, motif obligatoire (le site demandeur le lit)."""
    demande = _en_attente(demande)
    _exiger_travailleur_social_de(agent, demande.foyer.site_id, "Décider d'une demande de partage")
    demande.motif_refus = _motif(motif_refus, "motif_refus", "Indiquez le motif du refus.")
    return _passer(agent, demande, StatutDemande.REFUSEE, "decidee", "refusé", ["motif_refus"])


@transaction.atomic
def retirer(*, agent: Agent, demande: DemandePartage) -> DemandePartage:
    """Le site demandeur retire sa demande encore en attente."""
    demande = _en_attente(demande)
    _exiger_travailleur_social_de(agent, demande.site_demandeur_id, "Retirer une demande")
    return _passer(agent, demande, StatutDemande.RETIREE, "close", "retiré")


@transaction.atomic
def terminer_partage(*, agent: Agent, demande: DemandePartage) -> DemandePartage:
    """Met fin à un partage en cours : un travailleur social du site de rattachement ou du
    site avec qui le foyer est partagé. Le site demandeur perd aussitôt l'accès."""
    demande = DemandePartage.objects.select_for_update().select_related("foyer").get(pk=demande.pk)
    if not demande.partage_en_cours:
        raise ValidationError("Ce foyer n'est pas partagé avec ce site.")
    if not (
        perms.peut_accompagner(agent)
        and {demande.foyer.site_id, demande.site_demandeur_id} & agent.ids_sites
    ):
        raise PermissionDenied("Mettre fin au partage : réservé aux travailleurs sociaux.")
    return _passer(
        agent,
        demande,
        StatutDemande.TERMINEE,
        "close",
        libelle=f"Fin du partage du foyer avec {demande.site_demandeur}",
    )
