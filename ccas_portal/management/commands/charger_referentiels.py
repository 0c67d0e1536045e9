from accompagnement.services import synchroniser_partenaires
from ccas_portal.management.base import CommandeEcriture
from ccas_portal.referentiels import sites_de_reference
from ccas_portal.services import enregistrer_site
from droits.services import synchroniser_axes
from habitants.services import synchroniser_motifs


class Command(CommandeEcriture):
    help = "Charge ou met à jour les référentiels : axes, motifs d'accueil et sites du CCAS."

    def executer(self, **options):
        axes = synchroniser_axes()
        self.stdout.write(
            f"Axes : {axes['crees']} créés, {axes['mis_a_jour']} mis à jour, "
            f"{axes['desactives']} désactivés."
        )
        motifs = synchroniser_motifs()
        self.stdout.write(
            f"Motifs d'accueil : {motifs['crees']} créés, {motifs['mis_a_jour']} mis à jour."
        )
        partenaires = synchroniser_partenaires()
        self.stdout.write(
            f"Partenaires : {partenaires['crees']} créés, {partenaires['mis_a_jour']} mis à jour."
        )
        crees = sum(enregistrer_site(**site)[1] for site in sites_de_reference())
        total = len(sites_de_reference())
        self.stdout.write(f"Sites : {crees} créés, {total - crees} mis à jour.")
