from ccas_portal.management.base import CommandeEcriture
from ccas_portal.referentiels import sites_de_reference
from ccas_portal.services import enregistrer_site
from droits.services import synchroniser_axes


class Command(CommandeEcriture):
    help = "Charge ou met à jour les référentiels : axes de droits et sites du CCAS."

    def executer(self, **options):
        axes = synchroniser_axes()
        self.stdout.write(
            f"Axes : {axes['crees']} créés, {axes['mis_a_jour']} mis à jour, "
            f"{axes['desactives']} désactivés."
        )
        crees = sum(enregistrer_site(**site)[1] for site in sites_de_reference())
        total = len(sites_de_reference())
        self.stdout.write(f"Sites : {crees} créés, {total - crees} mis à jour.")
