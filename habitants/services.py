"""Écritures du registre des habitants et de l'accueil : une fonction, une transaction."""

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.enums import ActionJournal, TypeSite
from ccas_portal.formats import accord, compte, de
from ccas_portal.formats import euros as en_euros
from ccas_portal.journal import journaliser
from ccas_portal.models import Agent, Site
from ccas_portal.validation import EVENEMENT, FIN_DE_DROIT, NAISSANCE, verifier_date
from droits.axes import AXES
from habitants.acces import personne_accessible, sites_ayant_acces
from habitants.communes import commune, communes_du_code_postal
from habitants.enums import EtatConsentement, ReponsePassage
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
from habitants.selectors import doublons_probables, sites_connaissant_un_doublon


class DoublonProbable(Exception):
    """La personne existe probablement déjà : l'agent doit voir les candidats puis confirmer."""

    def __init__(self, candidats, ailleurs=()):
        self.candidats = list(candidats)
        #: Les autres sites du CCAS qui connaissent une personne semblable : leur nom seul.
        self.ailleurs = list(ailleurs)
        n = len(self.candidats)
        message = (
            f"{compte(n, 'personne déjà connue', 'personnes déjà connues')} "
            f"lui {accord(n, 'ressemble', 'ressemblent')}."
        )
        if self.ailleurs:
            ailleurs = " ; ".join(connue_de(s) for s in self.ailleurs)
            message = (f"{message} " if n else "") + (
                f"Une personne semblable est connue {ailleurs}."
            )
        super().__init__(message)


def connue_de(site: Site) -> str:
    """« de la Maison des Habitants Abbaye : contactez-la », « du site « Pôle petite
    enfance » : contactez-le » : où s'adresser pour une personne connue d'un autre site."""
    if site.type == TypeSite.MAISON_DES_HABITANTS:
        return f"de la {site.nom} : contactez-la"
    return f"du site « {site.nom} » : contactez-le"


def _verifier_site(agent: Agent, site: Site) -> None:
    if site.id not in agent.ids_sites:
        raise PermissionDenied("Ce site n'est pas l'un des vôtres.")


def _verifier_acces(agent: Agent, objet: Foyer | Habitant) -> None:
    """Le foyer ou la personne est-il accessible à l'un des sites de l'agent (son site de
    rattachement, ou un partage en cours : `habitants.acces`) ?"""
    if isinstance(objet, Foyer):
        permis = perms.a_acces_au_foyer(agent, objet)
    else:
        permis = perms.peut_voir_habitant(agent, objet)
    if not permis:
        raise PermissionDenied("Ni rattaché à vos sites ni partagé avec eux.")


def _site_partenaire(agent: Agent, foyer: Foyer) -> Site:
    return agent.sites.filter(pk__in=sites_ayant_acces(foyer)).order_by("pk").first()


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


# --- Règles pures : appelées par les services de ce module et par la population de
# démonstration (`habitants.demo`), qui écrit en masse sans passer par les services. Aucune ne
# lit la base.


def indexer_foyer(foyer: Foyer) -> None:
    """Calcule l'adresse normalisée (recherche) du foyer."""
    foyer.adresse_normalisee = normaliser(f"{foyer.adresse} {foyer.commune}")


def verifier_noms(habitant: Habitant) -> None:
    """Un nom ou un prénom contient une lettre : « -1 », « 99999 » ou « 2026-02-30 » sont des
    erreurs de saisie (une date tapée dans le mauvais champ), pas des noms."""
    erreurs = {}
    if not re.search("[a-z]", habitant.nom_normalise):
        erreurs["nom_usage"] = "Le nom doit contenir au moins une lettre."
    if not re.search("[a-z]", habitant.prenoms_normalises):
        erreurs["prenoms"] = "Le prénom doit contenir au moins une lettre."
    if habitant.nom_naissance and not re.search("[a-z]", normaliser(habitant.nom_naissance)):
        erreurs["nom_naissance"] = "Le nom de naissance doit contenir au moins une lettre."
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
    """Inscrit une personne avec une identité minimale. Pas de journal ici : les services qui
    l'appellent journalisent (`inscrire_a_l_accueil`, `inscrire_dans_le_foyer`).

    Lève DoublonProbable si une personne semblable est déjà connue, sauf `confirmer_nouveau` :
    sur les sites de l'agent (les personnes), ou ailleurs dans le CCAS (le nom du site seul).
    """
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
    verifier_noms(habitant)
    habitant.full_clean()
    if not confirmer_nouveau:
        candidats = doublons_probables(
            agent=agent,
            nom=habitant.nom_usage,
            prenoms=habitant.prenoms,
            date_naissance=date_naissance,
        )
        ailleurs = sites_connaissant_un_doublon(
            agent=agent,
            nom=habitant.nom_usage,
            prenoms=habitant.prenoms,
            date_naissance=date_naissance,
        )
        if candidats or ailleurs:
            raise DoublonProbable(candidats, ailleurs=ailleurs)
    habitant.save()
    return habitant


@transaction.atomic
def inscrire_a_l_accueil(*, agent: Agent, site: Site, request=None, **identite) -> Habitant:
    """L'inscription d'une personne à l'accueil (`inscrire_habitant`, doublons vérifiés sauf
    confirmation), journalisée : création de la fiche, avec l'adresse de l'agent. Depuis le
    dossier d'un foyer, `inscrire_dans_le_foyer` journalise l'arrivée sur le foyer."""
    habitant = inscrire_habitant(agent=agent, site=site, **identite)
    journaliser(agent=agent, action=ActionJournal.CREATION, objet=habitant, request=request)
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
    inconnus = set(champs) - set(CHAMPS_IDENTITE)
    if inconnus:
        raise ValueError(f"Champs non modifiables ici : {sorted(inconnus)}")
    _verifier_acces(agent, habitant)
    for nom, valeur in champs.items():
        setattr(habitant, nom, valeur.strip() if isinstance(valeur, str) else valeur)
    indexer_habitant(habitant)
    verifier_noms(habitant)
    habitant.full_clean()
    habitant.save()
    if "date_naissance" in champs:
        marquer_faits_modifies(habitant=habitant)
    return habitant


def noter_information(
    habitant: Habitant,
    *,
    agent: Agent | None,
    date_information: date,
    consentement: str,
    aujourd_hui: date | None = None,
) -> None:
    """La règle de l'information RGPD, sans écrire : une réponse (« accepté » ou « refusé ») à
    la question du contact, une date plausible ; la réponse est datée du jour de l'information,
    sauf si elle n'a pas changé (elle garde sa date d'origine)."""
    if consentement not in (EtatConsentement.ACCEPTE, EtatConsentement.REFUSE):
        raise ValidationError(
            {"consentement": "Indiquez si la personne accepte ou refuse d'être contactée."}
        )
    verifier_date(date_information, EVENEMENT, champ="date_information", aujourd_hui=aujourd_hui)
    habitant.date_information = date_information
    habitant.informe_par = agent
    if consentement != habitant.consentement:
        habitant.consentement = consentement
        habitant.date_consentement = date_information


@transaction.atomic
def enregistrer_information(
    *,
    agent: Agent,
    habitant: Habitant,
    date_information: date,
    consentement: str,
    request=None,
) -> Habitant:
    """Trace l'information RGPD (art. 13) donnée à la personne ce jour-là, et sa réponse à la
    question du contact au sujet de droits repérés : « accepté » ou « refusé », datée ; une
    réponse inchangée garde sa date d'origine. Journalisé avec l'état d'avant et d'après."""
    _verifier_acces(agent, habitant)
    avant = (habitant.consentement, habitant.date_consentement)
    noter_information(
        habitant, agent=agent, date_information=date_information, consentement=consentement
    )
    habitant.full_clean()
    habitant.save()
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=habitant,
        details={
            "information": date_information.isoformat(),
            "consentement": {
                "avant": avant[0],
                "avant_le": avant[1].isoformat() if avant[1] else None,
                "apres": habitant.consentement,
                "apres_le": habitant.date_consentement.isoformat(),
            },
        },
        request=request,
    )
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
    _verifier_acces(agent, habitant)
    verifier_date(date_reconnaissance_mdph, EVENEMENT, champ="date_reconnaissance_mdph")
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
        type_bailleur=type_bailleur,
    )
    indexer_foyer(foyer)
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
    _verifier_acces(agent, foyer)
    verifier_date(date_debut, NAISSANCE, champ="date_debut")
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
    _verifier_acces(agent, membre.foyer)
    verifier_date(date_fin, NAISSANCE, champ="date_fin")
    membre.date_fin = date_fin
    membre.full_clean(validate_constraints=False)
    membre.save(update_fields=["date_fin"])
    marquer_faits_modifies(foyers=[membre.foyer_id])
    return membre


def verifier_dates_ressource(
    date_debut: date, date_fin: date | None, *, aujourd_hui: date | None = None
) -> None:
    """Une ressource perçue depuis une date plausible, jusqu'à une fin de droit plausible."""
    verifier_date(date_debut, EVENEMENT, champ="date_debut", aujourd_hui=aujourd_hui)
    verifier_date(date_fin, FIN_DE_DROIT, champ="date_fin", aujourd_hui=aujourd_hui)


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
    _verifier_acces(agent, habitant)
    verifier_dates_ressource(date_debut, date_fin)
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


#: Un passage ne nomme qu'une personne connue du site où il a lieu (ADR 0025).
PERSONNE_D_UN_AUTRE_SITE = (
    "Cette personne n'est pas connue de {site} : enregistrez son passage depuis l'accueil de "
    "son site, ou ici sans nom (passage anonyme)."
)


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
    partenaire=None,
) -> Passage:
    """Enregistre un passage à l'accueil ; sans personne, il est anonyme mais compté.

    Une orientation vers un partenaire nomme ce partenaire (annuaire, actif) ; les autres
    réponses n'en nomment aucun.
    """
    if not perms.peut_tenir_le_guichet(agent):
        raise PermissionDenied("Votre rôle ne permet pas d'enregistrer un passage.")
    _verifier_site(agent, site)
    if habitant is not None and not perms.peut_voir_habitant(agent, habitant):
        raise PermissionDenied("Cette personne n'est pas rattachée à vos sites.")
    if habitant is not None and not personne_accessible({site.pk}, habitant):
        # Les agents du site du passage liraient son nom dans les passages du jour (ADR 0025).
        raise ValidationError({"habitant": PERSONNE_D_UN_AUTRE_SITE.format(site=site)})
    motifs = list(motifs)
    date_heure = date_heure or timezone.now()
    verifier_passage(motifs=motifs, date_heure=date_heure, reponse=reponse, partenaire=partenaire)
    passage = Passage(
        site=site,
        agent=agent,
        habitant=habitant,
        mode=mode,
        reponse=reponse,
        note=note.strip(),
        date_heure=date_heure,
        partenaire=partenaire,
    )
    passage.full_clean()
    passage.save()
    passage.motifs.set(motifs)
    return passage


def verifier_passage(
    *,
    motifs: list,
    date_heure: datetime,
    reponse: str,
    partenaire,
    maintenant: datetime | None = None,
) -> None:
    """Un passage : au moins un motif, pas dans le futur, un partenaire si et seulement si la
    réponse est une orientation vers un partenaire (actif)."""
    if not motifs:
        raise ValidationError({"motifs": "Choisissez au moins un motif."})
    if date_heure > (maintenant or timezone.now()) + timedelta(minutes=5):
        raise ValidationError({"date_heure": "Un passage ne peut pas être dans le futur."})
    _verifier_partenaire_du_passage(reponse, partenaire)


def _verifier_partenaire_du_passage(reponse: str, partenaire) -> None:
    """Le partenaire est exigé pour une orientation vers un partenaire, refusé sinon."""
    if reponse == ReponsePassage.ORIENTATION_PARTENAIRE:
        if partenaire is None:
            raise ValidationError(
                {"partenaire": "Choisissez le partenaire vers qui la personne est orientée."}
            )
        if not partenaire.actif:
            raise ValidationError(
                {
                    "partenaire": "Ce partenaire n'est plus actif dans l'annuaire : choisissez-en un autre."
                }
            )
    elif partenaire is not None:
        raise ValidationError(
            {
                "partenaire": "Un partenaire ne se nomme que pour une orientation vers un "
                "partenaire : changez la réponse apportée ou retirez le partenaire."
            }
        )


@transaction.atomic
def synchroniser_motifs() -> dict[str, int]:
    """Met en base les motifs d'accueil déclarés par les axes (`droits/axes/`).

    Les motifs ajoutés par un administrateur dans l'interface sont laissés tels quels.
    """
    compte = {"crees": 0, "mis_a_jour": 0}
    for axe in AXES.values():
        for ordre, (code, libelle) in enumerate(axe.motifs_accueil):
            _, cree = Motif.objects.update_or_create(
                code=code, defaults={"libelle": libelle, "axe_id": axe.code, "ordre": ordre}
            )
            compte["crees" if cree else "mis_a_jour"] += 1
    return compte


# --- Le dossier social tenu à jour depuis les écrans ---------------------------------------
# Chaque écriture ci-dessous est journalisée sur le(s) foyer(s) concerné(s), avec les valeurs
# d'avant et d'après telles qu'un agent les lit, et note que les faits du foyer ont changé :
# la chronologie du dossier (accompagnement.selectors.chronologie) relit ces entrées.

#: Clé des détails du journal qui distingue un changement de fait d'une simple consultation.
CLE_FAIT = "fait"


def valeur_lisible(objet, champ: str) -> str:
    """La valeur d'un champ telle qu'un agent la lit (libellé du choix, date, montant)."""
    valeur = getattr(objet, champ)
    modele_champ = objet._meta.get_field(champ)
    if modele_champ.choices:
        valeur = getattr(objet, f"get_{champ}_display")()
    if valeur is None or valeur == "":
        return "—"
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, date):
        return f"{valeur:%d/%m/%Y}"
    if isinstance(valeur, Decimal):
        return en_euros(valeur)
    return str(valeur)


def _photo(objet, champs) -> dict[str, str]:
    return {
        str(objet._meta.get_field(c).verbose_name).capitalize(): valeur_lisible(objet, c)
        for c in champs
    }


def _foyers_actuels(habitant: Habitant) -> list[int]:
    return list(
        MembreFoyer.objects.filter(habitant=habitant, date_fin__isnull=True).values_list(
            "foyer_id", flat=True
        )
    )


def _tracer_personne(agent: Agent, habitant: Habitant, libelle: str, avant: dict, champs) -> None:
    """_tracer pour un changement des `champs` d'une personne, dans les foyers où elle est."""
    _tracer(
        agent=agent,
        foyers=_foyers_actuels(habitant),
        libelle=libelle,
        avant=avant,
        apres=_photo(habitant, champs),
        habitant=habitant,
    )


def _tracer(
    *,
    agent: Agent,
    foyers: Iterable[int],
    libelle: str,
    avant: dict | None = None,
    apres: dict | None = None,
    habitant: Habitant | None = None,
    action: str = "modification",
) -> None:
    """Journalise un changement de fait (une entrée par foyer concerné, ou sur la personne si
    elle n'a pas de foyer) et marque les faits de ces foyers comme modifiés."""
    avant = avant or {}
    apres = apres or {}
    # Seuls les champs qui ont changé (une création n'a pas d'« avant »).
    if avant:
        changes = [k for k in apres if avant.get(k) != apres.get(k)]
        avant = {k: avant[k] for k in changes}
        apres = {k: apres[k] for k in changes}
        if not changes:
            return
    else:
        apres = {k: v for k, v in apres.items() if v != "—"}
    details = {CLE_FAIT: libelle, "avant": avant, "apres": apres}
    if habitant is not None:
        details["personne"] = str(habitant)
        details["habitant"] = habitant.pk
    foyers = sorted(set(foyers))
    for foyer_id in foyers:
        journaliser(
            agent=agent,
            action=action,
            objet_type="habitants.foyer",
            objet_id=str(foyer_id),
            details=details,
        )
    if not foyers and habitant is not None:
        journaliser(agent=agent, action=action, objet=habitant, details=details)
    marquer_faits_modifies(foyers=foyers)


def _exiger_travailleur_social(agent: Agent, quoi: str) -> None:
    if not perms.peut_voir_donnees_sensibles(agent):
        raise PermissionDenied(f"{quoi} : réservé aux travailleurs sociaux.")


CHAMPS_IDENTITE = (
    "nom_usage",
    "nom_naissance",
    "prenoms",
    "date_naissance",
    "sexe",
    "telephone",
    "courriel",
    "adresse_contact",
)
CHAMPS_CONTACT = ("telephone", "courriel", "adresse_contact")


@transaction.atomic
def rectifier_identite(*, agent: Agent, habitant: Habitant, **champs) -> Habitant:
    """Rectifie l'identité ou les coordonnées d'une personne (modifier_identite), journalisé
    avec les valeurs d'avant."""
    _verifier_acces(agent, habitant)
    avant = _photo(habitant, champs)
    modifier_identite(agent=agent, habitant=habitant, **champs)
    _tracer_personne(agent, habitant, f"Identité et coordonnées {de(habitant)}", avant, champs)
    return habitant


CHAMPS_SITUATION = ("activite",)


@transaction.atomic
def modifier_situation_personnelle(
    *,
    agent: Agent,
    habitant: Habitant,
    activite: str,
    statut_marital: str = "",
    statut_marital_depuis: date | None = None,
) -> Habitant:
    """Situation d'activité et, si elle change, nouvelle situation conjugale datée
    (`historique.enregistrer_situation_conjugale`) : lues par la détection."""
    from habitants.historique import enregistrer_situation_conjugale  # noqa: PLC0415 (cycle : historique s'appuie sur ce module)

    _exiger_travailleur_social(agent, "La situation personnelle")
    _verifier_acces(agent, habitant)
    avant = _photo(habitant, CHAMPS_SITUATION)
    if statut_marital_depuis and not statut_marital:
        raise ValidationError(
            {"statut_marital": "Choisissez la nouvelle situation conjugale, ou videz la date."}
        )
    if statut_marital:
        try:
            enregistrer_situation_conjugale(
                agent=agent,
                habitant=habitant,
                statut=statut_marital,
                date_debut=statut_marital_depuis,
            )
        except ValidationError as erreur:
            noms = {"statut": "statut_marital", "date_debut": "statut_marital_depuis"}
            raise ValidationError(
                {noms.get(c, c): e for c, e in erreur.error_dict.items()}
            ) from erreur
    habitant.activite = activite
    habitant.full_clean()
    habitant.save(update_fields=[*CHAMPS_SITUATION, "modifie_le"])
    _tracer_personne(
        agent, habitant, f"Situation personnelle {de(habitant)}", avant, CHAMPS_SITUATION
    )
    return habitant


CHAMPS_SANTE = ("taux_incapacite", "reconnaissance_mdph", "date_reconnaissance_mdph")


@transaction.atomic
def modifier_sante(
    *,
    agent: Agent,
    habitant: Habitant,
    taux_incapacite: int | None,
    reconnaissance_mdph: bool,
    date_reconnaissance_mdph: date | None = None,
) -> SituationSante:
    """Taux d'incapacité et reconnaissance MDPH (enregistrer_situation_sante), journalisés."""
    _exiger_travailleur_social(agent, "Les données de santé")
    actuelle = SituationSante.objects.filter(habitant=habitant).first() or SituationSante(
        habitant=habitant
    )
    avant = _photo(actuelle, CHAMPS_SANTE)
    if date_reconnaissance_mdph and not reconnaissance_mdph:
        raise ValidationError(
            {"date_reconnaissance_mdph": "Une date de reconnaissance suppose une reconnaissance."}
        )
    situation = enregistrer_situation_sante(
        agent=agent,
        habitant=habitant,
        taux_incapacite=taux_incapacite,
        reconnaissance_mdph=reconnaissance_mdph,
        date_reconnaissance_mdph=date_reconnaissance_mdph,
    )
    _tracer(
        agent=agent,
        foyers=_foyers_actuels(habitant),
        libelle=f"Santé {de(habitant)}",
        avant=avant,
        apres=_photo(situation, CHAMPS_SANTE),
        habitant=habitant,
    )
    return situation


CHAMPS_ADRESSE = ("adresse", "complement_adresse", "code_postal", "code_insee", "quartier")
CHAMPS_LOGEMENT = ("statut_occupation", "type_bailleur")

#: Statuts d'occupation sans loyer possible.
SANS_LOYER = {"proprietaire", "sans_domicile"}


def _verifier_logement(foyer: Foyer) -> None:
    erreurs = {}
    en_cours = foyer.loyers.filter(date_fin__isnull=True).first() if foyer.pk else None
    if foyer.statut_occupation in SANS_LOYER and en_cours and en_cours.loyer_mensuel:
        erreurs["statut_occupation"] = (
            f"Pas de loyer pour le statut « {foyer.get_statut_occupation_display()} » : un loyer "
            f"court depuis le {en_cours.date_debut:%d/%m/%Y} ; indiquez d'abord sa fin "
            "(historique du loyer, « Corriger »)."
        )
    try:
        verifier_bailleur(foyer)
    except ValidationError as erreur:
        erreurs.update(erreur.message_dict)
    if erreurs:
        raise ValidationError(erreurs)


def verifier_bailleur(foyer: Foyer) -> None:
    """Le bailleur d'un locataire va avec son statut d'occupation (parc social ou privé)."""
    attendu = {"locataire_parc_social": "social", "locataire_parc_prive": "prive"}.get(
        foyer.statut_occupation
    )
    if attendu and foyer.type_bailleur and foyer.type_bailleur != attendu:
        raise ValidationError(
            {
                "type_bailleur": "Le bailleur ne correspond pas au statut "
                f"« {foyer.get_statut_occupation_display()} »."
            }
        )


def verifier_commune(code_postal: str, commune_nom: str) -> str:
    """Le code INSEE de la commune nommée pour ce code postal (référentiel des communes) ;
    ValidationError en français sinon, avec les communes de ce code postal."""
    code_postal = (code_postal or "").strip()
    candidates = communes_du_code_postal(code_postal)
    if not candidates:
        raise ValidationError({"code_postal": f"Aucune commune n'a le code postal {code_postal}."})
    nom = normaliser(commune_nom)
    exactes = [c for c in candidates if normaliser(c.nom) == nom]
    if len(candidates) == 1 and not nom:
        return candidates[0].code_insee
    if len(exactes) == 1:
        return exactes[0].code_insee
    noms = ", ".join(sorted(c.nom for c in candidates))
    if not nom:
        message = f"Le code postal {code_postal} couvre plusieurs communes ({noms}) : précisez-la."
    else:
        message = (
            f"« {commune_nom.strip()} » n'a pas le code postal {code_postal}, "
            f"qui est celui de : {noms}."
        )
    raise ValidationError({"commune": message})


@transaction.atomic
def modifier_logement(*, agent: Agent, foyer: Foyer, **champs) -> Foyer:
    """Adresse, statut d'occupation et bailleur. Journalisé avec les valeurs d'avant. Le loyer
    et les charges, datés, passent par `historique.enregistrer_loyer`."""
    inconnus = set(champs) - set(CHAMPS_ADRESSE) - set(CHAMPS_LOGEMENT)
    if inconnus:
        raise ValueError(f"Champs non modifiables ici : {sorted(inconnus)}")
    _verifier_acces(agent, foyer)
    avant = _photo(foyer, [*champs, "commune"])
    for nom, valeur in champs.items():
        setattr(foyer, nom, valeur.strip() if isinstance(valeur, str) else valeur)
    if "code_insee" in champs:
        connue = commune(foyer.code_insee)
        foyer.code_insee = foyer.code_insee.upper()
        foyer.commune = connue.nom if connue else ""
    indexer_foyer(foyer)
    foyer.full_clean()
    _verifier_logement(foyer)
    foyer.save()
    _tracer(
        agent=agent,
        foyers=[foyer.pk],
        libelle="Adresse et logement du foyer",
        avant=avant,
        apres=_photo(foyer, [*champs, "commune"]),
    )
    return foyer


def verifier_date_arrivee(
    date_naissance: date | None, date_debut: date, *, aujourd_hui: date | None = None
) -> None:
    """L'arrivée dans un foyer : pas avant la naissance, à une date plausible."""
    if date_naissance and date_debut < date_naissance:
        raise ValidationError({"date_debut": "Cette date précède la naissance de la personne."})
    verifier_date(date_debut, NAISSANCE, champ="date_debut", aujourd_hui=aujourd_hui)


def _verifier_arrivee(habitant: Habitant, foyer: Foyer, role: str, date_debut: date) -> None:
    verifier_date_arrivee(habitant.date_naissance, date_debut)
    if role == "conjoint" and foyer.membres.filter(role="conjoint", date_fin__isnull=True).exists():
        raise ValidationError({"role": "Ce foyer a déjà un conjoint."})


@transaction.atomic
def creer_foyer_de(
    *,
    agent: Agent,
    habitant: Habitant,
    date_debut: date,
    role: str = "demandeur",
    **adresse,
) -> Foyer:
    """Crée le foyer d'une personne (adresse, statut d'occupation) et l'y fait entrer."""
    _verifier_acces(agent, habitant)
    foyer = creer_foyer(agent=agent, site=habitant.site, **adresse)
    _verifier_arrivee(habitant, foyer, role, date_debut)
    membre = ajouter_membre(
        agent=agent, foyer=foyer, habitant=habitant, role=role, date_debut=date_debut
    )
    _tracer(
        agent=agent,
        foyers=[foyer.pk],
        libelle="Création du foyer",
        apres={
            "Adresse": str(foyer),
            "Statut d'occupation": foyer.get_statut_occupation_display(),
            "Membre": f"{habitant} ({membre.get_role_display().lower()}) "
            f"depuis le {date_debut:%d/%m/%Y}",
        },
        habitant=habitant,
        action="creation",
    )
    return foyer


@transaction.atomic
def rattacher_au_foyer(
    *, agent: Agent, habitant: Habitant, foyer: Foyer, role: str, date_debut: date
) -> MembreFoyer:
    """Fait entrer une personne dans un foyer (elle quitte son foyer actuel la veille) ;
    journalisé sur les deux foyers."""
    _verifier_acces(agent, habitant)
    ancien = MembreFoyer.objects.filter(habitant=habitant, date_fin__isnull=True).first()
    _verifier_arrivee(habitant, foyer, role, date_debut)
    membre = ajouter_membre(
        agent=agent, foyer=foyer, habitant=habitant, role=role, date_debut=date_debut
    )
    _tracer(
        agent=agent,
        foyers=[foyer.pk],
        libelle="Arrivée dans le foyer",
        apres={"Membre": f"{habitant} ({membre.get_role_display().lower()})"}
        | {"Depuis le": f"{date_debut:%d/%m/%Y}"},
        habitant=habitant,
        action="creation",
    )
    if ancien is not None:
        _tracer(
            agent=agent,
            foyers=[ancien.foyer_id],
            libelle="Départ du foyer (vers un autre foyer)",
            avant={"Jusqu'au": "—"},
            apres={"Jusqu'au": f"{date_debut - timedelta(days=1):%d/%m/%Y}"},
            habitant=habitant,
        )
    return membre


@transaction.atomic
def inscrire_dans_le_foyer(
    *,
    agent: Agent,
    foyer: Foyer,
    role: str,
    date_debut: date,
    confirmer_nouveau: bool = False,
    **identite,
) -> MembreFoyer:
    """Inscrit une nouvelle personne (doublons vérifiés) et la fait entrer dans le foyer."""
    _verifier_acces(agent, foyer)
    # D'un site partenaire (foyer partagé), la personne est inscrite à ce site-là, puis rangée
    # au site du foyer en y entrant.
    site = foyer.site if foyer.site_id in agent.ids_sites else _site_partenaire(agent, foyer)
    habitant = inscrire_habitant(
        agent=agent, site=site, confirmer_nouveau=confirmer_nouveau, **identite
    )
    return rattacher_au_foyer(
        agent=agent, habitant=habitant, foyer=foyer, role=role, date_debut=date_debut
    )


@transaction.atomic
def terminer_appartenance(*, agent: Agent, membre: MembreFoyer, date_fin: date) -> MembreFoyer:
    """La personne quitte le foyer à cette date (l'appartenance est close, pas effacée)."""
    if membre.date_fin is not None:
        raise ValidationError({"date_fin": "Cette personne a déjà quitté le foyer."})
    if date_fin < membre.date_debut:
        raise ValidationError(
            {"date_fin": f"La date de départ précède l'arrivée ({membre.date_debut:%d/%m/%Y})."}
        )
    retirer_membre(agent=agent, membre=membre, date_fin=date_fin)
    _tracer(
        agent=agent,
        foyers=[membre.foyer_id],
        libelle="Départ du foyer",
        avant={"Jusqu'au": "—"},
        apres={"Jusqu'au": f"{date_fin:%d/%m/%Y}"},
        habitant=membre.habitant,
    )
    return membre


CHAMPS_RESSOURCE = ("type", "libelle", "montant_mensuel", "date_debut", "date_fin")


def _photo_ressource(ressource: Ressource) -> dict[str, str]:
    return _photo(ressource, CHAMPS_RESSOURCE)


@transaction.atomic
def ajouter_ressource(
    *,
    agent: Agent,
    habitant: Habitant,
    type: str,
    montant_mensuel: Decimal,
    date_debut: date,
    date_fin: date | None = None,
    libelle: str = "",
) -> Ressource:
    """Une ressource mensuelle datée d'une personne, par nature (« autre » : libellé libre)."""
    _exiger_travailleur_social(agent, "Les ressources")
    _verifier_acces(agent, habitant)
    ressource = Ressource(
        habitant=habitant,
        type=type,
        libelle=libelle.strip() if type == "autre" else "",
        montant_mensuel=montant_mensuel,
        date_debut=date_debut,
        date_fin=date_fin,
    )
    ressource.full_clean()
    ressource.save()
    _tracer(
        agent=agent,
        foyers=_foyers_actuels(habitant),
        libelle=f"Ressource ajoutée : {ressource.nature} {de(habitant)}",
        apres=_photo_ressource(ressource),
        habitant=habitant,
        action="creation",
    )
    return ressource


@transaction.atomic
def corriger_ressource(*, agent: Agent, ressource: Ressource, **champs) -> Ressource:
    """Corrige une ressource saisie (nature, montant, dates), journalisé avec l'ancienne."""
    _exiger_travailleur_social(agent, "Les ressources")
    inconnus = set(champs) - set(CHAMPS_RESSOURCE)
    if inconnus:
        raise ValueError(f"Champs non modifiables ici : {sorted(inconnus)}")
    habitant = ressource.habitant
    _verifier_acces(agent, habitant)
    avant = _photo_ressource(ressource)
    for nom, valeur in champs.items():
        setattr(ressource, nom, valeur.strip() if isinstance(valeur, str) else valeur)
    if ressource.type != "autre":
        ressource.libelle = ""
    ressource.full_clean()
    ressource.save()
    _tracer(
        agent=agent,
        foyers=_foyers_actuels(habitant),
        libelle=f"Ressource corrigée : {ressource.nature} {de(habitant)}",
        avant=avant,
        apres=_photo_ressource(ressource),
        habitant=habitant,
    )
    return ressource


def terminer_ressource(*, agent: Agent, ressource: Ressource, date_fin: date) -> Ressource:
    """La ressource n'est plus perçue après cette date."""
    if ressource.date_fin is not None:
        raise ValidationError({"date_fin": "Cette ressource a déjà une date de fin."})
    return corriger_ressource(agent=agent, ressource=ressource, date_fin=date_fin)
