from accompagnement.services import synchroniser_partenaires
from ccas_portal.management.base import CommandeEcriture
from ccas_portal.referentiels import sites_de_reference
from ccas_portal.services import enregistrer_site, planifier_precalcul_tableaux
from droits.services import (
    planifier_detection_nocturne,
    synchroniser_axes,
    synchroniser_prestations,
)
from habitants.services import synchroniser_motifs


class Command(CommandeEcriture):
    help = "Charge ou met à jour les référentiels : axes, prestations, motifs d'accueil, partenaires et sites du CCAS."

    def executer(self, **options):
        axes = synchroniser_axes()
        self.stdout.write(
            f"Axes : {axes['crees']} créés, {axes['mis_a_jour']} mis à jour, "
            f"{axes['desactives']} désactivés."
        )
        prestations = synchroniser_prestations()
        self.stdout.write(
            f"Prestations : {prestations['crees']} créées, {prestations['mis_a_jour']} mises à "
            f"jour, {prestations['desactivees']} désactivées."
        )
        motifs = synchroniser_motifs()
        self.stdout.write(
            f"Motifs d'accueil : {motifs['crees']} créés, {motifs['mis_a_jour']} mis à jour."
        )
        partenaires = synchroniser_partenaires()
        self.stdout.write(
            f"Partenaires : {partenaires['crees']} créés, {partenaires['mis_a_jour']} mis à jour."
        )
        if planifier_detection_nocturne():
            self.stdout.write("Détection nocturne du non-recours planifiée (2 h 30).")
        if planifier_precalcul_tableaux():
            self.stdout.write("Calcul nocturne des chiffres du tableau de bord planifié (4 h).")
        crees = sum(enregistrer_site(**site)[1] for site in sites_de_reference())
        total = len(sites_de_reference())
        self.stdout.write(f"Sites : {crees} créés, {total - crees} mis à jour.")
