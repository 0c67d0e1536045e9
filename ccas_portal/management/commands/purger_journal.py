from datetime import timedelta

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError
from django.utils import timezone

from ccas_portal.enums import ActionJournal
from ccas_portal.formats import accord, compte
from ccas_portal.journal import journaliser
from ccas_portal.management.base import CommandeEcriture
from ccas_portal.models import EntreeJournal
from ccas_portal.roles_base import en_proprietaire

MINIMUM_JOURS = 183  # 6 mois : la base refuse de supprimer plus récent


class Command(CommandeEcriture):
    help = (
        "Supprime les entrées du journal des accès plus anciennes que la durée de conservation "
        "(JOURNAL_CONSERVATION_JOURS, 365 par défaut, 183 au moins). À blanc sans --wet-run. "
        "Sous PostgreSQL à deux rôles, seul le propriétaire peut supprimer : donner "
        "DATABASE_MIGRATION_URL (ADR 0022)."
    )

    def handle(self, *args, **options):
        try:
            with en_proprietaire():
                return super().handle(*args, **options)
        except DatabaseError as erreur:
            raise CommandError(
                "La base refuse la purge du journal : seul le rôle propriétaire peut en "
                "supprimer des entrées (donnez DATABASE_MIGRATION_URL). Détail : "
                f"{str(erreur).strip()}"
            ) from erreur

    def executer(self, **options):
        jours = settings.JOURNAL_CONSERVATION_JOURS
        if jours < MINIMUM_JOURS:
            raise CommandError(
                f"Conservation de {jours} jours : le référentiel CNIL demande au moins 6 mois "
                f"({MINIMUM_JOURS} jours)."
            )
        limite = timezone.now() - timedelta(days=jours)
        nombre, _ = EntreeJournal.objects.filter(horodatage__lt=limite).delete()
        journaliser(
            agent=None,
            action=ActionJournal.PURGE,
            objet_type="ccas_portal.entreejournal",
            details={"avant": limite.isoformat(), "supprimees": nombre},
        )
        entrees = compte(
            nombre, "entrée antérieure", "entrées antérieures", zero="Aucune entrée antérieure"
        )
        supprimee = accord(nombre, "supprimée")
        self.stdout.write(f"{entrees} au {limite:%d/%m/%Y} {supprimee}.")
