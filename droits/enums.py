from django.db import models


class NaturePrestation(models.TextChoices):
    LEGALE = "legale", "Prestation légale (estimée par OpenFisca)"
    FACULTATIVE = "facultative", "Aide facultative du CCAS"


class FormePrestation(models.TextChoices):
    """Ce qu'un droit apporte au foyer : de l'argent chaque mois, ou une couverture (la
    complémentaire santé solidaire) dont le foyer paie parfois une participation."""

    VERSEMENT = "versement", "Versement mensuel"
    COUVERTURE = "couverture", "Couverture (avec sa participation éventuelle)"


class StatutPrestation(models.TextChoices):
    A_INSTRUIRE = "a_instruire", "À instruire"
    DEMANDEE = "demandee", "Demandée"
    ACCORDEE = "accordee", "Accordée"
    REFUSEE = "refusee", "Refusée"
    PERCUE = "percue", "Perçue"
    INTERROMPUE = "interrompue", "Interrompue"


#: Une prestation dans l'un de ces statuts est « demandée ou perçue » : pas de signalement.
STATUTS_EN_COURS = (
    StatutPrestation.A_INSTRUIRE,
    StatutPrestation.DEMANDEE,
    StatutPrestation.ACCORDEE,
    StatutPrestation.PERCUE,
)


class SourcePrestation(models.TextChoices):
    DECLARATION = "declaration", "Déclaration de la personne"
    JUSTIFICATIF = "justificatif", "Justificatif"
    ORGANISME = "organisme", "Organisme payeur"


class EtatSignalement(models.TextChoices):
    NOUVEAU = "nouveau", "Nouveau"
    A_TRAITER = "a_traiter", "À traiter"
    CONTACTE = "contacte", "Personne contactée"
    DEMANDE_DEPOSEE = "demande_deposee", "Demande déposée"
    DROIT_OUVERT = "droit_ouvert", "Droit ouvert"
    NON_ELIGIBLE = "non_eligible", "Non éligible"
    REFUS = "refus_personne", "Refus de la personne"


ETATS_OUVERTS = (
    EtatSignalement.NOUVEAU,
    EtatSignalement.A_TRAITER,
    EtatSignalement.CONTACTE,
    EtatSignalement.DEMANDE_DEPOSEE,
)


class PerimetreDetection(models.TextChoices):
    TOUS = "tous", "Tous les foyers"
    SITE = "site", "Un site"
    FOYER = "foyer", "Un foyer"
    MODIFIES = "modifies", "Foyers modifiés depuis leur dernière simulation"


class StatutExecution(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    TERMINEE = "terminee", "Terminée"
    ECHOUEE = "echouee", "Échouée"


class TypePiece(models.TextChoices):
    """La nature d'une pièce jointe au dossier du foyer ou à une demande."""

    JUSTIFICATIF_RESSOURCES = "justificatif_ressources", "Justificatif de ressources"
    QUITTANCE_LOYER = "quittance_loyer", "Quittance de loyer"
    AVIS_IMPOSITION = "avis_imposition", "Avis d'imposition"
    FACTURE_ENERGIE = "facture_energie", "Facture d'énergie"
    PIECE_IDENTITE = "piece_identite", "Pièce d'identité"
    TITRE_SEJOUR = "titre_sejour", "Titre de séjour"
    ATTESTATION_DROITS = "attestation_droits", "Attestation de droits (CAF, CPAM, retraite…)"
    RIB = "rib", "Relevé d'identité bancaire"
    COURRIER = "courrier", "Courrier"
    AUTRE = "autre", "Autre"
