"""Liste les paires d'interventions qu'une case à cocher a pu enregistrer à moitié (lecture
seule : rien n'est modifié). Voir docs/adr/0011-formulaires-d-ecriture.md."""

from django.core.management.base import BaseCommand

from accompagnement.selectors import interventions_suspectes
from ccas_portal.formats import compte


class Command(BaseCommand):
    help = (
        "Liste les paires d'interventions suspectes : même accompagnement, même auteur, "
        "la seconde moins de N minutes après une première sans compte rendu. Ne modifie rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=15, help="écart maximal (15)")

    def handle(self, *args, minutes, **options):
        n = 0
        for premiere, seconde in interventions_suspectes(minutes=minutes):
            n += 1
            self.stdout.write(
                f"Accompagnement {premiere.accompagnement_id} — {premiere.auteur} : "
                f"intervention {premiere.pk} ({premiere.type}, saisie le "
                f"{premiere.cree_le:%d/%m/%Y %H:%M}, sans compte rendu) puis intervention "
                f"{seconde.pk} ({seconde.type}, {seconde.cree_le:%H:%M})"
            )
        self.stdout.write(
            compte(
                n,
                "paire à vérifier avec son auteur",
                "paires à vérifier avec leur auteur",
                zero="Aucune paire suspecte.",
            )
        )
