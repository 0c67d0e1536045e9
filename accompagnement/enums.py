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
