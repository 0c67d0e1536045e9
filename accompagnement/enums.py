from django.db import models


class StatutAccompagnement(models.TextChoices):
    OUVERT = "ouvert", "Ouvert"
    EN_COURS = "en_cours", "En cours"
    SUSPENDU = "suspendu", "Suspendu"
    CLOS = "clos", "Clos"


class MotifCloture(models.TextChoices):
    OBJECTIFS_ATTEINTS = "objectifs_atteints", "Objectifs atteints"
    ORIENTATION_PARTENAIRE = "orientation_partenaire", "Orientation vers un partenaire"
    DEMENAGEMENT = "demenagement", "Déménagement"
    SANS_NOUVELLES = "sans_nouvelles", "Sans nouvelles"
    REFUS = "refus_personne", "Refus de la personne"
    DECES = "deces", "Décès"
    AUTRE = "autre", "Autre"


#: Les transitions permises ; toute autre est refusée par le service.
TRANSITIONS = {
    StatutAccompagnement.OUVERT: {
        StatutAccompagnement.EN_COURS,
        StatutAccompagnement.SUSPENDU,
        StatutAccompagnement.CLOS,
    },
    StatutAccompagnement.EN_COURS: {StatutAccompagnement.SUSPENDU, StatutAccompagnement.CLOS},
    StatutAccompagnement.SUSPENDU: {StatutAccompagnement.EN_COURS, StatutAccompagnement.CLOS},
    StatutAccompagnement.CLOS: set(),
}


class StatutAction(models.TextChoices):
    A_FAIRE = "a_faire", "À faire"
    EN_COURS = "en_cours", "En cours"
    EN_ATTENTE = "en_attente", "En attente"
    REALISEE = "realisee", "Réalisée"
    ABANDON_PERSONNE = "abandon_personne", "Abandonnée par la personne"
    ABANDON_SERVICE = "abandon_service", "Abandonnée par le service"


class TypeIntervention(models.TextChoices):
    """Types communs à tous les axes ; chaque axe peut en déclarer d'autres (droits/axes/)."""

    ENTRETIEN = "entretien_bureau", "Entretien au bureau"
    VISITE_DOMICILE = "visite_domicile", "Visite à domicile"
    APPEL = "appel", "Appel téléphonique"
    COURRIER = "courrier", "Courrier ou courriel"
    DEMARCHE = "demarche_administrative", "Démarche administrative"
    ACCOMPAGNEMENT_PHYSIQUE = "accompagnement_physique", "Accompagnement physique"
    PERMANENCE_JURIDIQUE = "permanence_juridique", "Permanence juridique"


class StatutOrientation(models.TextChoices):
    ENVOYEE = "envoyee", "Envoyée"
    ACCEPTEE = "acceptee", "Acceptée"
    REFUSEE = "refusee", "Refusée"
    SANS_SUITE = "sans_suite", "Sans suite"


class TypeActionCollective(models.TextChoices):
    INITIATIVE = "initiative", "Initiative collective d'habitants"
    INSTANCE = "instance", "Instance de participation"
    ATELIER = "atelier", "Atelier collectif"
