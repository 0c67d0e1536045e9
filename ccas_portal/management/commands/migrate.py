"""`migrate` de Django, passé au rôle propriétaire quand DATABASE_MIGRATION_URL est donné.

Les processus du portail se connectent avec un rôle qui ne peut ni créer ni modifier de table
(ADR 0022) : les migrations se font avec le rôle propriétaire.
"""

from django.core.management.commands.migrate import Command as MigrateDjango

from ccas_portal.roles_base import passer_en_proprietaire


class Command(MigrateDjango):
    def handle(self, *args, **options):
        if passer_en_proprietaire(options["database"]):
            self.stdout.write("Migrations avec le rôle propriétaire (DATABASE_MIGRATION_URL).")
        return super().handle(*args, **options)
