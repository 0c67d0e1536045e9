"""Écritures des accompagnements : une fonction par action, une transaction, journalisée."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accompagnement.enums import (
    TRANSITIONS,
    StatutAccompagnement,
    StatutAction,
    StatutOrientation,
    TypeIntervention,
)
from accompagnement.models import (
    Accompagnement,
    Action,
    ActionCollective,
    ChangementStatut,
    Intervention,
    Objectif,
    Orientation,
    Seance,
)
from accompagnement.referentiels import PARTENAIRES
from ccas_portal import perms
from ccas_portal.enums import ActionJournal
from ccas_portal.journal import journaliser
from ccas_portal.models import Partenaire
from ccas_portal.validation import ECHEANCE, SUIVI, verifier_date
from droits.axes import AXES
from habitants.acces import q_personnes_accessibles
from habitants.models import Habitant


def _verifier_intervenant(agent, accompagnement: Accompagnement) -> None:
    if not perms.peut_modifier_accompagnement(agent, accompagnement):
        raise PermissionDenied("Vous n'êtes ni référent ni co-intervenant de cet accompagnement.")


# --- Règles pures : appelées par les services ci-dessous et par les générateurs de
# démonstration (`accompagnement.demo`), qui écrivent en masse sans passer par les services.
# Aucune ne lit la base.


def verifier_date_suivi(
    jour: date, *, champ: str, pas_avant: date | None = None, aujourd_hui: date | None = None
) -> None:
    """Une date du suivi : plausible (depuis 2000, pas dans le futur) et pas avant `pas_avant`."""
    verifier_date(jour, SUIVI, champ=champ, aujourd_hui=aujourd_hui)
    if pas_avant and jour < pas_avant:
        raise ValidationError({champ: "Cette date précède l'ouverture de l'accompagnement."})


def verifier_transition(ancien: str, nouveau: str) -> None:
    """ValidationError si la table des transitions (`enums.TRANSITIONS`) ne permet pas de passer
    de `ancien` à `nouveau`."""
    if nouveau not in TRANSITIONS.get(ancien, set()):
        libelle = (
            StatutAccompagnement(nouveau).label
            if nouveau in StatutAccompagnement.values
            else nouveau
        )
        raise ValidationError(
            {
                "statut": (
                    f"Passage de « {StatutAccompagnement(ancien).label} » à « {libelle} » "
                    "impossible."
                )
            }
        )


def verifier_motif_cloture(statut: str, motif_cloture: str) -> None:
    """Un motif de clôture est exigé pour la clôture et refusé pour tout autre statut."""
    if statut == StatutAccompagnement.CLOS:
        if not motif_cloture:
            raise ValidationError({"motif_cloture": "Indiquez le motif de clôture."})
    elif motif_cloture:
        raise ValidationError({"motif_cloture": "Un motif de clôture ne va qu'avec la clôture."})


def verifier_personnes_concernees(ids_personnes: Iterable[int], ids_membres: set[int]) -> None:
    """Au moins une personne, et seulement des membres actuels du foyer."""
    ids_personnes = list(ids_personnes)
    if not ids_personnes:
        raise ValidationError({"membres": "Choisissez au moins une personne du foyer."})
    if any(pk not in ids_membres for pk in ids_personnes):
        raise ValidationError({"membres": "Une personne choisie ne fait pas partie du foyer."})


def verifier_type_intervention(axe: str, type: str) -> None:
    """Un type commun ou propre à l'axe."""
    if type not in types_intervention(axe):
        raise ValidationError({"type": f"Type d'intervention inconnu pour cet axe : {type!r}."})


def verifier_duree(duree_minutes: int | None) -> None:
    """Une durée d'intervention non notée, ou entre 1 et 600 minutes."""
    if duree_minutes is not None and not 0 < duree_minutes <= 600:
        raise ValidationError({"duree_minutes": "Durée attendue entre 1 et 600 minutes."})


def verifier_presents(ids_presents: Iterable[int], ids_du_foyer: set[int]) -> None:
    """Les personnes présentes à une intervention sont du foyer."""
    if any(pk not in ids_du_foyer for pk in ids_presents):
        raise ValidationError({"participants": "Une personne présente n'est pas du foyer."})


def verifier_participants_seance(inscrits: int, participants_anonymes: int) -> None:
    """Une séance : de 0 à 1 000 participants non inscrits, au moins un participant en tout."""
    if participants_anonymes < 0 or participants_anonymes > 1000:
        raise ValidationError(
            {"participants_anonymes": "Nombre de participants non inscrits entre 0 et 1 000."}
        )
    if not inscrits and not participants_anonymes:
        raise ValidationError("Indiquez au moins un participant, inscrit ou non.")


class AccompagnementDejaOuvert(ValidationError):
    """Le foyer a déjà un accompagnement ouvert sur cet axe : à confirmer avant d'en ouvrir
    un second."""

    def __init__(self, accompagnement: Accompagnement):
        self.accompagnement = accompagnement
        super().__init__(
            {
                "axe": (
                    f"Un accompagnement « {accompagnement.axe} » est déjà ouvert pour ce foyer "
                    f"depuis le {accompagnement.date_ouverture:%d/%m/%Y} (référent : "
                    f"{accompagnement.referent}). Pour en ouvrir un second, cochez "
                    "« Ouvrir quand même un second accompagnement sur cet axe »."
                )
            },
        )


@transaction.atomic
def ouvrir_accompagnement(
    *,
    agent,
    foyer,
    axe: str,
    membres: Iterable,
    co_intervenants: Iterable = (),
    date_ouverture: date | None = None,
    faits: dict | None = None,
    malgre_accompagnement_ouvert: bool = False,
) -> Accompagnement:
    """Ouvre un accompagnement : l'agent qui l'ouvre en devient le référent.

    Un second accompagnement ouvert sur le même axe pour le même foyer n'est ouvert que sur
    confirmation (`malgre_accompagnement_ouvert`) : sinon AccompagnementDejaOuvert, qui
    nomme celui qui l'est déjà."""
    if not perms.peut_suivre_foyer(agent, foyer):
        raise PermissionDenied("Ce foyer n'est ni rattaché à vos sites ni partagé avec eux.")
    if axe not in AXES:
        raise ValidationError({"axe": f"Axe inconnu : {axe!r}."})
    date_ouverture = date_ouverture or timezone.localdate()
    verifier_date_suivi(date_ouverture, champ="date_ouverture")
    membres = list(membres)
    actuels = set(foyer.membres.filter(date_fin__isnull=True).values_list("habitant_id", flat=True))
    verifier_personnes_concernees([m.pk for m in membres], actuels)
    co_intervenants = [a for a in co_intervenants if a.pk != agent.pk]
    if any(not perms.peut_accompagner(a) for a in co_intervenants):
        raise ValidationError({"co_intervenants": "Un co-intervenant est un travailleur social."})
    if not malgre_accompagnement_ouvert:
        deja = (
            Accompagnement.objects.filter(foyer=foyer, axe_id=axe)
            .exclude(statut=StatutAccompagnement.CLOS)
            .select_related("referent", "axe")
            .order_by("date_ouverture", "pk")
            .first()
        )
        if deja is not None:
            raise AccompagnementDejaOuvert(deja)
    accompagnement = Accompagnement.objects.create(
        foyer=foyer,
        axe_id=axe,
        referent=agent,
        date_ouverture=date_ouverture,
        faits=AXES[axe].valider_faits(faits or {}),
    )
    accompagnement.membres.set(membres)
    accompagnement.co_intervenants.set(co_intervenants)
    ChangementStatut.objects.create(
        accompagnement=accompagnement,
        nouveau=StatutAccompagnement.OUVERT,
        date=date_ouverture,
        agent=agent,
    )
    journaliser(
        agent=agent,
        action=ActionJournal.CREATION,
        objet=accompagnement,
        details={"axe": axe, "foyer": foyer.pk},
    )
    return accompagnement


@transaction.atomic
def changer_statut(
    *,
    agent,
    accompagnement: Accompagnement,
    statut: str,
    date_effet: date | None = None,
    motif_cloture: str = "",
    commentaire: str = "",
) -> Accompagnement:
    """Fait passer l'accompagnement à `statut` si la transition est permise."""
    accompagnement = Accompagnement.objects.select_for_update().get(pk=accompagnement.pk)
    _verifier_intervenant(agent, accompagnement)
    ancien = accompagnement.statut
    verifier_transition(ancien, statut)
    date_effet = date_effet or timezone.localdate()
    verifier_date_suivi(date_effet, champ="date_effet", pas_avant=accompagnement.date_ouverture)
    verifier_motif_cloture(statut, motif_cloture)
    if statut == StatutAccompagnement.CLOS:
        accompagnement.date_cloture = date_effet
        accompagnement.motif_cloture = motif_cloture
    accompagnement.statut = statut
    accompagnement.full_clean(exclude=["membres", "co_intervenants"])
    accompagnement.save()
    ChangementStatut.objects.create(
        accompagnement=accompagnement,
        ancien=ancien,
        nouveau=statut,
        date=date_effet,
        agent=agent,
        commentaire=commentaire.strip(),
    )
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=accompagnement,
        details={"statut": [ancien, statut]},
    )
    return accompagnement


@transaction.atomic
def enregistrer_faits(*, agent, accompagnement: Accompagnement, faits: dict) -> Accompagnement:
    """Met à jour les faits propres à l'axe (validés par la déclaration de l'axe)."""
    _verifier_intervenant(agent, accompagnement)
    if accompagnement.statut == StatutAccompagnement.CLOS:
        raise ValidationError("Un accompagnement clos ne se modifie plus.")
    accompagnement.faits = {
        **accompagnement.faits,
        **AXES[accompagnement.axe_id].valider_faits(faits),
    }
    accompagnement.save(update_fields=["faits", "modifie_le"])
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=accompagnement,
        details={"faits": sorted(faits)},
    )
    return accompagnement


def types_intervention(axe: str) -> dict[str, str]:
    """Types communs et types propres à l'axe : {code: intitulé}."""
    return {**dict(TypeIntervention.choices), **dict(AXES[axe].types_intervention)}


def _ouvert(accompagnement: Accompagnement) -> None:
    if accompagnement.statut == StatutAccompagnement.CLOS:
        raise ValidationError("Un accompagnement clos ne se modifie plus.")


@transaction.atomic
def ajouter_objectif(*, agent, accompagnement: Accompagnement, libelle: str) -> Objectif:
    _verifier_intervenant(agent, accompagnement)
    _ouvert(accompagnement)
    libelle = libelle.strip()
    if not libelle:
        raise ValidationError({"libelle": "Décrivez l'objectif."})
    objectif = Objectif.objects.create(
        accompagnement=accompagnement,
        libelle=libelle,
        ordre=accompagnement.objectifs.count(),
    )
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=accompagnement,
        details={"objectif": objectif.pk},
    )
    return objectif


@transaction.atomic
def ajouter_action(
    *, agent, objectif: Objectif, libelle: str, echeance: date | None = None
) -> Action:
    _verifier_intervenant(agent, objectif.accompagnement)
    _ouvert(objectif.accompagnement)
    verifier_date(echeance, ECHEANCE, champ="echeance")
    action = Action(objectif=objectif, libelle=libelle.strip(), echeance=echeance)
    action.full_clean()
    action.save()
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=objectif.accompagnement,
        details={"action": action.pk},
    )
    return action


@transaction.atomic
def changer_statut_action(*, agent, action: Action, statut: str) -> Action:
    _verifier_intervenant(agent, action.objectif.accompagnement)
    _ouvert(action.objectif.accompagnement)
    if statut not in StatutAction.values:
        raise ValidationError({"statut": f"Statut d'action inconnu : {statut!r}."})
    action.statut = statut
    action.save(update_fields=["statut", "modifie_le"])
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=action.objectif.accompagnement,
        details={"action": action.pk, "statut": statut},
    )
    return action


@transaction.atomic
def enregistrer_intervention(
    *,
    agent,
    accompagnement: Accompagnement,
    type: str,
    date_intervention: date,
    compte_rendu: str = "",
    duree_minutes: int | None = None,
    lieu: str = "",
    participants: Iterable = (),
    confidentiel: bool = False,
) -> Intervention:
    _verifier_intervenant(agent, accompagnement)
    _ouvert(accompagnement)
    verifier_type_intervention(accompagnement.axe_id, type)
    verifier_date_suivi(date_intervention, champ="date", pas_avant=accompagnement.date_ouverture)
    verifier_duree(duree_minutes)
    participants = list(participants)
    foyer = set(accompagnement.foyer.membres.values_list("habitant_id", flat=True))
    verifier_presents([p.pk for p in participants], foyer)
    intervention = Intervention.objects.create(
        accompagnement=accompagnement,
        type=type,
        date=date_intervention,
        duree_minutes=duree_minutes,
        lieu=lieu.strip(),
        auteur=agent,
        compte_rendu=compte_rendu.strip(),
        confidentiel=confidentiel,
    )
    intervention.participants.set(participants)
    journaliser(
        agent=agent,
        action=ActionJournal.CREATION,
        objet=intervention,
        details={"accompagnement": accompagnement.pk, "confidentiel": confidentiel},
    )
    return intervention


@transaction.atomic
def orienter(
    *,
    agent,
    accompagnement: Accompagnement,
    partenaire: Partenaire,
    motif: str,
    date_orientation: date | None = None,
) -> Orientation:
    _verifier_intervenant(agent, accompagnement)
    _ouvert(accompagnement)
    if not partenaire.actif:
        raise ValidationError({"partenaire": "Ce partenaire n'est plus actif."})
    date_orientation = date_orientation or timezone.localdate()
    verifier_date_suivi(date_orientation, champ="date", pas_avant=accompagnement.date_ouverture)
    orientation = Orientation(
        accompagnement=accompagnement,
        partenaire=partenaire,
        motif=motif.strip(),
        date=date_orientation,
        auteur=agent,
    )
    orientation.full_clean()
    orientation.save()
    journaliser(
        agent=agent,
        action=ActionJournal.CREATION,
        objet=orientation,
        details={"partenaire": partenaire.code},
    )
    return orientation


@transaction.atomic
def suivre_orientation(
    *, agent, orientation: Orientation, statut: str, resultat: str = ""
) -> Orientation:
    _verifier_intervenant(agent, orientation.accompagnement)
    if statut not in StatutOrientation.values:
        raise ValidationError({"statut": f"Statut d'orientation inconnu : {statut!r}."})
    orientation.statut = statut
    orientation.resultat = resultat.strip()
    orientation.full_clean()
    orientation.save(update_fields=["statut", "resultat"])
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=orientation,
        details={"statut": statut},
    )
    return orientation


@transaction.atomic
def synchroniser_partenaires() -> dict[str, int]:
    """Met en base l'annuaire de référence des partenaires (les ajouts de l'admin restent)."""
    compte = {"crees": 0, "mis_a_jour": 0}
    for code, nom, type_ in PARTENAIRES:
        _, cree = Partenaire.objects.update_or_create(
            code=code, defaults={"nom": nom, "type": type_}
        )
        compte["crees" if cree else "mis_a_jour"] += 1
    return compte


# --- Actions collectives (axe participation) ----------------------------------------------


def verifier_agent_du_site(agent, site, champ="site") -> None:
    if not perms.peut_accompagner(agent):
        raise PermissionDenied("Réservé aux travailleurs sociaux.")
    if site.pk not in agent.ids_sites:
        raise ValidationError({champ: "Ce site n'est pas l'un des vôtres."})


@transaction.atomic
def creer_action_collective(
    *,
    agent,
    titre: str,
    type: str,
    site,
    date_debut: date | None = None,
    description: str = "",
    animateurs: Iterable = (),
) -> ActionCollective:
    verifier_agent_du_site(agent, site)
    date_debut = date_debut or timezone.localdate()
    verifier_date_suivi(date_debut, champ="date_debut")
    action = ActionCollective(
        titre=titre.strip(),
        type=type,
        site=site,
        date_debut=date_debut,
        description=description.strip(),
        cree_par=agent,
    )
    action.full_clean()
    action.save()
    action.animateurs.set({agent, *animateurs})
    journaliser(
        agent=agent, action=ActionJournal.CREATION, objet=action, details={"site": site.code}
    )
    return action


#: Les inscrits d'une séance sont des personnes connues du site porteur de l'action.
PARTICIPANT_D_UN_AUTRE_SITE = (
    "Une personne choisie n'est pas connue de {site}, site porteur de l'action : comptez-la "
    "parmi les participants non inscrits."
)


@transaction.atomic
def enregistrer_seance(
    *,
    agent,
    action: ActionCollective,
    date_seance: date,
    theme: str,
    site=None,
    participants: Iterable = (),
    participants_anonymes: int = 0,
    animateurs: Iterable = (),
) -> Seance:
    """Une séance : présents inscrits (de vos sites) et/ou nombre de présents non inscrits."""
    verifier_agent_du_site(agent, action.site)
    site = site or action.site
    verifier_agent_du_site(agent, site, champ="site")
    if not action.active:
        raise ValidationError("Cette action collective est terminée.")
    verifier_date_suivi(date_seance, champ="date", pas_avant=action.date_debut)
    participants = list(participants)

    # Les agents du site porteur liront les noms des inscrits : seulement des personnes connues
    # de ce site (une personne d'un autre site se compte parmi les non-inscrits ; ADR 0025).
    hors_perimetre = {p.pk for p in participants if p.site_id != action.site_id}
    if hors_perimetre and Habitant.objects.filter(
        q_personnes_accessibles({action.site_id}), pk__in=hors_perimetre
    ).count() < len(hors_perimetre):
        raise ValidationError(
            {"participants": PARTICIPANT_D_UN_AUTRE_SITE.format(site=action.site)}
        )
    verifier_participants_seance(len(participants), participants_anonymes)
    seance = Seance(
        action=action,
        date=date_seance,
        site=site,
        theme=theme.strip(),
        participants_anonymes=participants_anonymes,
        auteur=agent,
    )
    seance.full_clean()
    seance.save()
    seance.participants.set(participants)
    seance.animateurs.set({agent, *animateurs})
    journaliser(
        agent=agent,
        action=ActionJournal.CREATION,
        objet=seance,
        details={"inscrits": len(participants), "anonymes": participants_anonymes},
    )
    return seance


# --- Passation (départ, congé, changement de site) -----------------------------------------


@transaction.atomic
def passer_accompagnement(
    *, agent, accompagnement: Accompagnement, referent, co_intervenants: Iterable
) -> Accompagnement:
    """Change le référent et les co-intervenants d'un accompagnement (un départ, un congé, un
    changement de site) : chacun doit être un travailleur social d'un site qui a accès au
    foyer aujourd'hui (`perms.peut_suivre_foyer`, la règle unique). Un intervenant qui n'y a
    plus accès peut être retiré, jamais gardé. Journalisé sur l'accompagnement (ADR 0025)."""
    accompagnement = (
        Accompagnement.objects.select_for_update()
        .select_related("foyer", "referent")
        .get(pk=accompagnement.pk)
    )
    if not perms.peut_passer_accompagnement(agent, accompagnement):
        raise PermissionDenied("Vous ne pouvez pas passer cet accompagnement.")
    _ouvert(accompagnement)
    foyer = accompagnement.foyer
    if not perms.peut_suivre_foyer(referent, foyer):
        raise ValidationError(
            {
                "referent": f"{referent} n'a pas accès à ce foyer : choisissez un travailleur "
                "social d'un site qui y a accès."
            }
        )
    nouveaux = {a.pk: a for a in co_intervenants if a.pk != referent.pk}
    sans_acces = sorted(str(a) for a in nouveaux.values() if not perms.peut_suivre_foyer(a, foyer))
    if sans_acces:
        raise ValidationError(
            {
                "co_intervenants": f"{', '.join(sans_acces)} : pas d'accès à ce foyer "
                "(aucun de ses sites actuels). Décochez pour le retirer."
            }
        )
    anciens = set(accompagnement.co_intervenants.values_list("pk", flat=True))
    ancien_referent = accompagnement.referent_id
    if referent.pk == ancien_referent and set(nouveaux) == anciens:
        raise ValidationError(
            "Rien n'a changé : choisissez un autre référent ou cochez, "
            "décochez des co-intervenants."
        )
    accompagnement.referent = referent
    accompagnement.save(update_fields=["referent", "modifie_le"])
    accompagnement.co_intervenants.set(nouveaux.values())
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=accompagnement,
        details={
            "passation": {
                "referent": [ancien_referent, referent.pk],
                "co_intervenants_ajoutes": sorted(set(nouveaux) - anciens),
                "co_intervenants_retires": sorted(anciens - set(nouveaux)),
            }
        },
    )
    return accompagnement
