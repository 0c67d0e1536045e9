from django.db import models


class Role(models.TextChoices):
    ACCUEIL = "accueil", "Agent d'accueil"
    TRAVAILLEUR_SOCIAL = "travailleur_social", "Travailleur social"
    RESPONSABLE = "responsable", "Responsable"
    FINANCES = "finances", "Agent des finances"
    ADMIN = "admin", "Administrateur"


class TypeSite(models.TextChoices):
    MAISON_DES_HABITANTS = "maison_des_habitants", "Maison des Habitants"
    SERVICE_CENTRAL = "service_central", "Service central"


class ActionJournal(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    CREATION = "creation", "Création"
    MODIFICATION = "modification", "Modification"
    EXPORT = "export", "Export"
    PURGE = "purge", "Purge"
