from ccas_portal.management.base import CommandeEcriture
from habitants.conservation import purger


class Command(CommandeEcriture):
    help = (
        "Anonymise les personnes sans contact depuis CONSERVATION_MOIS_SANS_CONTACT mois (24 par "
        "défaut) dont rien ne tient le dossier ouvert. À blanc sans --wet-run : dit ce qui "
        "serait fait."
    )

    def executer(self, **options):
        # À blanc aussi, l'anonymisation est faite puis annulée (CommandeEcriture) : le bilan
        # affiché est exactement ce qui serait écrit.
        for ligne in purger().lignes():
            self.stdout.write(ligne)
