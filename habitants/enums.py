from django.db import models


class Sexe(models.TextChoices):
    FEMME = "F", "Femme"
    HOMME = "M", "Homme"
    NON_RENSEIGNE = "", "Non renseigné"


class EtatConsentement(models.TextChoices):
    """L'accord de la personne pour être contactée au sujet de droits repérés : trois états
    distincts, les deux réponses datées (`Habitant.date_consentement`)."""

    NON_DEMANDE = "non_demande", "Non demandé"
    REFUSE = "refuse", "Refusé"
    ACCEPTE = "accepte", "Accepté"


class RoleMembre(models.TextChoices):
    DEMANDEUR = "demandeur", "Demandeur"
    CONJOINT = "conjoint", "Conjoint"
    ENFANT = "enfant", "Enfant"
    AUTRE_ADULTE = "autre_adulte", "Autre adulte"


class StatutOccupation(models.TextChoices):
    LOCATAIRE_SOCIAL = "locataire_parc_social", "Locataire du parc social"
    LOCATAIRE_PRIVE = "locataire_parc_prive", "Locataire du parc privé"
    PROPRIETAIRE = "proprietaire", "Propriétaire"
    HEBERGE = "heberge", "Hébergé par un tiers"
    HEBERGEMENT_URGENCE = "hebergement_urgence", "Hébergement d'urgence"
    SANS_DOMICILE = "sans_domicile", "Sans domicile"
    FOYER_RESIDENCE = "foyer_residence", "Foyer ou résidence sociale"
    AUTRE = "autre", "Autre"


class TypeBailleur(models.TextChoices):
    SOCIAL = "social", "Bailleur social"
    PRIVE = "prive", "Bailleur privé"
    AUCUN = "", "Sans objet"


class TypeRessource(models.TextChoices):
    SALAIRE_NET = "salaire_net", "Salaire net"
    RETRAITE = "retraite", "Retraite"
    CHOMAGE = "chomage", "Allocation chômage"
    PENSION_INVALIDITE = "pension_invalidite", "Pension d'invalidité"
    PENSION_ALIMENTAIRE = "pension_alimentaire_recue", "Pension alimentaire reçue"
    INDEPENDANT = "revenus_independant", "Revenus d'activité indépendante"
    INDEMNITES_JOURNALIERES = "indemnites_journalieres", "Indemnités journalières maladie"
    AUTRE = "autre", "Autres ressources"


class ModePassage(models.TextChoices):
    PHYSIQUE = "physique", "Sur place"
    TELEPHONE = "telephone", "Téléphone"
    COURRIEL = "courriel", "Courriel"


class ReponsePassage(models.TextChoices):
    INFORMATION = "information", "Information donnée"
    DOCUMENT = "remise_document", "Remise de document"
    RENDEZ_VOUS = "prise_rdv", "Prise de rendez-vous"
    ORIENTATION_TS = "orientation_ts", "Orientation vers un travailleur social du CCAS"
    ORIENTATION_PARTENAIRE = "orientation_partenaire", "Orientation vers un partenaire"


class StatutMarital(models.TextChoices):
    NON_RENSEIGNE = "", "Non renseigné"
    MARIE = "marie", "Marié(e)"
    PACSE = "pacse", "Pacsé(e)"
    CONCUBINAGE = "concubinage", "En concubinage (vie maritale)"
    CELIBATAIRE = "celibataire", "Célibataire"
    DIVORCE = "divorce", "Divorcé(e) ou séparé(e)"
    VEUF = "veuf", "Veuf ou veuve"


class Activite(models.TextChoices):
    NON_RENSEIGNE = "", "Non renseignée"
    SALARIE = "salarie", "En emploi"
    DEMANDEUR_EMPLOI = "demandeur_emploi", "Demandeur d'emploi"
    ETUDIANT = "etudiant", "Étudiant(e)"
    RETRAITE = "retraite", "Retraité(e)"
    INVALIDE = "invalide", "En invalidité"
    INACTIF = "inactif", "Sans activité"
    ENFANT = "enfant", "Enfant"
