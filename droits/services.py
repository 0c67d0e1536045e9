from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.enums import ActionJournal
from ccas_portal.journal import journaliser
from ccas_portal.validation import EVENEMENT, FIN_DE_DROIT, verifier_date
from droits.axes import AXES
from droits.enums import EtatSignalement, NaturePrestation, StatutPrestation
from droits.models import (
    Axe,
    ChangementSignalement,
    Prestation,
    PrestationFoyer,
    Signalement,
)
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
) -> PrestationFoyer:
    """Crée (ou met à jour, `existante`) une prestation demandée ou perçue par le foyer."""
    _verifier_foyer(agent, foyer)
    if existante is not None and existante.foyer_id != foyer.pk:
        raise PermissionDenied("Cette prestation n'est pas celle de ce foyer.")
    if not prestation.actif and (existante is None or existante.prestation_id != prestation.pk):
        raise ValidationError({"prestation": "Cette prestation n'est plus au catalogue."})
    aujourd_hui = timezone.localdate()
    verifier_date(date_demande, EVENEMENT, champ="date_demande")
    verifier_date(date_debut, EVENEMENT, champ="date_debut")
    verifier_date(date_fin, FIN_DE_DROIT, champ="date_fin")
    if date_demande and date_demande > aujourd_hui:
        raise ValidationError({"date_demande": "La date de demande est dans le futur."})
    if beneficiaire is not None and not foyer.membres.filter(habitant=beneficiaire).exists():
        raise ValidationError({"beneficiaire": "Le bénéficiaire n'est pas du foyer."})
    if statut in (StatutPrestation.ACCORDEE, StatutPrestation.PERCUE) and not date_debut:
        raise ValidationError({"date_debut": "Indiquez depuis quand la prestation est versée."})
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
    if objet.date_fin and objet.date_debut and objet.date_fin < objet.date_debut:
        raise ValidationError({"date_fin": "La fin précède le début du versement."})
    if montant_mensuel is not None and montant_mensuel < 0:
        raise ValidationError({"montant_mensuel": "Le montant ne peut pas être négatif."})
    objet.full_clean()
    objet.save()
    marquer_faits_modifies(foyers=[foyer])
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION if existante else ActionJournal.CREATION,
        objet=objet,
        details={"foyer": foyer.pk, "prestation": prestation.code, "statut": statut},
    )
    return objet


@transaction.atomic
def changer_etat_signalement(
    *, agent, signalement: Signalement, etat: str, commentaire: str = ""
) -> Signalement:
    """Fait avancer un signalement (travailleur social du site du foyer) ; qui et quand sont
    gardés. Un signalement clos ne change plus : un nouveau naîtra si les faits changent."""
    signalement = (
        Signalement.objects.select_for_update().select_related("foyer").get(pk=signalement.pk)
    )
    _verifier_foyer(agent, signalement.foyer)
    if etat not in EtatSignalement.values:
        raise ValidationError({"etat": f"État inconnu : {etat!r}."})
    if not signalement.ouvert:
        raise ValidationError("Ce signalement est clos : il ne change plus.")
    if etat == signalement.etat:
        raise ValidationError({"etat": "Le signalement est déjà dans cet état."})
    ancien = signalement.etat
    signalement.etat = etat
    signalement.save(update_fields=["etat", "modifie_le"])
    ChangementSignalement.objects.create(
        signalement=signalement,
        ancien=ancien,
        nouveau=etat,
        agent=agent,
        commentaire=commentaire.strip(),
    )
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=signalement,
        details={"etat": [ancien, etat]},
    )
    return signalement


NOM_TACHE_NOCTURNE = "Détection nocturne du non-recours"


def planifier_detection_nocturne() -> bool:
    """La tâche périodique de nuit (2 h 30, heure de Paris), créée si elle manque ; ensuite
    un administrateur la règle (horaire, périmètre, activation) dans l'administration."""
    from ccas_portal.services import planifier_tache_nocturne

    return planifier_tache_nocturne(
        nom=NOM_TACHE_NOCTURNE,
        tache="droits.tasks.detection_nocturne",
        heure=2,
        minute=30,
        kwargs='{"perimetre": "modifies"}',
        description="Resimule les foyers dont les faits ont changé et met à jour les signalements.",
    )
