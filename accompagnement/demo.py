"""Accompagnements de démonstration et de volume, sur les foyers déjà en base.

Comme pour la population (`habitants.demo`), insertion en masse (bulk_create par lots) : les
services, qui valident et journalisent objet par objet, serviraient un million d'interventions
trop lentement. Mais chaque objet passe par les MÊMES règles que les services, les fonctions
pures de `accompagnement.services` (une règle enfreinte lève ValidationError, la démo
s'arrête) ; aucune n'est recopiée ici :

- le référent et les co-intervenants peuvent suivre le foyer (`perms.peut_suivre_foyer`) ;
- les personnes concernées sont des membres actuels du foyer (`verifier_personnes_concernees`),
  arrivés avant l'ouverture ;
- l'historique des statuts va de l'ouverture au statut actuel par des transitions permises
  (`verifier_transition`, la table `TRANSITIONS`), datées dans le suivi après l'ouverture
  (`verifier_date_suivi`) ; la clôture a son motif (`verifier_motif_cloture`) ;
- interventions (type de l'axe, durée, présents du foyer : `verifier_type_intervention`,
  `verifier_duree`, `verifier_presents`) et orientations sont datées entre l'ouverture et
  aujourd'hui (ou la clôture) ; l'échéance d'une action est plausible (`ECHEANCE`) ;
- les séances des actions collectives : animateurs du site (`verifier_agent_du_site`), date
  après le début de l'action, au moins un participant (`verifier_participants_seance`).

Ce que la démo ajoute pour être crédible (pas d'intervention pendant une suspension, rien dans
le futur sauf l'échéance des actions à faire, âges des personnes selon l'axe) est vérifié par
`tests/accompagnement/test_demo.py`.

Chaque Maison des Habitants a son équipe : les travailleurs sociaux déjà rattachés (en
démonstration, le compte « travailleur » pour deux sites) et, au besoin, des travailleurs sociaux
de renfort créés par `ccas_portal.services.creer_agent` (sans mot de passe utilisable), pour
qu'aucun portefeuille ne dépasse en moyenne `portefeuille` accompagnements.
"""

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accompagnement.enums import (
    MotifCloture,
    StatutAccompagnement,
    StatutAction,
    StatutOrientation,
    TypeActionCollective,
    TypeIntervention,
)
from accompagnement.models import (
    Accompagnement,
    Action,
    ActionCollective,
    ChangementStatut,
    Intervention,
    Objectif,
    Orientation,
    Seance,
)
from accompagnement.services import (
    verifier_agent_du_site,
    verifier_date_suivi,
    verifier_duree,
    verifier_motif_cloture,
    verifier_participants_seance,
    verifier_personnes_concernees,
    verifier_presents,
    verifier_transition,
    verifier_type_intervention,
)
from ccas_portal import perms
from ccas_portal.enums import Role
from ccas_portal.models import Agent, Axe, Partenaire, Site
from ccas_portal.services import creer_agent
from ccas_portal.validation import ECHEANCE, verifier_date
from droits.axes import AXES
from habitants.demo import NOMS, PRENOMS_F, PRENOMS_M, anniversaire
from habitants.enums import RoleMembre, StatutOccupation
from habitants.models import Foyer, Habitant, MembreFoyer

OUVERT = StatutAccompagnement.OUVERT
EN_COURS = StatutAccompagnement.EN_COURS
SUSPENDU = StatutAccompagnement.SUSPENDU
CLOS = StatutAccompagnement.CLOS

#: Ancienneté maximale d'un accompagnement généré (jours).
ANCIENNETE_MAX = 3 * 365
#: Au plus tant d'interventions par accompagnement.
INTERVENTIONS_MAX = 400

#: Poids de base des axes pour un foyer quelconque ; ajustés selon sa composition.
POIDS_AXES = {
    "existence": 28,
    "logement": 22,
    "acces_droits": 18,
    "sante": 14,
    "participation": 5,
}
LOGEMENT_PRECAIRE = {
    StatutOccupation.HEBERGE,
    StatutOccupation.HEBERGEMENT_URGENCE,
    StatutOccupation.SANS_DOMICILE,
    StatutOccupation.FOYER_RESIDENCE,
}
ADULTES = {RoleMembre.DEMANDEUR, RoleMembre.CONJOINT, RoleMembre.AUTRE_ADULTE}

#: Partenaires vers qui chaque axe oriente le plus souvent : (code, motif).
ORIENTATIONS = {
    "logement": [
        ("siao", "Demande d'hébergement auprès du SIAO"),
        ("adil", "Conseil juridique sur le bail et les impayés de loyer"),
        ("caf", "Ouverture des aides au logement"),
    ],
    "existence": [
        ("caf", "Ouverture du RSA et de la prime d'activité"),
        ("banque-alimentaire", "Aide alimentaire en attendant l'ouverture des droits"),
        ("france-travail", "Inscription et accompagnement vers l'emploi"),
        ("mission-locale", "Accompagnement d'un jeune adulte du foyer"),
    ],
    "sante": [
        ("cpam", "Demande de complémentaire santé solidaire"),
        ("mdph", "Demande de reconnaissance du handicap"),
    ],
    "petite_enfance": [
        ("pmi", "Suivi de l'enfant et soutien à la parentalité"),
        ("caf", "Ouverture des prestations familiales"),
    ],
    "bien_vieillir": [
        ("clic", "Évaluation des besoins d'aide à domicile"),
        ("carsat", "Dossier de retraite et minimum vieillesse"),
        ("mdph", "Demande d'allocation personnalisée d'autonomie"),
    ],
    "acces_droits": [
        ("point-justice", "Consultation juridique gratuite"),
        ("caf", "Régularisation d'un dossier de prestations"),
        ("cpam", "Ouverture des droits à l'assurance maladie"),
        ("france-travail", "Actualisation et réclamation"),
    ],
    "participation": [],
}
#: Âges (au moins, au plus) d'une des personnes concernées pour orienter vers ce partenaire.
AGES_ORIENTATION = {
    "mission-locale": (16, 25),
    "france-travail": (16, 64),
}


def _entre(age: int, minimum: int, maximum: int) -> bool:
    return minimum <= age <= maximum


RESULTATS_ORIENTATION = {
    StatutOrientation.ACCEPTEE: [
        "Rendez-vous obtenu, dossier pris en charge.",
        "Demande acceptée, droits ouverts.",
        "Prise en charge confirmée par le partenaire.",
    ],
    StatutOrientation.REFUSEE: [
        "Refus : conditions non remplies.",
        "Dossier incomplet, refus du partenaire.",
    ],
    StatutOrientation.SANS_SUITE: [
        "La personne ne s'est pas présentée.",
        "Sans réponse du partenaire malgré relance.",
    ],
}

#: Actions proposées pour chaque modèle d'objectif des axes (les autres : ACTIONS_COMMUNES).
ACTIONS = {
    "Déposer ou renouveler la demande de logement social": [
        "Réunir les pièces justificatives",
        "Enregistrer la demande en ligne",
        "Renouveler la demande avant la date anniversaire",
    ],
    "Obtenir un hébergement (SIAO)": [
        "Remplir la demande SIAO",
        "Faire le point avec le 115",
        "Préparer l'entrée en structure",
    ],
    "Prévenir l'expulsion": [
        "Saisir la commission de prévention des expulsions",
        "Négocier un plan d'apurement avec le bailleur",
        "Demander une aide du Fonds de solidarité logement",
    ],
    "Accéder à un logement (logement d'abord)": [
        "Constituer le dossier de candidature",
        "Visiter le logement proposé",
        "Demander l'aide à l'installation",
    ],
    "Stabiliser le budget du foyer": [
        "Établir le budget mensuel avec la personne",
        "Contacter les créanciers",
        "Constituer un dossier de surendettement",
    ],
    "Ouvrir les droits aux minima sociaux": [
        "Simuler les droits au RSA",
        "Déposer la demande de RSA",
        "Transmettre la déclaration trimestrielle",
    ],
    "Obtenir une aide facultative du CCAS": [
        "Instruire la demande d'aide facultative",
        "Présenter le dossier en commission",
    ],
    "Trouver un mode d'accueil pour l'enfant": [
        "Déposer une demande de place en crèche",
        "Contacter le relais petite enfance",
        "Préparer la période d'adaptation",
    ],
    "Ouvrir les prestations familiales": [
        "Déclarer la grossesse ou la naissance à la CAF",
        "Demander la prestation d'accueil du jeune enfant",
    ],
    "Ouvrir la complémentaire santé solidaire": [
        "Rassembler les justificatifs de ressources",
        "Déposer la demande de complémentaire santé solidaire",
    ],
    "Déclarer un médecin traitant": [
        "Chercher un médecin acceptant de nouveaux patients",
        "Envoyer la déclaration de médecin traitant",
    ],
    "Reprendre des soins renoncés": [
        "Prendre rendez-vous chez le dentiste",
        "Demander un devis optique pris en charge",
        "Orienter vers la permanence d'accès aux soins",
    ],
    "Mettre en place une aide à domicile": [
        "Évaluer les besoins avec le CLIC",
        "Demander l'allocation personnalisée d'autonomie",
        "Choisir un service d'aide à domicile",
    ],
    "Rompre l'isolement": [
        "Proposer des visites de convivialité",
        "Inscrire au repas partagé du quartier",
        "Installer la téléassistance",
    ],
    "Trouver un logement adapté": [
        "Déposer une demande en résidence autonomie",
        "Demander l'adaptation du logement au bailleur",
    ],
    "Accomplir une démarche administrative": [
        "Créer les comptes en ligne",
        "Remplir le formulaire avec la personne",
        "Vérifier la réception du dossier",
    ],
    "Obtenir un conseil juridique": [
        "Prendre rendez-vous à la permanence juridique",
        "Préparer les documents pour l'avocat",
    ],
    "Ouvrir une domiciliation": [
        "Instruire la demande de domiciliation",
        "Remettre l'attestation d'élection de domicile",
    ],
    "Participer à une action collective": [
        "Présenter les actions collectives du quartier",
        "Accompagner à une première séance",
    ],
}
ACTIONS_COMMUNES = [
    "Réunir les pièces justificatives",
    "Prendre rendez-vous avec le partenaire",
    "Faire le point avec la personne",
]

#: Poids des types d'intervention communs ; chaque type propre à l'axe pèse POIDS_TYPE_AXE.
POIDS_TYPES = {
    TypeIntervention.ENTRETIEN: 30,
    TypeIntervention.APPEL: 25,
    TypeIntervention.DEMARCHE: 14,
    TypeIntervention.COURRIER: 10,
    TypeIntervention.VISITE_DOMICILE: 8,
    TypeIntervention.ACCOMPAGNEMENT_PHYSIQUE: 4,
    TypeIntervention.PERMANENCE_JURIDIQUE: 2,
}
POIDS_TYPE_AXE = 10
#: Durée (minutes, au pas de 5) selon le type : (min, max) ; None : durée non notée.
DUREES = {
    TypeIntervention.ENTRETIEN: (30, 75),
    TypeIntervention.APPEL: (5, 30),
    TypeIntervention.DEMARCHE: (15, 60),
    TypeIntervention.COURRIER: None,
    TypeIntervention.VISITE_DOMICILE: (45, 120),
    TypeIntervention.ACCOMPAGNEMENT_PHYSIQUE: (60, 180),
    TypeIntervention.PERMANENCE_JURIDIQUE: (30, 60),
    "visite_logement": (45, 90),
    "aide_budgetaire": (45, 90),
    "visite_convivialite": (30, 90),
    "seance_collective": (90, 150),
}
LIEUX_EXTERIEURS = [
    "CAF, avenue des Martyrs",
    "CPAM, rue des Alliés",
    "Préfecture de l'Isère",
    "France Travail, agence Grenoble Sud",
    "Agence du bailleur social",
    "Centre hospitalier universitaire",
]
COMPTES_RENDUS = {
    TypeIntervention.ENTRETIEN: [
        "Point sur la situation et les démarches en cours.",
        "Entretien avec la personne : évaluation de la situation budgétaire.",
        "Revue du plan d'action ; prochaines étapes convenues ensemble.",
        "La personne apporte les justificatifs demandés.",
    ],
    TypeIntervention.APPEL: [
        "Appel pour fixer un rendez-vous.",
        "Appel de la personne : question sur son dossier.",
        "Relance téléphonique du partenaire.",
        "Pas de réponse, message laissé.",
    ],
    TypeIntervention.DEMARCHE: [
        "Dossier complété et envoyé.",
        "Création du compte en ligne avec la personne.",
        "Demande déposée, accusé de réception transmis.",
    ],
    TypeIntervention.COURRIER: [
        "Courrier de relance envoyé.",
        "Courriel au partenaire avec les pièces du dossier.",
        "Réponse écrite reçue et classée au dossier.",
    ],
    TypeIntervention.VISITE_DOMICILE: [
        "Visite à domicile : logement en bon état, situation stable.",
        "Visite à domicile à la demande de la personne.",
    ],
    TypeIntervention.ACCOMPAGNEMENT_PHYSIQUE: [
        "Accompagnement au rendez-vous chez le partenaire.",
        "Accompagnement au guichet pour déposer le dossier.",
    ],
    TypeIntervention.PERMANENCE_JURIDIQUE: [
        "Rendez-vous à la permanence de l'équipe juridique mobile.",
    ],
    "visite_logement": ["Visite du logement : humidité signalée au bailleur."],
    "aide_budgetaire": ["Atelier budget : tableau des dépenses mensuelles établi."],
    "visite_convivialite": ["Visite de convivialité, la personne apprécie ces moments."],
    "seance_collective": ["Participation à la séance collective du quartier."],
}
COMPTES_RENDUS_CONFIDENTIELS = [
    "Éléments de santé confiés par la personne ; à ne pas diffuser.",
    "La personne évoque des violences intrafamiliales ; orientation discutée.",
    "Difficultés familiales importantes évoquées en entretien.",
]
COMMENTAIRES = {
    EN_COURS: ["Premier entretien réalisé, plan d'action défini.", "", ""],
    SUSPENDU: ["Hospitalisation de la personne.", "À la demande de la personne.", ""],
    "reprise": ["Reprise du suivi.", ""],
    CLOS: ["", "Bilan de fin d'accompagnement fait avec la personne."],
}
MOTIFS_CLOTURE = {
    MotifCloture.OBJECTIFS_ATTEINTS: 45,
    MotifCloture.ORIENTATION_PARTENAIRE: 14,
    MotifCloture.DEMENAGEMENT: 10,
    MotifCloture.SANS_NOUVELLES: 16,
    MotifCloture.REFUS: 6,
    MotifCloture.AUTRE: 5,
}
#: Valeurs des faits de type texte (les dates, booléens et choix sont tirés de leur type).
FAITS_TEXTE = {
    "reste_a_vivre": lambda h: str(h.randint(8, 65) * 10),
    "aides_facultatives_demandees": lambda h: h.choice(
        ["Aide alimentaire", "Aide à l'énergie", "Secours d'urgence", "Aide au transport"]
    ),
    "demarches_en_cours": lambda h: h.choice(
        [
            "Renouvellement du titre de séjour",
            "Dossier de retraite",
            "Déclaration de ressources",
            "Création de l'identité numérique",
        ]
    ),
    "soins_renonces": lambda h: h.choice(
        ["Soins dentaires", "Lunettes", "Suivi gynécologique", "Kinésithérapie"]
    ),
    "instance": lambda h: h.choice(
        ["Conseil citoyen", "Jardin partagé", "Atelier cuisine", "Comité d'usagers"]
    ),
    "numero_demande_logement_social": lambda h: f"03818{h.randint(10**9, 10**10 - 1)}",
}


@dataclass
class Bilan:
    foyers: int = 0
    accompagnements: int = 0
    changements: int = 0
    objectifs: int = 0
    actions: int = 0
    interventions: int = 0
    participants: int = 0
    orientations: int = 0
    agents_crees: int = 0


@dataclass
class _Membre:
    habitant_id: int
    role: str
    date_debut: date
    age: int


@dataclass
class _Plan:
    """Un accompagnement tel qu'il sera écrit, décidé avant toute insertion."""

    foyer_id: int
    site_id: int
    axe: str
    membres: list[_Membre]
    date_ouverture: date
    statut: str = OUVERT
    date_cloture: date | None = None
    motif_cloture: str = ""
    #: [(ancien, nouveau, date)] depuis l'ouverture.
    changements: list[tuple[str, str, date]] = field(default_factory=list)
    #: Périodes où l'accompagnement est ouvert ou en cours : [(début, fin)].
    periodes: list[tuple[date, date]] = field(default_factory=list)
    referent_id: int = 0
    co_intervenants: list[int] = field(default_factory=list)
    interventions: int = 0


def _age(naissance: date | None, jour: date) -> int:
    if naissance is None:
        return 40
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month, naissance.day))


class Generateur:
    def __init__(self, *, graine: int, aujourd_hui: date, axes: set[str], partenaires, sites):
        self.hasard = random.Random(graine)
        self.aujourd_hui = aujourd_hui
        #: Le jour des règles des services (« pas dans le futur »), lu une fois.
        self.jour_des_regles = timezone.localdate()
        self.axes = axes
        self.partenaires = partenaires  # {code: id} des partenaires actifs
        self.sites = sites  # {id: nom}

    # --- Planification : axe, personnes, parcours des statuts -----------------------------

    def axes_du_foyer(self, statut_occupation: str, membres: list[_Membre]) -> list[str]:
        poids = dict(POIDS_AXES)
        if statut_occupation in LOGEMENT_PRECAIRE:
            poids["logement"] += 40
        if any(m.role == RoleMembre.ENFANT and m.age < 6 for m in membres):
            poids["petite_enfance"] = 30
        if any(m.age >= 75 for m in membres):
            poids["bien_vieillir"] = 60
        poids = {axe: p for axe, p in poids.items() if axe in self.axes}
        nombre = 1 if self.hasard.random() < 0.75 else 2
        choisis = []
        while poids and len(choisis) < nombre:
            axe = self.hasard.choices(list(poids), weights=list(poids.values()))[0]
            choisis.append(axe)
            del poids[axe]
        return choisis

    def personnes(self, axe: str, membres: list[_Membre]) -> list[_Membre]:
        demandeur = next((m for m in membres if m.role == RoleMembre.DEMANDEUR), None)
        adultes = [m for m in membres if m.role in ADULTES]
        demandeur = demandeur or (adultes or membres)[0]
        conjoint = next((m for m in membres if m.role == RoleMembre.CONJOINT), None)
        if axe == "petite_enfance":
            choisis = [demandeur]
            if conjoint and self.hasard.random() < 0.5:
                choisis.append(conjoint)
            choisis += [m for m in membres if m.role == RoleMembre.ENFANT and m.age < 6]
            return choisis
        if axe == "bien_vieillir":
            ages = [m for m in membres if m.age >= 75]
            return ages or [demandeur]
        if conjoint and self.hasard.random() < 0.35:
            return [demandeur, conjoint]
        return [demandeur]

    def parcours(self, plan: _Plan) -> None:
        """Décide l'historique des statuts, la clôture et les périodes d'activité."""
        h, aujourd_hui, d0 = self.hasard, self.aujourd_hui, plan.date_ouverture
        regles = self.jour_des_regles
        verifier_date_suivi(d0, champ="date_ouverture", aujourd_hui=regles)
        plan.changements = [("", OUVERT, d0)]

        def changer(nouveau, jour, motif=""):
            # Les règles de `changer_statut` : transition permise, date, motif de clôture.
            verifier_transition(plan.statut, nouveau)
            verifier_date_suivi(jour, champ="date_effet", pas_avant=d0, aujourd_hui=regles)
            verifier_motif_cloture(nouveau, motif)
            plan.changements.append((plan.statut, nouveau, jour))
            plan.statut = nouveau

        def clore(jour, motif):
            changer(CLOS, jour, motif)
            plan.date_cloture, plan.motif_cloture = jour, motif

        if (aujourd_hui - d0).days < 21 and h.random() < 0.5:
            plan.periodes = [(d0, aujourd_hui)]  # ouvert récemment, premier entretien à venir
            return
        if h.random() < 0.05:  # refus ou sans nouvelles avant même le premier entretien
            fin = min(aujourd_hui, d0 + timedelta(days=h.randint(7, 60)))
            plan.periodes = [(d0, fin)]
            clore(fin, h.choice([MotifCloture.REFUS, MotifCloture.SANS_NOUVELLES]))
            return
        debut = min(aujourd_hui, d0 + timedelta(days=h.randint(0, 30)))
        changer(EN_COURS, debut)
        duree = h.randint(90, 1100)
        fin_prevue = debut + timedelta(days=duree)
        actif_depuis = d0
        if h.random() < 0.25:
            suspension = debut + timedelta(days=h.randint(20, duree - 20))
            if suspension <= aujourd_hui:
                plan.periodes.append((actif_depuis, suspension))
                changer(SUSPENDU, suspension)
                reprise = suspension + timedelta(days=h.randint(20, 300))
                if reprise > aujourd_hui:
                    return  # toujours suspendu
                if h.random() < 0.3:
                    clore(
                        reprise, h.choice([MotifCloture.SANS_NOUVELLES, MotifCloture.DEMENAGEMENT])
                    )
                    return
                changer(EN_COURS, reprise)
                actif_depuis = reprise
                fin_prevue += reprise - suspension
        if fin_prevue <= aujourd_hui:
            plan.periodes.append((actif_depuis, fin_prevue))
            motifs = dict(MOTIFS_CLOTURE)
            if plan.axe == "bien_vieillir":
                motifs[MotifCloture.DECES] = 6
            if not ORIENTATIONS.get(plan.axe) or not self._partenaires_de(plan):
                motifs.pop(MotifCloture.ORIENTATION_PARTENAIRE)
            clore(fin_prevue, h.choices(list(motifs), weights=list(motifs.values()))[0])
        else:
            plan.periodes.append((actif_depuis, aujourd_hui))

    def poids_interventions(self, plan: _Plan) -> float:
        if len(plan.changements) == 1:
            return 0.3  # ouvert, pas encore commencé
        jours = sum((fin - debut).days + 1 for debut, fin in plan.periodes)
        return (jours + 14) ** 0.7 * self.hasard.lognormvariate(0, 0.5)

    # --- Contenu : faits, plan d'action, interventions, orientations ----------------------

    def _jour(self, plan: _Plan) -> date:
        """Un jour d'une période d'activité, au hasard selon leur longueur."""
        longueurs = [(fin - debut).days + 1 for debut, fin in plan.periodes]
        n = self.hasard.randrange(sum(longueurs))
        for (debut, _), longueur in zip(plan.periodes, longueurs, strict=True):
            if n < longueur:
                return debut + timedelta(days=n)
            n -= longueur
        raise AssertionError("inatteignable")

    def _fin(self, plan: _Plan) -> date:
        return plan.date_cloture or self.aujourd_hui

    def faits(self, plan: _Plan) -> dict:
        h, valeurs = self.hasard, {}
        definition = AXES[plan.axe]
        for fait in definition.faits:
            if h.random() < 0.4:
                continue
            if fait.type == "date":
                valeurs[fait.code] = self._jour(plan).isoformat()
            elif fait.type == "booleen":
                valeurs[fait.code] = h.random() < 0.6
            elif fait.type == "choix":
                valeurs[fait.code] = h.choice(fait.choix)[0]
            elif fait.code in FAITS_TEXTE:
                valeurs[fait.code] = FAITS_TEXTE[fait.code](h)
        # Une date « date_x » ne va pas sans le fait « x » à oui.
        for code in list(valeurs):
            if code.startswith("date_") and valeurs.get(code[5:]) is False:
                del valeurs[code]
        return definition.valider_faits(valeurs)

    def plan_action(self, plan: _Plan, accompagnement) -> list[tuple[Objectif, list[Action]]]:
        h = self.hasard
        modeles = list(AXES[plan.axe].modeles_objectifs)
        if not modeles or (plan.statut == OUVERT and h.random() < 0.5):
            return []
        resultat = []
        for ordre, libelle in enumerate(h.sample(modeles, h.randint(1, min(3, len(modeles))))):
            objectif = Objectif(accompagnement=accompagnement, libelle=libelle, ordre=ordre)
            possibles = ACTIONS.get(libelle, ACTIONS_COMMUNES)
            actions = [
                self._action(plan, objectif, libelle_action)
                for libelle_action in h.sample(possibles, h.randint(1, min(3, len(possibles))))
            ]
            resultat.append((objectif, actions))
        return resultat

    def _action(self, plan: _Plan, objectif: Objectif, libelle: str) -> Action:
        h, d0 = self.hasard, plan.date_ouverture
        if plan.statut == CLOS:
            if plan.motif_cloture == MotifCloture.OBJECTIFS_ATTEINTS:
                poids = {StatutAction.REALISEE: 85, StatutAction.ABANDON_SERVICE: 15}
            else:
                poids = {
                    StatutAction.REALISEE: 40,
                    StatutAction.ABANDON_PERSONNE: 30,
                    StatutAction.ABANDON_SERVICE: 20,
                    StatutAction.EN_ATTENTE: 10,
                }
        else:
            poids = {
                StatutAction.A_FAIRE: 30,
                StatutAction.EN_COURS: 28,
                StatutAction.EN_ATTENTE: 14,
                StatutAction.REALISEE: 22,
                StatutAction.ABANDON_PERSONNE: 3,
                StatutAction.ABANDON_SERVICE: 3,
            }
        statut = h.choices(list(poids), weights=list(poids.values()))[0]
        echeance = None
        if h.random() < 0.85:
            if plan.statut != CLOS and statut in (
                StatutAction.A_FAIRE,
                StatutAction.EN_COURS,
                StatutAction.EN_ATTENTE,
            ):
                # À venir (ou un peu en retard) : c'est la « prochaine échéance » du portefeuille.
                echeance = max(d0, self.aujourd_hui + timedelta(days=h.randint(-20, 90)))
            else:
                echeance = min(self._fin(plan), d0 + timedelta(days=h.randint(7, 240)))
        verifier_date(echeance, ECHEANCE, champ="echeance", aujourd_hui=self.jour_des_regles)
        return Action(objectif=objectif, libelle=libelle, statut=statut, echeance=echeance)

    def interventions(self, plan: _Plan, accompagnement, types: dict[str, int]) -> list:
        """[(Intervention, [habitant_id])] : le premier entretien à l'ouverture, puis au hasard."""
        h = self.hasard
        auteurs = [plan.referent_id] * 6 + plan.co_intervenants
        adultes = [m.habitant_id for m in plan.membres if m.role in ADULTES] or [
            m.habitant_id for m in plan.membres
        ]
        du_foyer = {m.habitant_id for m in plan.membres}
        resultat = []
        for rang in range(plan.interventions):
            if rang == 0 and len(plan.changements) > 1:
                type_, jour = TypeIntervention.ENTRETIEN.value, plan.date_ouverture
            else:
                type_ = h.choices(list(types), weights=list(types.values()))[0]
                jour = self._jour(plan)
            duree = DUREES.get(type_, (30, 60))
            duree = None if duree is None else 5 * h.randint(duree[0] // 5, duree[1] // 5)
            verifier_date_suivi(
                jour, champ="date", pas_avant=plan.date_ouverture, aujourd_hui=self.jour_des_regles
            )
            verifier_duree(duree)
            lieu = ""
            if type_ in (
                TypeIntervention.ENTRETIEN,
                TypeIntervention.PERMANENCE_JURIDIQUE,
                "seance_collective",
                "aide_budgetaire",
            ):
                lieu = self.sites[plan.site_id]
            elif type_ in (
                TypeIntervention.VISITE_DOMICILE,
                "visite_logement",
                "visite_convivialite",
            ):
                lieu = "Domicile"
            elif type_ == TypeIntervention.ACCOMPAGNEMENT_PHYSIQUE:
                lieu = h.choice(LIEUX_EXTERIEURS)
            confidentiel = h.random() < 0.07
            texte = (
                h.choice(COMPTES_RENDUS_CONFIDENTIELS)
                if confidentiel
                else h.choice(COMPTES_RENDUS.get(type_, COMPTES_RENDUS[TypeIntervention.ENTRETIEN]))
            )
            if type_ in (TypeIntervention.COURRIER, TypeIntervention.DEMARCHE):
                presents = []
            elif type_ == TypeIntervention.APPEL:
                presents = [adultes[0]]
            elif len(plan.membres) > 1 and h.random() < 0.3:
                presents = [m.habitant_id for m in plan.membres]
            else:
                presents = [adultes[0]]
            verifier_presents(presents, du_foyer)
            intervention = Intervention(
                accompagnement=accompagnement,
                type=type_,
                date=jour,
                duree_minutes=duree,
                lieu=lieu,
                auteur_id=h.choice(auteurs),
                compte_rendu=texte,
                confidentiel=confidentiel,
            )
            resultat.append((intervention, presents))
        return resultat

    def _partenaires_de(self, plan: _Plan):
        """Les orientations possibles de l'axe, selon l'âge des personnes concernées."""
        ages = [m.age for m in plan.membres]
        return [
            (c, m)
            for c, m in ORIENTATIONS.get(plan.axe, [])
            if c in self.partenaires
            and (c not in AGES_ORIENTATION or any(_entre(a, *AGES_ORIENTATION[c]) for a in ages))
        ]

    def orientations(self, plan: _Plan, accompagnement) -> list[Orientation]:
        h = self.hasard
        possibles = self._partenaires_de(plan)
        if not possibles or len(plan.changements) == 1:
            return []
        nombre = 0
        if plan.motif_cloture == MotifCloture.ORIENTATION_PARTENAIRE:
            nombre = 1
        elif h.random() < 0.3:
            nombre = 1 if h.random() < 0.8 else 2
        resultat = []
        for rang in range(nombre):
            code, motif = h.choice(possibles)
            jour = self._jour(plan)
            verifier_date_suivi(
                jour, champ="date", pas_avant=plan.date_ouverture, aujourd_hui=self.jour_des_regles
            )
            if plan.motif_cloture == MotifCloture.ORIENTATION_PARTENAIRE and rang == 0:
                statut = StatutOrientation.ACCEPTEE
            elif (self._fin(plan) - jour).days < 20 and plan.statut != CLOS:
                statut = StatutOrientation.ENVOYEE
            else:
                poids = {
                    StatutOrientation.ACCEPTEE: 55,
                    StatutOrientation.REFUSEE: 15,
                    StatutOrientation.SANS_SUITE: 15,
                    StatutOrientation.ENVOYEE: 15,
                }
                statut = h.choices(list(poids), weights=list(poids.values()))[0]
            resultat.append(
                Orientation(
                    accompagnement=accompagnement,
                    partenaire_id=self.partenaires[code],
                    motif=motif,
                    date=jour,
                    statut=statut,
                    resultat=h.choice(RESULTATS_ORIENTATION.get(statut, [""])),
                    auteur_id=plan.referent_id,
                )
            )
        return resultat

    def commentaire(self, ancien: str, nouveau: str) -> str:
        cle = "reprise" if ancien == SUSPENDU and nouveau == EN_COURS else nouveau
        return self.hasard.choice(COMMENTAIRES.get(cle, [""]))


# --- Équipes : les travailleurs sociaux de chaque site -------------------------------------


def _equipes() -> dict[int, list[int]]:
    """{site_id: [agent_id]} des travailleurs sociaux actifs."""
    equipes = defaultdict(list)
    lignes = Agent.sites.through.objects.filter(
        agent__role=Role.TRAVAILLEUR_SOCIAL, agent__is_active=True
    ).order_by("site_id", "agent_id")
    for site_id, agent_id in lignes.values_list("site_id", "agent_id"):
        equipes[site_id].append(agent_id)
    return equipes


def _renforcer(equipes, demande: Counter, *, portefeuille: int, hasard) -> int:
    """Crée les travailleurs sociaux qui manquent pour tenir `portefeuille` en moyenne."""
    crees = 0
    pris = set(Agent.objects.filter(username__startswith="ts-").values_list("username", flat=True))
    for site in Site.objects.filter(pk__in=demande).order_by("code"):
        manque = math.ceil(demande[site.pk] / portefeuille) - len(equipes[site.pk])
        numero = 0
        for _ in range(max(0, manque)):
            numero += 1
            while f"ts-{site.code}-{numero:03d}" in pris:
                numero += 1
            sexe_f = hasard.random() < 0.7
            agent = creer_agent(
                identifiant=f"ts-{site.code}-{numero:03d}",
                prenom=hasard.choice(PRENOMS_F if sexe_f else PRENOMS_M),
                nom=hasard.choice(NOMS),
                role=Role.TRAVAILLEUR_SOCIAL,
                sites=[site],
                mot_de_passe=None,
            )
            equipes[site.pk].append(agent.pk)
            crees += 1
    return crees


def _verifier_intervenants(plans: list[_Plan]) -> None:
    """La règle d'`ouvrir_accompagnement` et de `passer_accompagnement` : référent et
    co-intervenants peuvent suivre le foyer (`perms.peut_suivre_foyer`, sans requête pour un
    agent d'un site de rattachement du foyer ; les sites de chaque agent lus une fois)."""
    ids = {pk for plan in plans for pk in (plan.referent_id, *plan.co_intervenants)}
    agents = Agent.objects.in_bulk(ids)
    # Un agent qui peut suivre un foyer par son site de rattachement peut suivre tous les foyers
    # de ce site : la règle est appelée une fois par (agent, site).
    permis: set[tuple[int, int]] = set()
    for plan in plans:
        # Ce que la règle lit du foyer (son site ; son identifiant pour les partages), sans le
        # relire : un Foyer non chargé qui porte ces deux valeurs.
        foyer = Foyer(pk=plan.foyer_id, site_id=plan.site_id)
        for pk in (plan.referent_id, *plan.co_intervenants):
            if (pk, plan.site_id) in permis:
                continue
            if not perms.peut_suivre_foyer(agents[pk], foyer):
                raise ValidationError(
                    {"referent": f"{agents[pk]} ne peut pas suivre le foyer {plan.foyer_id}."}
                )
            if plan.site_id in agents[pk].ids_sites:
                permis.add((pk, plan.site_id))
        if plan.referent_id in plan.co_intervenants:
            raise ValidationError({"co_intervenants": "Le référent n'est pas co-intervenant."})


def _membres_des_foyers(ids: list[int], aujourd_hui: date) -> dict[int, list[_Membre]]:
    membres = defaultdict(list)
    lignes = MembreFoyer.objects.filter(foyer_id__in=ids, date_fin__isnull=True).values_list(
        "foyer_id", "habitant_id", "role", "date_debut", "habitant__date_naissance"
    )
    for foyer_id, habitant_id, role, debut, naissance in lignes:
        membres[foyer_id].append(_Membre(habitant_id, role, debut, _age(naissance, aujourd_hui)))
    return membres


# --- Le point d'entrée ---------------------------------------------------------------------


def creer_accompagnements(
    *,
    foyers=None,
    proportion: float = 0.4,
    interventions_moyennes: float = 7.0,
    interventions: int | None = None,
    portefeuille: int = 80,
    renforts: bool = False,
    graine: int = 2015,
    lot: int = 2000,
    sortie=None,
    aujourd_hui: date | None = None,
) -> Bilan:
    """Des accompagnements pour une part `proportion` des `foyers` (par défaut : les foyers
    sans accompagnement), 1 ou 2 par foyer accompagné, avec leur historique, plan d'action,
    interventions (`interventions_moyennes` par accompagnement, ou `interventions` en tout,
    à peu près) et orientations.

    Seuls les foyers d'un site qui a un travailleur social sont accompagnés, sauf avec
    `renforts` : des travailleurs sociaux sont alors créés dans les sites qui n'en ont pas.
    Dans tous les cas, des renforts sont créés là où un portefeuille dépasserait en moyenne
    `portefeuille` accompagnements. Insertion par lots de `lot` accompagnements."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    if foyers is None:
        foyers = Foyer.objects.filter(accompagnements__isnull=True)
    axes = set(Axe.objects.filter(actif=True).values_list("code", flat=True)) & set(AXES)
    if not axes:
        raise LookupError("Aucun axe de droits : lancez charger_referentiels --wet-run.")
    partenaires = dict(Partenaire.objects.filter(actif=True).values_list("code", "id"))
    sites = dict(Site.objects.values_list("id", "nom"))
    generateur = Generateur(
        graine=graine, aujourd_hui=aujourd_hui, axes=axes, partenaires=partenaires, sites=sites
    )
    h = generateur.hasard
    equipes = _equipes()
    bilan = Bilan()

    # 1. Planifier : quels foyers, quels axes, quelles personnes, quel parcours.
    plans: list[_Plan] = []
    lignes = list(foyers.order_by("pk").values_list("pk", "site_id", "statut_occupation"))
    for depart in range(0, len(lignes), 5000):
        tranche = lignes[depart : depart + 5000]
        tirages = [h.random() for _ in tranche]
        retenus = [
            ligne
            for ligne, tirage in zip(tranche, tirages, strict=True)
            if tirage < proportion and (renforts or equipes.get(ligne[1]))
        ]
        membres = _membres_des_foyers([pk for pk, _, _ in retenus], aujourd_hui)
        for pk, site_id, occupation in retenus:
            if not membres[pk]:
                continue
            bilan.foyers += 1
            actuels = {m.habitant_id for m in membres[pk]}
            for axe in generateur.axes_du_foyer(occupation, membres[pk]):
                concernes = generateur.personnes(axe, membres[pk])
                verifier_personnes_concernees([m.habitant_id for m in concernes], actuels)
                arrivee = max(m.date_debut for m in concernes)
                # Plus d'ouvertures récentes qu'anciennes : les anciens sont souvent clos.
                anciennete = max(0, min(ANCIENNETE_MAX, (aujourd_hui - arrivee).days))
                plan = _Plan(
                    foyer_id=pk,
                    site_id=site_id,
                    axe=axe,
                    membres=concernes,
                    date_ouverture=aujourd_hui
                    - timedelta(days=int(anciennete * h.random() ** 1.6)),
                )
                generateur.parcours(plan)
                plans.append(plan)

    # 2. Les équipes : renforts au besoin, puis un référent par accompagnement.
    demande = Counter(plan.site_id for plan in plans)
    bilan.agents_crees = _renforcer(equipes, demande, portefeuille=portefeuille, hasard=h)
    charge = Counter()
    for plan in plans:
        equipe = equipes[plan.site_id]
        # Deux candidats au hasard, le moins chargé l'emporte : des portefeuilles équilibrés.
        a, b = h.choice(equipe), h.choice(equipe)
        plan.referent_id = a if charge[a] <= charge[b] else b
        charge[plan.referent_id] += 1
        if len(equipe) > 1 and h.random() < 0.12:
            plan.co_intervenants = [h.choice([x for x in equipe if x != plan.referent_id])]
    _verifier_intervenants(plans)

    # 3. Nombre d'interventions de chacun : proportionnel à la durée d'activité, à peu près.
    cible = interventions if interventions is not None else interventions_moyennes * len(plans)
    poids = [generateur.poids_interventions(plan) for plan in plans]
    echelle = cible / sum(poids) if plans and sum(poids) else 0
    for plan, p in zip(plans, poids, strict=True):
        x = p * echelle
        n = int(x) + (h.random() < x - int(x))
        plan.interventions = min(INTERVENTIONS_MAX, max(n, 1 if len(plan.changements) > 1 else 0))

    # 4. Écrire, par lots.
    types_par_axe = {
        axe: {
            **{str(t): p for t, p in POIDS_TYPES.items()},
            **{code: POIDS_TYPE_AXE for code, _ in AXES[axe].types_intervention},
        }
        for axe in axes
    }
    for axe, types in types_par_axe.items():
        for type_ in types:
            verifier_type_intervention(axe, type_)
    for depart in range(0, len(plans), lot):
        _ecrire_lot(generateur, plans[depart : depart + lot], types_par_axe, bilan)
        if sortie:
            sortie(
                f"  {bilan.accompagnements} accompagnements, {bilan.interventions} interventions…"
            )
    return bilan


def _ecrire_lot(generateur: Generateur, plans: list[_Plan], types_par_axe, bilan: Bilan) -> None:
    with transaction.atomic():
        accompagnements = [
            Accompagnement(
                foyer_id=plan.foyer_id,
                axe_id=plan.axe,
                referent_id=plan.referent_id,
                statut=plan.statut,
                date_ouverture=plan.date_ouverture,
                date_cloture=plan.date_cloture,
                motif_cloture=plan.motif_cloture,
                faits=generateur.faits(plan),
            )
            for plan in plans
        ]
        Accompagnement.objects.bulk_create(accompagnements, batch_size=1000)
        membres, co, changements, objectifs, actions = [], [], [], [], []
        interventions, orientations = [], []
        for plan, a in zip(plans, accompagnements, strict=True):
            membres += [
                Accompagnement.membres.through(accompagnement_id=a.pk, habitant_id=m.habitant_id)
                for m in plan.membres
            ]
            co += [
                Accompagnement.co_intervenants.through(accompagnement_id=a.pk, agent_id=agent_id)
                for agent_id in plan.co_intervenants
            ]
            changements += [
                ChangementStatut(
                    accompagnement=a,
                    ancien=ancien,
                    nouveau=nouveau,
                    date=jour,
                    agent_id=plan.referent_id,
                    commentaire=generateur.commentaire(ancien, nouveau) if ancien else "",
                )
                for ancien, nouveau, jour in plan.changements
            ]
            for objectif, liste in generateur.plan_action(plan, a):
                objectifs.append(objectif)
                actions += liste
            interventions += generateur.interventions(plan, a, types_par_axe[plan.axe])
            orientations += generateur.orientations(plan, a)
        Accompagnement.membres.through.objects.bulk_create(membres, batch_size=5000)
        Accompagnement.co_intervenants.through.objects.bulk_create(co, batch_size=5000)
        ChangementStatut.objects.bulk_create(changements, batch_size=5000)
        Objectif.objects.bulk_create(objectifs, batch_size=5000)
        for action in actions:
            action.objectif_id = action.objectif.pk
        Action.objects.bulk_create(actions, batch_size=5000)
        Intervention.objects.bulk_create([i for i, _ in interventions], batch_size=5000)
        presents = [
            Intervention.participants.through(intervention_id=i.pk, habitant_id=habitant_id)
            for i, liste in interventions
            for habitant_id in liste
        ]
        Intervention.participants.through.objects.bulk_create(presents, batch_size=10000)
        Orientation.objects.bulk_create(orientations, batch_size=5000)
    bilan.accompagnements += len(accompagnements)
    bilan.changements += len(changements)
    bilan.objectifs += len(objectifs)
    bilan.actions += len(actions)
    bilan.interventions += len(interventions)
    bilan.participants += len(presents)
    bilan.orientations += len(orientations)


# --- Actions collectives (axe participation) ----------------------------------------------

#: (intitulé, type, description, thèmes des séances, public : None, "parents" ou "aines")
ACTIONS_COLLECTIVES = [
    (
        "Atelier cuisine",
        TypeActionCollective.ATELIER,
        "Cuisiner ensemble à petit budget, avec les produits de l'aide alimentaire.",
        ["Repas de saison", "Cuisine du monde", "Conserves et bocaux", "Goûter partagé"],
        None,
    ),
    (
        "Jardin partagé",
        TypeActionCollective.INITIATIVE,
        "Un jardin cultivé par les habitants au pied des immeubles.",
        ["Semis de printemps", "Récolte et partage", "Compost collectif", "Préparer l'hiver"],
        None,
    ),
    (
        "Conseil citoyen",
        TypeActionCollective.INSTANCE,
        "Instance de participation des habitants du quartier.",
        ["Budget participatif", "Propreté du quartier", "Projet de rénovation", "Bilan annuel"],
        None,
    ),
    (
        "Comité d'usagers",
        TypeActionCollective.INSTANCE,
        "Les usagers donnent leur avis sur l'accueil de la Maison des Habitants.",
        ["Horaires d'accueil", "Accueil téléphonique", "Questionnaire de satisfaction"],
        None,
    ),
    (
        "Atelier numérique",
        TypeActionCollective.ATELIER,
        "Prendre en main les démarches en ligne, à son rythme.",
        ["Créer son adresse de courriel", "Démarches CAF en ligne", "FranceConnect"],
        None,
    ),
    (
        "Café des parents",
        TypeActionCollective.ATELIER,
        "Un temps d'échange entre parents, avec une professionnelle de la petite enfance.",
        ["Le sommeil de l'enfant", "Les écrans", "La rentrée scolaire", "Les colères"],
        "parents",
    ),
    (
        "Repas partagé des aînés",
        TypeActionCollective.INITIATIVE,
        "Un repas préparé et partagé par les aînés du quartier.",
        ["Repas de saison", "Après-midi jeux", "Sortie au parc"],
        "aines",
    ),
]
#: Ancienneté des actions collectives (jours) : plus de 13 mois de séances pour comparer
#: une période à la même période de l'année précédente.
ANCIENNETE_ACTIONS = (420, 800)


def _parent_d_un_enfant():
    """Annotation : la personne vit dans un foyer avec un enfant."""
    return Exists(
        MembreFoyer.objects.filter(
            foyer__membres__habitant_id=OuterRef("pk"),
            foyer__membres__date_fin__isnull=True,
            role=RoleMembre.ENFANT,
            date_fin__isnull=True,
        )
    )


@dataclass
class BilanActions:
    actions: int = 0
    seances: int = 0
    participations: int = 0


def creer_actions_collectives(
    *, graine: int = 2015, aujourd_hui: date | None = None
) -> BilanActions:
    """Deux ou trois actions collectives par Maison des Habitants qui a un travailleur social
    (et n'en a pas encore), animées par son équipe, avec une séance toutes les deux à quatre
    semaines depuis plus d'un an : des habitants majeurs du site inscrits (un noyau qui
    revient ; des parents au café des parents, des aînés de 62 ans ou plus au repas des
    aînés) et des participants non inscrits."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    h = random.Random(graine)
    equipes = _equipes()
    deja = set(ActionCollective.objects.values_list("site_id", flat=True))
    majeurs = anniversaire(aujourd_hui, -20)
    aines = anniversaire(aujourd_hui, -62)
    bilan = BilanActions()
    sites = Site.objects.maisons_des_habitants().actifs().filter(pk__in=equipes).order_by("code")
    agents = Agent.objects.in_bulk([pk for equipe in equipes.values() for pk in equipe])
    regles = timezone.localdate()  # le jour des règles des services, lu une fois
    with transaction.atomic():
        for site in sites.exclude(pk__in=deja):
            equipe = equipes[site.pk]
            habitants = list(
                Habitant.objects.filter(site=site, date_naissance__lte=majeurs)
                .annotate(parent=_parent_d_un_enfant())
                .order_by("pk")
                .values_list("pk", "date_naissance", "parent")[:5000]
            )
            publics = {
                None: [pk for pk, _, _ in habitants],
                "parents": [pk for pk, _, parent in habitants if parent],
                "aines": [pk for pk, naissance, _ in habitants if naissance <= aines],
            }
            possibles = [a for a in ACTIONS_COLLECTIVES if len(publics[a[4]]) >= 6]
            for rang, (titre, type_, description, themes, public) in enumerate(
                h.sample(possibles, min(len(possibles), h.randint(2, 3)))
            ):
                debut = aujourd_hui - timedelta(days=h.randint(*ANCIENNETE_ACTIONS))
                # La troisième action d'un site est parfois terminée depuis quelques mois.
                fin = aujourd_hui
                if rang == 2 and h.random() < 0.5:
                    fin = aujourd_hui - timedelta(days=h.randint(60, 240))
                animateurs = h.sample(equipe, min(len(equipe), h.randint(1, 2)))
                verifier_date_suivi(debut, champ="date_debut", aujourd_hui=regles)
                for agent_id in animateurs:
                    verifier_agent_du_site(agents[agent_id], site)
                action = ActionCollective.objects.create(
                    titre=titre,
                    type=type_,
                    site=site,
                    description=description,
                    date_debut=debut,
                    active=fin == aujourd_hui,
                    cree_par_id=animateurs[0],
                )
                action.animateurs.set(animateurs)
                bilan.actions += 1
                noyau = h.sample(publics[public], min(len(publics[public]), h.randint(6, 18)))
                seances, presents = [], []
                jour = debut + timedelta(days=h.randint(0, 10))
                while jour <= fin:
                    if jour.weekday() >= 5:
                        jour += timedelta(days=7 - jour.weekday())
                        continue
                    inscrits = [pk for pk in noyau if h.random() < 0.6]
                    anonymes = h.randint(0 if inscrits else 1, 6)
                    verifier_date_suivi(jour, champ="date", pas_avant=debut, aujourd_hui=regles)
                    verifier_participants_seance(len(inscrits), anonymes)
                    seance = Seance(
                        action=action,
                        date=jour,
                        site=site,
                        theme=h.choice(themes),
                        participants_anonymes=anonymes,
                        auteur_id=h.choice(animateurs),
                    )
                    seances.append(seance)
                    presents.append(inscrits)
                    jour += timedelta(days=h.randint(14, 28))
                Seance.objects.bulk_create(seances, batch_size=1000)
                Seance.participants.through.objects.bulk_create(
                    [
                        Seance.participants.through(seance_id=seance.pk, habitant_id=pk)
                        for seance, liste in zip(seances, presents, strict=True)
                        for pk in liste
                    ],
                    batch_size=5000,
                )
                Seance.animateurs.through.objects.bulk_create(
                    [
                        Seance.animateurs.through(seance_id=seance.pk, agent_id=agent_id)
                        for seance in seances
                        for agent_id in animateurs
                    ],
                    batch_size=5000,
                )
                bilan.seances += len(seances)
                bilan.participations += sum(map(len, presents)) + sum(
                    s.participants_anonymes for s in seances
                )
    return bilan
