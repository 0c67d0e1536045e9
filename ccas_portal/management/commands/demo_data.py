from django.conf import settings
from django.core.management.base import CommandError

from ccas_portal.demo import MOT_DE_PASSE_DEMO, creer_comptes_demo
from ccas_portal.management.base import CommandeEcriture


class Command(CommandeEcriture):
    help = (
        "Crée les données de démonstration (un agent par rôle). Refuse de tourner hors mode "
        "développement (DEBUG désactivé), pour ne jamais créer de comptes connus en production."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Données de démonstration refusées : DEBUG est désactivé (réglages de "
                "production). Elles ne servent qu'en développement ou en démonstration."
            )
        return super().handle(*args, **options)

    def executer(self, **options):
        for agent, cree in creer_comptes_demo():
            etat = "créé" if cree else "remis à jour"
            self.stdout.write(f"  {agent.username:<12} {agent.get_role_display():<20} ({etat})")
        self.stdout.write(f"Mot de passe de chaque compte : {MOT_DE_PASSE_DEMO}")
