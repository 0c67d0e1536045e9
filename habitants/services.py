"""Écritures du registre des habitants et de l'accueil : une fonction, une transaction."""

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.formats import accord, compte
from ccas_portal.models import Agent, Site
from habitants.communes import commune
from habitants.models import (
    Foyer,
    Habitant,
    MembreFoyer,
    Motif,
    Passage,
    Ressource,
    SituationSante,
)
from habitants.normalisation import cle_phonetique, normaliser, premier_mot


class DoublonProbable(Exception):
    """La personne existe probablement déjà : l'agent doit voir les candidats puis confirmer."""

    def __init__(self, candidats):
        self.candidats = list(candidats)
        n = len(self.candidats)
        super().__init__(
            f"{compte(n, 'personne déjà connue', 'personnes déjà connues')} "
            f"lui {accord(n, 'ressemble', 'ressemblent')}."
        )


def _verifier_site(agent: Agent, site: Site) -> None:
    if site.id not in agent.ids_sites:
        raise PermissionDenied("Ce site n'est pas l'un des vôtres.")


def indexer_habitant(habitant: Habitant) -> None:
    """Calcule les champs de recherche (normalisés) de la personne."""
    habitant.nom_normalise = normaliser(habitant.nom_usage)
    habitant.prenoms_normalises = normaliser(habitant.prenoms)
    habitant.recherche = " ".join(
        filter(
            None,
            [
                habitant.nom_normalise,
                normaliser(habitant.nom_naissance),
                habitant.prenoms_normalises,
            ],
        )
    )
    habitant.telephone_chiffres = re.sub(r"\D", "", habitant.telephone or "")[-9:]
    habitant.cle_nom = cle_phonetique(habitant.nom_normalise)
    habitant.cle_prenom = cle_phonetique(premier_mot(habitant.prenoms_normalises))


def _verifier_noms(habitant: Habitant) -> None:
    erreurs = {}
    if not habitant.nom_normalise:
        erreurs["nom_usage"] = "Le nom doit contenir au moins une lettre."
    if not habitant.prenoms_normalises:
        erreurs["prenoms"] = "Le prénom doit contenir au moins une lettre."
    if erreurs:
        raise ValidationError(erreurs)


@transaction.atomic
def inscrire_habitant(
    *,
    agent: Agent,
    site: Site,
    nom_usage: str,
    prenoms: str,
    date_naissance: date | None = None,
    sexe: str = "",
    nom_naissance: str = "",
    telephone: str = "",
    courriel: str = "",
    adresse_contact: str = "",
    confirmer_nouveau: bool = False,
) -> Habitant:
    """Inscrit une personne avec une identité minimale.

    Lève DoublonProbable si une personne semblable est déjà connue, sauf `confirmer_nouveau`.
    """
    from habitants.selectors import doublons_probables

    _verifier_site(agent, site)
    habitant = Habitant(
        site=site,
        nom_usage=nom_usage.strip(),
        prenoms=prenoms.strip(),
        nom_naissance=nom_naissance.strip(),
        date_naissance=date_naissance,
        sexe=sexe,
        telephone=telephone.strip(),
        courriel=courriel.strip(),
        adresse_contact=adresse_contact.strip(),
        cree_par=agent,
    )
    indexer_habitant(habitant)
    _verifier_noms(habitant)
    habitant.full_clean()
    if not confirmer_nouveau:
        candidats = doublons_probables(
            agent=agent,
            nom=habitant.nom_usage,
            prenoms=habitant.prenoms,
            date_naissance=date_naissance,
        )
        if candidats:
            raise DoublonProbable(candidats)
    habitant.save()
    return habitant


@transaction.atomic
def marquer_faits_modifies(*, foyers=(), habitant: Habitant | None = None) -> int:
    """Note que les faits d'un foyer ont changé (composition, âges, ressources, santé, loyer,
    prestations) : la détection incrémentale ne resimule que ces foyers-là."""
    ids = {f.pk if hasattr(f, "pk") else f for f in foyers}
    if habitant is not None:
        ids |= set(
            MembreFoyer.objects.filter(habitant=habitant, date_fin__isnull=True).values_list(
                "foyer_id", flat=True
            )
        )
    return Foyer.objects.filter(pk__in=ids).update(faits_modifies_le=timezone.now())


def modifier_identite(*, agent: Agent, habitant: Habitant, **champs) -> Habitant:
    autorises = {
        "nom_usage",
        "nom_naissance",
        "prenoms",
        "date_naissance",
        "sexe",
        "telephone",
        "courriel",
        "adresse_contact",
    }
    inconnus = set(champs) - autorises
    if inconnus:
        raise ValueError(f"Champs non modifiables ici : {sorted(inconnus)}")
    _verifier_site(agent, habitant.site)
    for nom, valeur in champs.items():
        setattr(habitant, nom, valeur.strip() if isinstance(valeur, str) else valeur)
    indexer_habitant(habitant)
    _verifier_noms(habitant)
    habitant.full_clean()
    habitant.save()
    if "date_naissance" in champs:
        marquer_faits_modifies(habitant=habitant)
    return habitant


@transaction.atomic
def enregistrer_information(
    *,
    agent: Agent,
    habitant: Habitant,
    date_information: date,
    consentement_contact: bool | None,
) -> Habitant:
    """Trace l'information RGPD (art. 13) donnée à la personne, et son consentement au contact."""
    _verifier_site(agent, habitant.site)
    habitant.date_information = date_information
    habitant.informe_par = agent
    if consentement_contact != habitant.consentement_contact:
        habitant.consentement_contact = consentement_contact
        habitant.date_consentement = None if consentement_contact is None else date_information
    habitant.full_clean()
    habitant.save()
    return habitant


@transaction.atomic
def enregistrer_situation_sante(
    *,
    agent: Agent,
    habitant: Habitant,
    taux_incapacite: int | None,
    reconnaissance_mdph: bool,
    date_reconnaissance_mdph: date | None = None,
) -> SituationSante:
    if not perms.peut_voir_donnees_sensibles(agent):
        raise PermissionDenied("Les données de santé sont réservées aux travailleurs sociaux.")
    _verifier_site(agent, habitant.site)
    situation, _ = SituationSante.objects.get_or_create(habitant=habitant)
    situation.taux_incapacite = taux_incapacite
    situation.reconnaissance_mdph = reconnaissance_mdph
    situation.date_reconnaissance_mdph = date_reconnaissance_mdph
    situation.full_clean()
    situation.save()
    marquer_faits_modifies(habitant=habitant)
    return situation


@transaction.atomic
def creer_foyer(
    *,
    agent: Agent,
    site: Site,
    adresse: str,
    code_postal: str,
    code_insee: str,
    statut_occupation: str,
    complement_adresse: str = "",
    quartier: str = "",
    loyer_mensuel: Decimal | None = None,
    type_bailleur: str = "",
    commune_nom: str = "",
) -> Foyer:
    _verifier_site(agent, site)
    connue = commune(code_insee)
    foyer = Foyer(
        site=site,
        adresse=adresse.strip(),
        complement_adresse=complement_adresse.strip(),
        code_postal=code_postal.strip(),
        code_insee=code_insee.strip().upper(),
        commune=commune_nom or (connue.nom if connue else ""),
        quartier=quartier.strip(),
        statut_occupation=statut_occupation,
        loyer_mensuel=loyer_mensuel,
        type_bailleur=type_bailleur,
    )
    foyer.adresse_normalisee = normaliser(f"{foyer.adresse} {foyer.commune}")
    foyer.full_clean()
    foyer.save()
    return foyer


@transaction.atomic
def ajouter_membre(
    *, agent: Agent, foyer: Foyer, habitant: Habitant, role: str, date_debut: date
) -> MembreFoyer:
    """Fait entrer une personne dans un foyer ; elle quitte son foyer actuel la veille.

    L'historique est gardé : l'ancienne appartenance est close, pas effacée.
    """
    _verifier_site(agent, foyer.site)
    actuelle = (
        MembreFoyer.objects.select_for_update()
        .filter(habitant=habitant, date_fin__isnull=True)
        .first()
    )
    if actuelle:
        if actuelle.foyer_id == foyer.id:
            raise ValidationError({"habitant": "Cette personne fait déjà partie de ce foyer."})
        if date_debut <= actuelle.date_debut:
            raise ValidationError(
                {
                    "date_debut": (
                        "La date d'arrivée doit suivre l'entrée dans le foyer actuel "
                        f"({actuelle.date_debut:%d/%m/%Y})."
                    )
                }
            )
        actuelle.date_fin = date_debut - timedelta(days=1)
        actuelle.save(update_fields=["date_fin"])
    membre = MembreFoyer(foyer=foyer, habitant=habitant, role=role, date_debut=date_debut)
    membre.full_clean(validate_constraints=False)
    if (
        role == "demandeur"
        and foyer.membres.filter(role="demandeur", date_fin__isnull=True).exists()
    ):
        raise ValidationError({"role": "Ce foyer a déjà un demandeur."})
    membre.save()
    if habitant.site_id != foyer.site_id:
        habitant.site = foyer.site
        habitant.save(update_fields=["site"])
    marquer_faits_modifies(foyers=[foyer, *([actuelle.foyer_id] if actuelle else [])])
    return membre


@transaction.atomic
def retirer_membre(*, agent: Agent, membre: MembreFoyer, date_fin: date) -> MembreFoyer:
    _verifier_site(agent, membre.foyer.site)
    membre.date_fin = date_fin
    membre.full_clean(validate_constraints=False)
    membre.save(update_fields=["date_fin"])
    marquer_faits_modifies(foyers=[membre.foyer_id])
    return membre


@transaction.atomic
def enregistrer_ressource(
    *,
    agent: Agent,
    habitant: Habitant,
    type: str,
    montant_mensuel: Decimal,
    date_debut: date,
    date_fin: date | None = None,
) -> Ressource:
    if not perms.peut_voir_donnees_sensibles(agent):
        raise PermissionDenied("Les ressources sont réservées aux travailleurs sociaux.")
    _verifier_site(agent, habitant.site)
    ressource = Ressource(
        habitant=habitant,
        type=type,
        montant_mensuel=montant_mensuel,
        date_debut=date_debut,
        date_fin=date_fin,
    )
    ressource.full_clean()
    ressource.save()
    marquer_faits_modifies(habitant=habitant)
    return ressource


@transaction.atomic
def enregistrer_passage(
    *,
    agent: Agent,
    site: Site,
    mode: str,
    motifs: Iterable[Motif],
    reponse: str,
    habitant: Habitant | None = None,
    note: str = "",
    date_heure: datetime | None = None,
) -> Passage:
    """Enregistre un passage à l'accueil ; sans personne, il est anonyme mais compté."""
    if not perms.peut_tenir_le_guichet(agent):
        raise PermissionDenied("Votre rôle ne permet pas d'enregistrer un passage.")
    _verifier_site(agent, site)
    if habitant is not None and habitant.site_id not in agent.ids_sites:
        raise PermissionDenied("Cette personne n'est pas rattachée à vos sites.")
    motifs = list(motifs)
    if not motifs:
        raise ValidationError({"motifs": "Choisissez au moins un motif."})
    date_heure = date_heure or timezone.now()
    if date_heure > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"date_heure": "Un passage ne peut pas être dans le futur."})
    passage = Passage(
        site=site,
        agent=agent,
        habitant=habitant,
        mode=mode,
        reponse=reponse,
        note=note.strip(),
        date_heure=date_heure,
    )
    passage.full_clean()
    passage.save()
    passage.motifs.set(motifs)
    return passage


@transaction.atomic
def synchroniser_motifs() -> dict[str, int]:
    """Met en base les motifs d'accueil déclarés par les axes (`droits/axes/`).

    Les motifs ajoutés par un administrateur dans l'interface sont laissés tels quels.
    """
    from droits.axes import AXES

    compte = {"crees": 0, "mis_a_jour": 0}
    for axe in AXES.values():
        for ordre, (code, libelle) in enumerate(axe.motifs_accueil):
            _, cree = Motif.objects.update_or_create(
                code=code, defaults={"libelle": libelle, "axe_id": axe.code, "ordre": ordre}
            )
            compte["crees" if cree else "mis_a_jour"] += 1
    return compte
