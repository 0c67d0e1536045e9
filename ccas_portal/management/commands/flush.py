"""`flush` de Django, passé au rôle propriétaire quand DATABASE_MIGRATION_URL est donné.

Vider les tables (TRUNCATE), journal des accès compris, est réservé au propriétaire (ADR 0022) :
c'est ce que font les tests transactionnels entre deux tests, dans la passe PostgreSQL de la CI
où la suite entière tourne avec le rôle du portail.
"""

from django.core.management.commands.flush import Command as FlushDjango

from ccas_portal.roles_base import en_proprietaire


class Command(FlushDjango):
    def handle(self, **options):
        with en_proprietaire(options["database"]):
            return super().handle(**options)
