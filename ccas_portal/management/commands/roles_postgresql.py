from django.core.management.base import BaseCommand, CommandError

from ccas_portal.roles_base import sql_roles


class Command(BaseCommand):
    help = (
        "Écrit le SQL (idempotent) qui crée le rôle propriétaire et le rôle du portail et pose "
        "leurs droits sur la base ; à passer par un superutilisateur connecté à cette base : "
        "manage.py roles_postgresql --base ccas | psql -d ccas. Rien n'est exécuté ici."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base", required=True, help="nom de la base (déjà créée)")
        parser.add_argument("--proprietaire", default="ccas_proprietaire")
        parser.add_argument("--portail", default="ccas_portail")

    def handle(self, *args, base, proprietaire, portail, **options):
        try:
            instructions = sql_roles(proprietaire=proprietaire, portail=portail, base=base)
        except ValueError as erreur:
            raise CommandError(str(erreur)) from erreur
        self.stdout.write("\n".join(instructions))
