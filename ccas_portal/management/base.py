from django.core.management.base import BaseCommand
from django.db import transaction


class _AnnulationSimulation(Exception):
    pass


class CommandeEcriture(BaseCommand):
    """Commande qui modifie des données : à blanc par défaut, écrit seulement avec --wet-run.

    À blanc, tout le travail est fait dans une transaction annulée à la fin : ce qui est
    affiché est exactement ce qui serait écrit.
    """

    def add_arguments(self, parser):
        parser.add_argument(
            "--wet-run",
            action="store_true",
            help="Écrire vraiment en base (sinon : simulation, rien n'est enregistré).",
        )

    def handle(self, *args, wet_run=False, **options):
        try:
            with transaction.atomic():
                self.executer(**options)
                if not wet_run:
                    raise _AnnulationSimulation
        except _AnnulationSimulation:
            self.stdout.write(
                self.style.WARNING("Simulation : rien n'a été enregistré (ajoutez --wet-run).")
            )
        else:
            self.stdout.write(self.style.SUCCESS("Enregistré."))

    def executer(self, **options):
        raise NotImplementedError
