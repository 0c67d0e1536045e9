import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db.models import Max

from accompagnement.demo import creer_accompagnements, creer_actions_collectives
from ccas_portal.demo import MOT_DE_PASSE_DEMO, creer_comptes_demo
from ccas_portal.management.base import CommandeEcriture
from droits.demo import creer_prestations
from droits.detection.execution import lancer_detection
from droits.instruction.demo import creer_demandes
from habitants.demo import creer_passages, creer_population
from habitants.models import Foyer


class Command(CommandeEcriture):
    help = (
        "Crée les données de démonstration : un agent par rôle, une population de foyers, "
        "quatorze mois de passages, des accompagnements (interventions, orientations) sur une "
        "part des foyers créés, des actions collectives avec leurs séances, et les prestations "
        "que la plupart des foyers ayant droit perçoivent déjà. Mode volume : --foyers 100000 --renforts "
        "--interventions 1000000. Si des foyers existent déjà, rien n'est ajouté, sauf avec "
        "--ajouter (une nouvelle population, accompagnée comme la première) ou --accompagnements "
        "(des accompagnements pour les foyers existants qui n'en ont pas). Sans --renforts, "
        "seuls les foyers des sites qui ont un travailleur social sont accompagnés (en "
        "démonstration : ceux du compte « travailleur »). Refuse de tourner hors mode "
        "développement (DEBUG désactivé), pour ne jamais créer de comptes connus en production."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--foyers", type=int, default=300, help="foyers à créer (300)")
        parser.add_argument(
            "--jours",
            type=int,
            default=300,
            help="jours ouvrés de passages (300 : quatorze mois, de quoi comparer d'une année "
            "sur l'autre)",
        )
        parser.add_argument(
            "--passages-par-jour",
            type=int,
            default=4,
            help="passages au plus par jour et par Maison des Habitants (4)",
        )
        parser.add_argument("--graine", type=int, default=2015, help="graine du hasard")
        parser.add_argument(
            "--ajouter",
            action="store_true",
            help="ajouter une population (et ses accompagnements) même si des foyers existent",
        )
        parser.add_argument(
            "--detection",
            action="store_true",
            help=(
                "lancer une détection du non-recours sur la population créée (le worker du "
                "portail la traite à son démarrage)"
            ),
        )
        groupe = parser.add_argument_group("accompagnements")
        groupe.add_argument(
            "--accompagnements",
            action="store_true",
            help=(
                "population déjà présente : créer des accompagnements pour les foyers qui n'en "
                "ont pas (sans créer de foyers ni de passages)"
            ),
        )
        groupe.add_argument(
            "--accompagnes",
            type=float,
            default=0.4,
            help="part des foyers accompagnés, 1 ou 2 accompagnements chacun (0.4 ; 0 : aucun)",
        )
        groupe.add_argument(
            "--interventions",
            type=int,
            default=None,
            help="nombre total d'interventions visé, à peu près (défaut : 7 par accompagnement)",
        )
        groupe.add_argument(
            "--portefeuille",
            type=int,
            default=80,
            help=(
                "accompagnements par travailleur social en moyenne, au plus : au-delà, des "
                "travailleurs sociaux de renfort sont créés dans le site (80)"
            ),
        )
        groupe.add_argument(
            "--renforts",
            action="store_true",
            help=(
                "accompagner aussi les foyers des sites sans travailleur social, en y créant "
                "des travailleurs sociaux de renfort (identifiants ts-<site>-NNN, sans mot de "
                "passe utilisable)"
            ),
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Données de démonstration refusées : DEBUG est désactivé (réglages de "
                "production). Elles ne servent qu'en développement ou en démonstration."
            )
        for nom in ("accompagnes",):
            if not 0 <= options[nom] <= 1:
                raise CommandError(f"--{nom} : une part entre 0 et 1 est attendue.")
        if options["portefeuille"] < 1:
            raise CommandError("--portefeuille : un nombre positif est attendu.")
        return super().handle(*args, **options)

    def executer(self, *, foyers, jours, passages_par_jour, graine, ajouter, detection, **options):
        for agent, cree in creer_comptes_demo():
            etat = "créé" if cree else "remis à jour"
            self.stdout.write(f"  {agent.username:<12} {agent.get_role_display():<20} ({etat})")
        self.stdout.write(f"Mot de passe de chaque compte : {MOT_DE_PASSE_DEMO}")
        existants = Foyer.objects.count()
        if existants and not ajouter:
            if options["accompagnements"]:
                self._accompagner(
                    Foyer.objects.filter(accompagnements__isnull=True), graine, options
                )
            else:
                self.stdout.write(
                    f"Population déjà présente ({existants} foyers) : inchangée "
                    "(--accompagnements pour lui ajouter des accompagnements)."
                )
            return
        dernier = Foyer.objects.aggregate(dernier=Max("pk"))["dernier"] or 0
        debut = time.monotonic()
        bilan = creer_population(foyers=foyers, graine=graine, sortie=self._progres(foyers))
        passages = creer_passages(jours=jours, par_jour_et_site=passages_par_jour, graine=graine)
        self.stdout.write(
            f"Population : {bilan.foyers} foyers, {bilan.habitants} personnes, "
            f"{bilan.ressources} ressources, {passages} passages "
            f"en {time.monotonic() - debut:.1f} s."
        )
        nouveaux = Foyer.objects.filter(pk__gt=dernier)
        self._accompagner(nouveaux, graine, options)
        collectives = creer_actions_collectives(graine=graine)
        self.stdout.write(
            f"Actions collectives : {collectives.actions}, {collectives.seances} séances, "
            f"{collectives.participations} participations."
        )
        percues = creer_prestations(foyers=nouveaux, graine=graine)
        self.stdout.write(f"Prestations déjà perçues : {percues}.")
        demandes = creer_demandes(graine=graine)
        self.stdout.write(
            f"Règlement des aides facultatives, budgets et {demandes['demandes']} demandes."
        )
        if detection:
            execution = lancer_detection(declencheur="données de démonstration")
            self.stdout.write(
                f"Détection du non-recours n° {execution.pk} enfilée : ses signalements "
                "apparaissent dès que le worker l'a traitée (page « Détection »)."
            )

    def _accompagner(self, foyers, graine, options):
        if not options["accompagnes"]:
            return
        debut = time.monotonic()
        bilan = creer_accompagnements(
            foyers=foyers,
            proportion=options["accompagnes"],
            interventions=options["interventions"],
            portefeuille=options["portefeuille"],
            renforts=options["renforts"],
            graine=graine,
            sortie=self._progres(options["interventions"] or 0),
        )
        self.stdout.write(
            f"Accompagnements : {bilan.accompagnements} pour {bilan.foyers} foyers, "
            f"{bilan.changements} changements de statut, {bilan.objectifs} objectifs, "
            f"{bilan.actions} actions, {bilan.interventions} interventions, "
            f"{bilan.orientations} orientations, {bilan.agents_crees} travailleurs sociaux "
            f"de renfort, en {time.monotonic() - debut:.1f} s."
        )

    def _progres(self, total):
        if total < 20000:
            return None
        return lambda ligne: self.stdout.write(ligne)
