"""Les états et listes fermées de l'instruction des demandes (libellés français)."""

from django.db import models


class NatureDemande(models.TextChoices):
    FACULTATIVE = "facultative", "Aide facultative du CCAS"
    AIDE_SOCIALE_LEGALE = "aide_sociale_legale", "Aide sociale légale (dossier pour le Département)"
    LOGEMENT_SOCIAL = "logement_social", "Demande de logement social (accompagnement)"


class DispositifLegal(models.TextChoices):
    HEBERGEMENT = "ash", "Aide sociale à l'hébergement (ASH)"
    AIDE_MENAGERE = "aide_menagere", "Aide ménagère au titre de l'aide sociale"
    OBLIGATION_ALIMENTAIRE = "obligation_alimentaire", "Obligation alimentaire"
    PCH_APA = "apa", "Allocation personnalisée d'autonomie (APA)"


class EtatDemande(models.TextChoices):
    EN_INSTRUCTION = "en_instruction", "En instruction"
    PRETE = "prete", "Prête pour la commission"
    AJOURNEE = "ajournee", "Ajournée"
    ACCORDEE = "accordee", "Accordée"
    REFUSEE = "refusee", "Refusée"
    PAYEE = "payee", "Payée"
    TRANSMISE = "transmise", "Transmise au Département"
    CLOSE = "close", "Close"


class IssueLogement(models.TextChoices):
    """Comment se termine l'accompagnement d'une demande de logement social (état « close »)."""

    ATTRIBUE = "attribue", "Logement attribué (bail signé)"
    PROPOSITION_REFUSEE = "proposition_refusee", "Proposition de logement refusée par la personne"
    ATTRIBUTION_REFUSEE = (
        "attribution_refusee",
        "Attribution refusée par la commission d'attribution du bailleur",
    )
    RELOGE_AUTREMENT = "reloge_autrement", "Relogée autrement (parc privé, hébergement, famille)"
    ABANDON = "abandon", "Demande abandonnée ou non renouvelée"


#: Une demande dans l'un de ces états attend encore quelque chose du CCAS.
ETATS_A_INSTRUIRE = (EtatDemande.EN_INSTRUCTION, EtatDemande.PRETE, EtatDemande.AJOURNEE)


class ModePaiement(models.TextChoices):
    PERSONNE = "personne", "Versement à la personne"
    CREANCIER = "creancier", "Versement à un créancier (bailleur, fournisseur d'énergie…)"
    BONS = "bons", "Bons alimentaires"


class SensDecision(models.TextChoices):
    ACCORDEE = "accordee", "Accordée"
    AJOURNEE = "ajournee", "Ajournée"
    REFUSEE = "refusee", "Refusée"
