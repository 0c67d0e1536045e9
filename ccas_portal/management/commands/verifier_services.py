from django.core.management.base import BaseCommand, CommandError

from ccas_portal.services_techniques import aller_retour_tache, verifier_base, workers_en_ligne


class Command(BaseCommand):
    help = "Vérifie la base, le broker et qu'un worker Celery exécute bien une tâche."

    def add_arguments(self, parser):
        parser.add_argument("--delai", type=float, default=20.0, help="secondes d'attente")

    def handle(self, *args, delai, **options):
        self.stdout.write(f"Base de données : {verifier_base()} joignable.")
        try:
            reponse = aller_retour_tache(delai=delai)
        except Exception as exc:
            raise CommandError(
                f"Aucun worker Celery n'a exécuté la tâche de diagnostic en {delai:g} s : {exc}"
            ) from exc
        self.stdout.write(f"Tâche de diagnostic exécutée par {reponse['worker']}.")
        etat = workers_en_ligne()
        self.stdout.write(f"Workers en ligne : {', '.join(etat.noms) or 'aucun'}.")
