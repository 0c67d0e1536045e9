from accompagnement.services import synchroniser_partenaires
from ccas_portal.acces_inhabituels import planifier_rapport_quotidien
from ccas_portal.formats import compte
from ccas_portal.management.base import CommandeEcriture
from ccas_portal.referentiels import sites_de_reference
from ccas_portal.services import (
    enregistrer_site,
    planifier_precalcul_tableaux,
    planifier_purge_des_personnes,
)
from droits.services import (
    planifier_detection_nocturne,
    planifier_surveillance_detection,
    synchroniser_axes,
    synchroniser_prestations,
)
from habitants.services import synchroniser_motifs

MIS_A_JOUR = ("mis à jour", "mis à jour")


class Command(CommandeEcriture):
    help = "Charge ou met à jour les référentiels : axes, prestations, motifs d'accueil, partenaires et sites du CCAS."

    def executer(self, **options):
        axes = synchroniser_axes()
        self.stdout.write(
            f"Axes : {compte(axes['crees'], 'créé')}, {compte(axes['mis_a_jour'], *MIS_A_JOUR)}, "
            f"{compte(axes['desactives'], 'désactivé')}."
        )
        prestations = synchroniser_prestations()
        self.stdout.write(
            f"Prestations : {compte(prestations['crees'], 'créée')}, "
            f"{compte(prestations['mis_a_jour'], 'mise à jour', 'mises à jour')}, "
            f"{compte(prestations['desactivees'], 'désactivée')}."
        )
        motifs = synchroniser_motifs()
        self.stdout.write(
            f"Motifs d'accueil : {compte(motifs['crees'], 'créé')}, "
            f"{compte(motifs['mis_a_jour'], *MIS_A_JOUR)}."
        )
        partenaires = synchroniser_partenaires()
        self.stdout.write(
            f"Partenaires : {compte(partenaires['crees'], 'créé')}, "
            f"{compte(partenaires['mis_a_jour'], *MIS_A_JOUR)}."
        )
        if planifier_detection_nocturne():
            self.stdout.write("Détection nocturne du non-recours planifiée (2 h 30).")
        if planifier_surveillance_detection():
            self.stdout.write("Surveillance des lots perdus de la détection planifiée (1 min).")
        if planifier_precalcul_tableaux():
            self.stdout.write("Calcul nocturne des chiffres du tableau de bord planifié (4 h).")
        if planifier_purge_des_personnes():
            self.stdout.write(
                "Anonymisation mensuelle des personnes sans contact planifiée (le 1er, 3 h 30)."
            )
        if planifier_rapport_quotidien():
            self.stdout.write("Rapport quotidien des accès inhabituels planifié (6 h).")
        crees = sum(enregistrer_site(**site)[1] for site in sites_de_reference())
        total = len(sites_de_reference())
        self.stdout.write(f"Sites : {compte(crees, 'créé')}, {compte(total - crees, *MIS_A_JOUR)}.")
