import time

from django.conf import settings
from django.core.management.base import CommandError

from ccas_portal.demo import MOT_DE_PASSE_DEMO, creer_comptes_demo
from ccas_portal.management.base import CommandeEcriture
from habitants.demo import creer_passages, creer_population
from habitants.models import Foyer


class Command(CommandeEcriture):
    help = (
        "Crée les données de démonstration : un agent par rôle, une population de foyers et "
        "quelques semaines de passages. Mode volume : --foyers 100000. Refuse de tourner hors "
        "mode développement (DEBUG désactivé), pour ne jamais créer de comptes connus en "
        "production."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--foyers", type=int, default=300, help="foyers à créer (300)")
        parser.add_argument("--jours", type=int, default=15, help="jours ouvrés de passages")
        parser.add_argument(
            "--passages-par-jour",
            type=int,
            default=12,
            help="passages au plus par jour et par Maison des Habitants",
        )
        parser.add_argument("--graine", type=int, default=2015, help="graine du hasard")
        parser.add_argument(
            "--ajouter",
            action="store_true",
            help="ajouter une population même si des foyers existent déjà",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Données de démonstration refusées : DEBUG est désactivé (réglages de "
                "production). Elles ne servent qu'en développement ou en démonstration."
            )
        return super().handle(*args, **options)

    def executer(self, *, foyers, jours, passages_par_jour, graine, ajouter, **options):
        for agent, cree in creer_comptes_demo():
            etat = "créé" if cree else "remis à jour"
            self.stdout.write(f"  {agent.username:<12} {agent.get_role_display():<20} ({etat})")
        self.stdout.write(f"Mot de passe de chaque compte : {MOT_DE_PASSE_DEMO}")
        existants = Foyer.objects.count()
        if existants and not ajouter:
            self.stdout.write(f"Population déjà présente ({existants} foyers) : inchangée.")
            return
        debut = time.monotonic()
        bilan = creer_population(foyers=foyers, graine=graine, sortie=self._progres(foyers))
        passages = creer_passages(jours=jours, par_jour_et_site=passages_par_jour, graine=graine)
        self.stdout.write(
            f"Population : {bilan.foyers} foyers, {bilan.habitants} personnes, "
            f"{bilan.ressources} ressources, {passages} passages "
            f"en {time.monotonic() - debut:.1f} s."
        )

    def _progres(self, total):
        if total < 20000:
            return None
        return lambda ligne: self.stdout.write(ligne)
