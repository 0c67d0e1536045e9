from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from ccas_portal import perms
from ccas_portal.enums import ActionJournal
from ccas_portal.formats import de
from ccas_portal.journal import journaliser
from ccas_portal.models import Axe
from ccas_portal.services import planifier_tache_nocturne
from ccas_portal.validation import EVENEMENT, FIN_DE_DROIT, verifier_date
from droits.axes import AXES
from droits.enums import (
    ETATS_OUVERTS,
    STATUTS_EN_COURS,
    EtatSignalement,
    NaturePrestation,
    SourcePrestation,
    StatutPrestation,
)
from droits.models import (
    ChangementSignalement,
    Prestation,
    PrestationFoyer,
    Signalement,
)
from habitants.enums import EtatConsentement, RoleMembre
from habitants.models import MembreFoyer
from habitants.services import marquer_faits_modifies


@transaction.atomic
def synchroniser_axes() -> dict[str, int]:
    """Met la table des axes à l'image des modules `droits/axes/`.

    Un axe retiré du code est désactivé, jamais supprimé : l'historique y reste rattaché.
    """
    compte = {"crees": 0, "mis_a_jour": 0, "desactives": 0}
    for definition in AXES.values():
        _, cree = Axe.objects.update_or_create(
            code=definition.code,
            defaults={
                "ordre": definition.ordre,
                "libelle": definition.libelle,
                "libelle_court": definition.libelle_court,
                "description": definition.description,
                "actif": True,
            },
        )
        compte["crees" if cree else "mis_a_jour"] += 1
    compte["desactives"] = Axe.objects.exclude(code__in=AXES).filter(actif=True).update(actif=False)
    return compte


#: Les aides facultatives du CCAS proposées d'emblée (un administrateur en ajoute d'autres).
AIDES_FACULTATIVES = (
    ("aide_facultative_jeunes", "Aide facultative jeunes adultes (18–24 ans)", "existence", 250),
    ("aide_facultative_subsistance", "Aide facultative de subsistance", "existence", None),
    ("aide_facultative_energie", "Aide facultative énergie", "logement", None),
    ("aide_domicile", "Service d'aide à domicile (évaluation à proposer)", "bien_vieillir", 0),
)


@transaction.atomic
def synchroniser_prestations() -> dict[str, int]:
    """Le catalogue : les prestations légales déclarées par les axes (remises à jour, retirées
    du code → désactivées) et les aides facultatives de référence (créées si absentes,
    jamais écrasées : l'administrateur les modifie)."""
    compte = {"crees": 0, "mis_a_jour": 0, "desactivees": 0}
    codes = []
    for axe in AXES.values():
        for p in axe.prestations:
            codes.append(p.code)
            _, cree = Prestation.objects.update_or_create(
                code=p.code,
                defaults={
                    "libelle": p.libelle,
                    "axe_id": axe.code,
                    "nature": NaturePrestation.LEGALE,
                    "variables_openfisca": [
                        *p.variables,
                        *([p.eligibilite] if p.eligibilite else []),
                    ],
                    "description": p.description,
                    "forme": p.forme,
                    "valeur_couverture_annuelle": p.valeur_couverture_annuelle,
                    "actif": True,
                },
            )
            compte["crees" if cree else "mis_a_jour"] += 1
    for code, libelle, axe, montant in AIDES_FACULTATIVES:
        _, cree = Prestation.objects.get_or_create(
            code=code,
            defaults={
                "libelle": libelle,
                "axe_id": axe,
                "nature": NaturePrestation.FACULTATIVE,
                "montant_indicatif": montant,
            },
        )
        compte["crees"] += int(cree)
    compte["desactivees"] = (
        Prestation.objects.filter(nature=NaturePrestation.LEGALE, actif=True)
        .exclude(code__in=codes)
        .update(actif=False)
    )
    return compte


def _verifier_foyer(agent, foyer) -> None:
    if not (perms.peut_voir_donnees_sensibles(agent) and perms.peut_suivre_foyer(agent, foyer)):
        raise PermissionDenied("Ce foyer n'est ni rattaché à vos sites ni partagé avec eux.")


# --- Règles pures d'une prestation du foyer : appelées par `enregistrer_prestation` et par les
# prestations de démonstration (`droits.demo`, écrites en masse). Aucune ne lit la base.


def verifier_dates_prestation(
    *,
    date_demande: date | None,
    date_debut: date | None,
    date_fin: date | None,
    aujourd_hui: date | None = None,
) -> None:
    """Des dates plausibles ; une demande qui n'est pas dans le futur."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    verifier_date(date_demande, EVENEMENT, champ="date_demande", aujourd_hui=aujourd_hui)
    verifier_date(date_debut, EVENEMENT, champ="date_debut", aujourd_hui=aujourd_hui)
    verifier_date(date_fin, FIN_DE_DROIT, champ="date_fin", aujourd_hui=aujourd_hui)
    if date_demande and date_demande > aujourd_hui:
        raise ValidationError({"date_demande": "La date de demande est dans le futur."})


def verifier_versement(
    *, statut: str, date_debut: date | None, date_fin: date | None, montant_mensuel
) -> None:
    """Une prestation accordée ou perçue est versée depuis une date ; la fin suit le début ; le
    montant n'est pas négatif."""
    if statut in (StatutPrestation.ACCORDEE, StatutPrestation.PERCUE) and not date_debut:
        raise ValidationError({"date_debut": "Indiquez depuis quand la prestation est versée."})
    if date_fin and date_debut and date_fin < date_debut:
        raise ValidationError({"date_fin": "La fin précède le début du versement."})
    if montant_mensuel is not None and montant_mensuel < 0:
        raise ValidationError({"montant_mensuel": "Le montant ne peut pas être négatif."})


@transaction.atomic
def enregistrer_prestation(
    *,
    agent,
    foyer,
    prestation: Prestation,
    statut: str,
    source: str,
    beneficiaire=None,
    date_demande: date | None = None,
    date_debut: date | None = None,
    date_fin: date | None = None,
    montant_mensuel: Decimal | None = None,
    note: str = "",
    existante: PrestationFoyer | None = None,
    suivre_signalement: bool = True,
) -> PrestationFoyer:
    """Crée (ou met à jour, `existante`) une prestation demandée ou perçue par le foyer ; le
    signalement ouvert de cette prestation suit, dans la même transaction : « demande
    déposée » pour une prestation à instruire ou demandée, « droit ouvert » pour une
    prestation accordée ou perçue (`suivre_signalement=False` : c'est le changement d'état du
    signalement qui écrit la prestation, et qui note lui-même ce changement)."""
    _verifier_foyer(agent, foyer)
    if existante is not None and existante.foyer_id != foyer.pk:
        raise PermissionDenied("Cette prestation n'est pas celle de ce foyer.")
    if not prestation.actif and (existante is None or existante.prestation_id != prestation.pk):
        raise ValidationError({"prestation": "Cette prestation n'est plus au catalogue."})
    verifier_dates_prestation(date_demande=date_demande, date_debut=date_debut, date_fin=date_fin)
    if beneficiaire is not None and not foyer.membres.filter(habitant=beneficiaire).exists():
        raise ValidationError({"beneficiaire": "Le bénéficiaire n'est pas du foyer."})
    verifier_versement(
        statut=statut, date_debut=date_debut, date_fin=date_fin, montant_mensuel=montant_mensuel
    )
    objet = existante or PrestationFoyer(foyer=foyer, saisi_par=agent)
    for champ, valeur in {
        "prestation": prestation,
        "statut": statut,
        "source": source,
        "beneficiaire": beneficiaire,
        "date_demande": date_demande,
        "date_debut": date_debut,
        "date_fin": date_fin,
        "montant_mensuel": montant_mensuel,
        "note": note.strip(),
    }.items():
        setattr(objet, champ, valeur)
    objet.full_clean()
    objet.save()
    marquer_faits_modifies(foyers=[foyer])
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION if existante else ActionJournal.CREATION,
        objet=objet,
        details={"foyer": foyer.pk, "prestation": prestation.code, "statut": statut},
    )
    if suivre_signalement:
        _faire_suivre_le_signalement(agent=agent, prestation_foyer=objet)
    return objet


#: Ce que devient le signalement ouvert d'une prestation enregistrée au dossier du foyer.
ETAT_SELON_LA_PRESTATION = {
    StatutPrestation.A_INSTRUIRE: EtatSignalement.DEMANDE_DEPOSEE,
    StatutPrestation.DEMANDEE: EtatSignalement.DEMANDE_DEPOSEE,
    StatutPrestation.ACCORDEE: EtatSignalement.DROIT_OUVERT,
    StatutPrestation.PERCUE: EtatSignalement.DROIT_OUVERT,
}


def _faire_suivre_le_signalement(*, agent, prestation_foyer: PrestationFoyer) -> None:
    """Le signalement ouvert du foyer pour cette prestation avance avec elle (jamais ne
    recule : une demande enregistrée après une demande déposée ne change rien)."""
    etat = ETAT_SELON_LA_PRESTATION.get(prestation_foyer.statut)
    if etat is None:
        return
    signalement = (
        Signalement.objects.select_for_update()
        .filter(
            foyer_id=prestation_foyer.foyer_id,
            prestation_id=prestation_foyer.prestation_id,
            etat__in=ETATS_OUVERTS,
        )
        .first()
    )
    if signalement is None:
        return
    if signalement.etat == etat:
        if signalement.prestation_foyer_id is None:
            signalement.prestation_foyer = prestation_foyer
            signalement.save(update_fields=["prestation_foyer", "modifie_le"])
        return
    statut = StatutPrestation(prestation_foyer.statut).label.lower()
    _avancer_signalement(
        agent=agent,
        signalement=signalement,
        etat=etat,
        commentaire=f"Prestation enregistrée au dossier du foyer ({statut}).",
        prestation_foyer=prestation_foyer,
    )


def _avancer_signalement(
    *,
    agent,
    signalement: Signalement,
    etat: str,
    commentaire: str = "",
    venue_d_elle_meme: bool = False,
    prestation_foyer: PrestationFoyer | None = None,
) -> None:
    """Écrit le changement d'état : l'état, la ligne d'historique, le journal."""
    ancien = signalement.etat
    signalement.etat = etat
    champs = ["etat", "modifie_le"]
    if prestation_foyer is not None:
        signalement.prestation_foyer = prestation_foyer
        champs.append("prestation_foyer")
    signalement.save(update_fields=champs)
    ChangementSignalement.objects.create(
        signalement=signalement,
        ancien=ancien,
        nouveau=etat,
        agent=agent,
        commentaire=commentaire.strip(),
        venue_d_elle_meme=venue_d_elle_meme,
    )
    details = {"etat": [ancien, etat]}
    if venue_d_elle_meme:
        details["venue_d_elle_meme"] = True
    if prestation_foyer is not None:
        details["prestation_foyer"] = prestation_foyer.pk
    journaliser(agent=agent, action=ActionJournal.MODIFICATION, objet=signalement, details=details)


def demandeur_du_foyer(foyer):
    """La personne qui demande au nom du foyer aujourd'hui (None s'il n'y en a pas)."""
    membre = (
        MembreFoyer.objects.filter(foyer=foyer, role=RoleMembre.DEMANDEUR, date_fin__isnull=True)
        .select_related("habitant")
        .first()
    )
    return membre.habitant if membre else None


def refus_de_contact(demandeur) -> str:
    """Pourquoi « contacté » est refusé (chaîne vide : la personne a accepté d'être
    contactée). Le consentement est celui que l'accueil a recueilli auprès du demandeur."""
    suite = (
        " : « personne contactée » est refusé, sauf si la personne est venue d'elle-même "
        "(cochez « la personne est venue d'elle-même »)."
    )
    if demandeur is None:
        return "Ce foyer n'a pas de demandeur dont l'accord pour être contacté soit connu" + suite
    if demandeur.consentement == EtatConsentement.ACCEPTE:
        return ""
    if demandeur.consentement == EtatConsentement.REFUSE:
        return (
            f"{demandeur} a refusé d'être contacté(e) au sujet de droits repérés "
            f"(réponse du {demandeur.date_consentement:%d/%m/%Y})" + suite
        )
    return (
        f"L'accord {de(str(demandeur))} pour être contacté(e) n'a pas été recueilli à l'accueil"
        + suite
    )


@transaction.atomic
def changer_etat_signalement(
    *,
    agent,
    signalement: Signalement,
    etat: str,
    commentaire: str = "",
    venue_d_elle_meme: bool = False,
    montant_accorde: Decimal | None = None,
    date_debut: date | None = None,
    source: str = SourcePrestation.DECLARATION,
) -> Signalement:
    """Fait avancer un signalement (travailleur social du site du foyer) ; qui et quand sont
    gardés. Un signalement clos ne change plus : un nouveau naîtra si les faits changent.

    - « personne contactée » exige l'accord du demandeur pour être contacté (recueilli à
      l'accueil), sauf si la personne est venue d'elle-même (noté sur le changement) ;
    - « demande déposée » enregistre la prestation comme demandée au dossier du foyer ;
    - « droit ouvert » exige le montant mensuel accordé et la date de début, et enregistre la
      prestation comme perçue (la demande enregistrée, s'il y en a une, devient perçue).
    """
    signalement = (
        Signalement.objects.select_for_update()
        .select_related("foyer", "prestation")
        .get(pk=signalement.pk)
    )
    _verifier_foyer(agent, signalement.foyer)
    if etat not in EtatSignalement.values:
        raise ValidationError({"etat": f"État inconnu : {etat!r}."})
    if not signalement.ouvert:
        raise ValidationError("Ce signalement est clos : il ne change plus.")
    if etat == signalement.etat:
        raise ValidationError({"etat": "Le signalement est déjà dans cet état."})
    if etat == EtatSignalement.CONTACTE and not venue_d_elle_meme:
        refus = refus_de_contact(demandeur_du_foyer(signalement.foyer))
        if refus:
            raise ValidationError({"etat": refus})
    prestation_foyer = None
    if etat == EtatSignalement.DROIT_OUVERT:
        erreurs = {}
        if montant_accorde is None:
            erreurs["montant_accorde"] = "Indiquez le montant mensuel accordé."
        elif montant_accorde < 0:
            erreurs["montant_accorde"] = "Le montant ne peut pas être négatif."
        if date_debut is None:
            erreurs["date_debut"] = "Indiquez depuis quand le droit est versé."
        if erreurs:
            raise ValidationError(erreurs)
        demande = _demande_en_cours(signalement)
        prestation_foyer = enregistrer_prestation(
            suivre_signalement=False,
            agent=agent,
            foyer=signalement.foyer,
            prestation=signalement.prestation,
            statut=StatutPrestation.PERCUE,
            source=source,
            beneficiaire=demande.beneficiaire if demande else None,
            date_demande=demande.date_demande if demande else None,
            date_debut=date_debut,
            montant_mensuel=montant_accorde,
            note="Droit ouvert (signalement de non-recours).",
            existante=demande,
        )
    elif etat == EtatSignalement.DEMANDE_DEPOSEE:
        prestation_foyer = _demande_en_cours(signalement) or enregistrer_prestation(
            suivre_signalement=False,
            agent=agent,
            foyer=signalement.foyer,
            prestation=signalement.prestation,
            statut=StatutPrestation.DEMANDEE,
            source=source,
            date_demande=timezone.localdate(),
            note="Demande déposée (signalement de non-recours).",
        )
    _avancer_signalement(
        agent=agent,
        signalement=signalement,
        etat=etat,
        commentaire=commentaire,
        venue_d_elle_meme=venue_d_elle_meme and etat == EtatSignalement.CONTACTE,
        prestation_foyer=prestation_foyer,
    )
    return signalement


def _demande_en_cours(signalement: Signalement) -> PrestationFoyer | None:
    """La prestation du foyer déjà enregistrée pour ce signalement, ou à défaut sa demande
    en cours au dossier (à instruire, demandée, accordée)."""
    if signalement.prestation_foyer_id:
        return signalement.prestation_foyer
    return (
        PrestationFoyer.objects.filter(
            foyer_id=signalement.foyer_id,
            prestation_id=signalement.prestation_id,
            statut__in=STATUTS_EN_COURS,
        )
        .order_by("-cree_le", "-pk")
        .first()
    )


@transaction.atomic
def attribuer_signalement(*, agent, signalement: Signalement, attribue_a) -> Signalement:
    """Attribue le signalement à un travailleur social du site du foyer (None : revient au
    référent du foyer, par défaut)."""
    signalement = (
        Signalement.objects.select_for_update().select_related("foyer").get(pk=signalement.pk)
    )
    _verifier_foyer(agent, signalement.foyer)
    if attribue_a is not None and (
        not perms.peut_accompagner(attribue_a)
        or signalement.foyer.site_id not in attribue_a.ids_sites
    ):
        raise ValidationError(
            {"attribue_a": "Choisissez un travailleur social du site de ce foyer."}
        )
    ancien = signalement.attribue_a_id
    nouveau = attribue_a.pk if attribue_a is not None else None
    if ancien == nouveau:
        raise ValidationError({"attribue_a": "Le signalement est déjà attribué ainsi."})
    signalement.attribue_a = attribue_a
    signalement.save(update_fields=["attribue_a", "modifie_le"])
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=signalement,
        details={"attribue_a": [ancien, nouveau]},
    )
    return signalement


NOM_TACHE_NOCTURNE = "Détection nocturne du non-recours"


def planifier_detection_nocturne() -> bool:
    """La tâche périodique de nuit (2 h 30, heure de Paris), créée si elle manque ; ensuite
    un administrateur la règle (horaire, périmètre, activation) dans l'administration."""
    return planifier_tache_nocturne(
        nom=NOM_TACHE_NOCTURNE,
        tache="droits.tasks.detection_nocturne",
        heure=2,
        minute=30,
        kwargs='{"perimetre": "modifies"}',
        description="Resimule les foyers dont les faits ont changé et met à jour les signalements.",
    )


NOM_SURVEILLANCE = "Détection : relance des lots perdus"


def planifier_surveillance_detection() -> bool:
    """La surveillance des exécutions sans activité (chaque minute, ADR 0021), créée si elle
    manque ; un administrateur peut ensuite la régler dans l'administration. Vrai si créée."""
    if PeriodicTask.objects.filter(name=NOM_SURVEILLANCE).exists():
        return False
    chaque_minute, _ = IntervalSchedule.objects.get_or_create(
        every=60, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(
        name=NOM_SURVEILLANCE,
        task="droits.tasks.relancer_detections_bloquees",
        interval=chaque_minute,
        description=(
            "Renvoie aux workers les lots d'une exécution restée sans activité (messages perdus "
            "par le broker) ; à bout de relances, marque l'exécution échouée."
        ),
    )
    return True
