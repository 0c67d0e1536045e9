"""Population de démonstration et de volume : des foyers plausibles d'une ville comme Grenoble.

Insertion en masse (bulk_create) : les services, qui valident et journalisent objet par objet,
serviraient 230 000 personnes trop lentement. Mais chaque objet passe par les MÊMES règles que
les services, leurs fonctions pures (`habitants.services`, `habitants.historique`) ; une règle
enfreinte lève ValidationError et la démo s'arrête :

- noms et recherche (`indexer_habitant`, `verifier_noms`), adresse (`indexer_foyer`), bailleur
  selon le statut d'occupation (`verifier_bailleur`) ;
- arrivée dans le foyer pas avant la naissance (`verifier_date_arrivee`) ;
- information RGPD avec une réponse datée à la question du contact (`noter_information`) ;
- dates des ressources (`verifier_dates_ressource`), montants et dates des loyers
  (`verifier_montants_loyer`, plage `DEPUIS`), dates des situations conjugales
  (`verifier_date_conjugale`) ;
- passages : un motif au moins, pas dans le futur, un partenaire actif pour une orientation et
  seulement pour elle (`verifier_passage`).

Une exception, voulue : sur un site sans agent d'accueil ni travailleur social, la personne est
inscrite et le passage enregistré au nom d'un agent d'un autre site (`_agents_par_site`), là où
le service exigerait un agent du site. Un test vérifie un échantillon avec full_clean().
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ccas_portal.models import Agent, Partenaire, Site
from ccas_portal.validation import DEPUIS, verifier_date
from habitants.communes import commune
from habitants.enums import (
    EtatConsentement,
    ModePassage,
    ReponsePassage,
    RoleMembre,
    Sexe,
    StatutMarital,
    StatutOccupation,
    TypeBailleur,
    TypeRessource,
)
from habitants.historique import verifier_date_conjugale, verifier_montants_loyer
from habitants.models import (
    Foyer,
    Habitant,
    MembreFoyer,
    Motif,
    Passage,
    PeriodeLoyer,
    Ressource,
    SituationConjugale,
)
from habitants.services import (
    indexer_foyer,
    indexer_habitant,
    noter_information,
    verifier_bailleur,
    verifier_date_arrivee,
    verifier_dates_ressource,
    verifier_noms,
    verifier_passage,
)

NOMS = [
    "Martin",
    "Bernard",
    "Dubois",
    "Durand",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Lefebvre",
    "Lefevre",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Girard",
    "Bonnet",
    "Dupont",
    "Dupond",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Mercier",
    "Boyer",
    "André",
    "Rivière",
    "Gauthier",
    "Perrin",
    "Morel",
    "Fournier",
    "Lambert",
    "Bertrand",
    "Roux",
    "Vincent",
    "Brunet",
    "Benali",
    "Benaïssa",
    "Haddad",
    "Mansouri",
    "Diallo",
    "Traoré",
    "Koné",
    "Da Silva",
    "Ferreira",
    "Pereira",
    "Nguyen",
    "Tran",
    "Yilmaz",
    "Kaya",
    "Mbappé",
    "N'Diaye",
    "Ndiaye",
    "Chérif",
    "Chatelain",
    "Châtelain",
    "Béranger",
    "Jouve",
    "Vallier",
    "Ruel",
    "Côte",
    "Sarrazin",
    "Meunier",
    "Giraud",
    "Barbier",
    "Arnaud",
]
PRENOMS_F = [
    "Amina",
    "Sophie",
    "Hélène",
    "Chloé",
    "Léa",
    "Zoé",
    "Inès",
    "Noémie",
    "Anaïs",
    "Maëlys",
    "Cécile",
    "Thérèse",
    "Marie-Hélène",
    "Fatoumata",
    "Aïcha",
    "Bérénice",
    "Élodie",
    "Elodie",
    "Nadia",
    "Yasmina",
    "Renée",
    "Josiane",
    "Françoise",
    "Océane",
    "Manon",
    "Camille",
    "Linh",
]
PRENOMS_M = [
    "Mohamed",
    "Mohammed",
    "Mohamad",
    "Jérôme",
    "François",
    "Loïc",
    "Gaël",
    "Joël",
    "Stéphane",
    "Karim",
    "Yacine",
    "Rémi",
    "Mathéo",
    "Jean-Pierre",
    "Mamadou",
    "Théo",
    "Noël",
    "Hervé",
    "Ahmed",
    "Youssef",
    "Lucas",
    "Hugo",
    "Raphaël",
    "Moussa",
    "Minh",
    "Antoine",
    "René",
]
#: Rues de chaque quartier (Maison des Habitants) : un foyer habite le quartier de son site.
RUES_PAR_SITE = {
    "mdh-berriat": [
        "cours Berriat",
        "rue Nicolas Chorier",
        "rue Abbé Grégoire",
        "rue Ampère",
        "rue Henri Le Chatelier",
        "rue Bouchayer",
    ],
    "mdh-centre-ville": [
        "rue Très-Cloîtres",
        "rue Saint-Laurent",
        "quai Perrière",
        "rue du Vieux Temple",
        "rue Chenoise",
        "rue Servan",
    ],
    "mdh-bajatiere": [
        "rue Stalingrad",
        "rue Général Ferrié",
        "rue Albert Reynier",
        "rue de la Bajatière",
        "rue Léon Jouhaux",
    ],
    "mdh-abbaye": [
        "rue de l'Abbaye",
        "place de la Commune de 1871",
        "avenue Jeanne d'Arc",
        "rue Léon Jouhaux",
        "rue Paul Claudel",
    ],
    "mdh-teisseire": [
        "rue Jean Perrot",
        "avenue Jean Perrot",
        "avenue Malherbe",
        "allée des Frênes",
        "avenue Léon Blum",
    ],
    "mdh-villeneuve": [
        "galerie de l'Arlequin",
        "avenue Marie Reynoard",
        "place des Géants",
        "avenue de Vizille",
    ],
    "mdh-mistral": [
        "rue Anatole France",
        "boulevard Joseph Vallier",
        "rue des Eaux-Claires",
        "avenue Rhin et Danube",
        "rue Charles Michels",
    ],
    "mdh-premol": [
        "rue Henri Duhamel",
        "place des Géants",
        "avenue Marie Reynoard",
        "rue Prémol",
    ],
}
#: Rues d'un site qui n'est pas dans la liste ci-dessus (un CCAS qui a ses propres sites).
RUES = [
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "place de la Mairie",
    "rue Pasteur",
    "allée des Tilleuls",
]
QUARTIERS = {
    "mdh-berriat": "Chorier-Berriat",
    "mdh-centre-ville": "Centre-ville",
    "mdh-bajatiere": "Bajatière",
    "mdh-abbaye": "Abbaye-Jouhaux",
    "mdh-teisseire": "Teisseire",
    "mdh-villeneuve": "Villeneuve",
    "mdh-mistral": "Mistral",
    "mdh-premol": "Village Olympique",
}
#: Complément d'adresse d'une personne sans domicile, domiciliée à sa Maison des Habitants.
DOMICILIATION = "Domiciliation administrative (CCAS)"
#: Commune d'un site dont le code INSEE n'est pas au référentiel (ne devrait pas arriver).
COMMUNE_PAR_DEFAUT = "38185"


def age_le(naissance: date, jour: date) -> int:
    """Âge révolu le `jour`."""
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month, naissance.day))


def anniversaire(naissance: date, age: int) -> date:
    """Le jour des `age` ans (un 29 février fête ses anniversaires le 1er mars)."""
    try:
        return naissance.replace(year=naissance.year + age)
    except ValueError:
        return date(naissance.year + age, 3, 1)


@dataclass
class Bilan:
    foyers: int = 0
    habitants: int = 0
    ressources: int = 0
    loyers: int = 0
    situations_conjugales: int = 0
    passages: int = 0


class Generateur:
    """Des foyers cohérents : écarts d'âge plausibles dans les couples, enfants nés quand leurs
    parents avaient 18 ans ou plus, couple formé quand les deux étaient majeurs, arrivées dans
    le foyer après la naissance ; adresse dans la commune (et le quartier) du site."""

    def __init__(self, *, graine: int = 2015, aujourd_hui: date | None = None):
        self.hasard = random.Random(graine)
        # Un second tirage pour les historiques (loyer, situation conjugale) : la population
        # d'une graine (noms, âges, ressources) reste celle qu'elle était sans eux.
        self.hasard_historiques = random.Random(graine * 7919 + 1)
        # Et un troisième pour la réponse au contact des personnes sans téléphone (le service
        # exige une réponse avec l'information) : le reste de la population ne bouge pas.
        self.hasard_contact = random.Random(graine * 104729 + 3)
        self.aujourd_hui = aujourd_hui or timezone.localdate()
        #: Le jour des règles des services (« pas dans le futur »), lu une fois.
        self.jour_des_regles = timezone.localdate()
        #: Le loyer tiré pour chaque foyer (par identité de l'objet, pas encore en base).
        self._loyers: dict[int, Decimal] = {}

    def _naissance(self, age: int) -> date:
        """Une date de naissance qui donne exactement `age` ans aujourd'hui."""
        naissance = anniversaire(self.aujourd_hui, -age) - timedelta(
            days=self.hasard.randint(0, 364)
        )
        while age_le(naissance, self.aujourd_hui) > age:
            naissance += timedelta(days=1)
        return naissance

    def _personne(self, site, nom, sexe, age) -> Habitant:
        prenom = self.hasard.choice(PRENOMS_F if sexe == Sexe.FEMME else PRENOMS_M)
        habitant = Habitant(
            site=site,
            nom_usage=nom,
            prenoms=prenom,
            sexe=sexe,
            date_naissance=self._naissance(age),
        )
        if age >= 18 and self.hasard.random() < 0.7:
            habitant.telephone = "0{} {:02d} {:02d} {:02d} {:02d}".format(
                self.hasard.choice("67"), *(self.hasard.randint(0, 99) for _ in range(4))
            )
        indexer_habitant(habitant)
        verifier_noms(habitant)
        return habitant

    def _ecart(self, sexe_conjoint) -> int:
        """Écart d'âge conjoint − demandeur : quelques années, l'homme un peu plus âgé."""
        moyenne = 2 if sexe_conjoint == Sexe.HOMME else -2
        return max(-12, min(12, round(self.hasard.gauss(moyenne, 4))))

    def _depuis(self, majeurs_le: date, au_plus_tot: date) -> date:
        """Une date d'arrivée entre `majeurs_le` (ou `au_plus_tot`) et aujourd'hui, plutôt
        ancienne : la plupart des foyers suivis sont installés depuis des années."""
        debut = max(majeurs_le, au_plus_tot)
        if debut >= self.aujourd_hui:
            return self.aujourd_hui
        jours = (self.aujourd_hui - debut).days
        return debut + timedelta(days=int(jours * self.hasard.random() ** 1.5))

    def _foyer(self, site) -> Foyer:
        c = commune(site.code_insee) or commune(COMMUNE_PAR_DEFAUT)
        code_postal = (
            site.code_postal if site.code_postal in c.codes_postaux else c.codes_postaux[0]
        )
        statut = self.hasard.choices(
            list(StatutOccupation),
            weights=[45, 25, 8, 8, 4, 3, 5, 2],
        )[0]
        loyer, bailleur = None, TypeBailleur.AUCUN
        if statut == StatutOccupation.LOCATAIRE_SOCIAL:
            loyer, bailleur = Decimal(self.hasard.randint(280, 620)), TypeBailleur.SOCIAL
        elif statut == StatutOccupation.LOCATAIRE_PRIVE:
            loyer, bailleur = Decimal(self.hasard.randint(420, 950)), TypeBailleur.PRIVE
        rue = self.hasard.choice(RUES_PAR_SITE.get(site.code, RUES))
        adresse, complement = f"{self.hasard.randint(1, 140)} {rue}", ""
        if statut == StatutOccupation.SANS_DOMICILE:
            # Sans domicile : domicilié à sa Maison des Habitants.
            adresse, complement = site.adresse, DOMICILIATION
        foyer = Foyer(
            site=site,
            adresse=adresse,
            complement_adresse=complement,
            code_postal=code_postal,
            commune=c.nom,
            code_insee=c.code_insee,
            quartier=QUARTIERS.get(site.code, ""),
            statut_occupation=statut,
            type_bailleur=bailleur,
        )
        indexer_foyer(foyer)
        verifier_bailleur(foyer)
        if loyer is not None:
            self._loyers[id(foyer)] = loyer
        return foyer

    def historique_loyer(self, foyer: Foyer, arrivee: date) -> list[PeriodeLoyer]:
        """Le loyer d'un locataire depuis son arrivée : un loyer d'entrée, souvent révisé un
        1er janvier (le précédent clos la veille), parfois changé ces derniers mois ; charges
        pour la plupart. Les périodes se suivent sans trou ni chevauchement."""
        actuel = self._loyers.pop(id(foyer), None)
        if actuel is None:
            return []
        h = self.hasard_historiques
        charges = Decimal(h.randint(20, 150)) if h.random() < 0.75 else None
        debuts = [arrivee]
        revision = date(self.aujourd_hui.year - h.choice([0, 1, 1, 2]), 1, 1)
        if arrivee < revision <= self.aujourd_hui:
            debuts.append(revision)
        recent = self.aujourd_hui.replace(day=1) - timedelta(days=30 * h.randint(0, 5))
        recent = recent.replace(day=1)
        if h.random() < 0.15 and debuts[-1] < recent:
            debuts.append(recent)
        montants = [actuel]
        for _ in debuts[1:]:
            # En remontant le temps : chaque loyer précédent un peu plus bas.
            montants.insert(0, (montants[0] * Decimal(h.uniform(0.9, 0.99))).quantize(Decimal(1)))
        periodes = []
        for i, (debut, montant) in enumerate(zip(debuts, montants, strict=True)):
            fin = debuts[i + 1] - timedelta(days=1) if i + 1 < len(debuts) else None
            verifier_date(debut, DEPUIS, champ="date_debut", aujourd_hui=self.jour_des_regles)
            verifier_montants_loyer(montant, charges)
            periodes.append(
                PeriodeLoyer(
                    foyer=foyer,
                    loyer_mensuel=montant,
                    charges_mensuelles=charges,
                    date_debut=debut,
                    date_fin=fin,
                )
            )
        return periodes

    def _entre(self, debut: date, fin: date) -> date:
        if fin <= debut:
            return debut
        return debut + timedelta(days=self.hasard_historiques.randint(0, (fin - debut).days))

    def situations_conjugales(self, membres) -> list[SituationConjugale]:
        """La situation conjugale des adultes, datée : un couple vit en concubinage depuis son
        arrivée, puis souvent s'est marié ou pacsé ; une personne seule est célibataire depuis
        sa majorité, ou divorcée (après un mariage), ou veuve (les aînés). Une sur dix n'est pas
        renseignée."""
        h, aujourd_hui = self.hasard_historiques, self.aujourd_hui
        adultes = [(p, r, a) for p, r, a in membres if r != RoleMembre.ENFANT]
        couple = [(p, a) for p, r, a in adultes if r in (RoleMembre.DEMANDEUR, RoleMembre.CONJOINT)]
        situations = []

        def ajouter(personnes, *etapes):
            for personne in personnes:
                for statut, debut in etapes:
                    verifier_date_conjugale(personne, debut, aujourd_hui=self.jour_des_regles)
                    situations.append(
                        SituationConjugale(habitant=personne, statut=statut, date_debut=debut)
                    )

        if len(couple) == 2:
            if h.random() < 0.1:
                return []
            debut = couple[0][1]
            tirage = h.random()
            personnes = [p for p, _ in couple]
            if tirage < 0.35:
                ajouter(personnes, (StatutMarital.CONCUBINAGE, debut))
            else:
                union = StatutMarital.MARIE if tirage < 0.8 else StatutMarital.PACSE
                # Mariés (ou pacsés) quelque temps après la vie commune, ou dès l'arrivée.
                quand = self._entre(debut, min(aujourd_hui, debut + timedelta(days=3 * 365)))
                if quand > debut:
                    ajouter(personnes, (StatutMarital.CONCUBINAGE, debut), (union, quand))
                else:
                    ajouter(personnes, (union, debut))
        for personne, role, _ in adultes:
            if any(personne is p for p, _ in couple) and len(couple) == 2:
                continue
            if h.random() < 0.1:
                continue
            majeur = anniversaire(personne.date_naissance, 18)
            age = age_le(personne.date_naissance, aujourd_hui)
            tirage = h.random()
            if role == RoleMembre.DEMANDEUR and age >= 65 and tirage < 0.5:
                mariage = self._entre(majeur, anniversaire(personne.date_naissance, 30))
                veuvage = self._entre(mariage + timedelta(days=365), aujourd_hui)
                ajouter([personne], (StatutMarital.MARIE, mariage), (StatutMarital.VEUF, veuvage))
            elif role == RoleMembre.DEMANDEUR and age >= 25 and tirage < 0.4:
                mariage = self._entre(majeur, aujourd_hui - timedelta(days=2 * 365))
                divorce = self._entre(mariage + timedelta(days=365), aujourd_hui)
                ajouter(
                    [personne], (StatutMarital.MARIE, mariage), (StatutMarital.DIVORCE, divorce)
                )
            else:
                ajouter([personne], (StatutMarital.CELIBATAIRE, majeur))
        return situations

    def composition(self, site):
        """(foyer, [(habitant, rôle, arrivée)]) : isolé, couple, famille, monoparental, personne
        âgée."""
        h, aujourd_hui = self.hasard, self.aujourd_hui
        foyer = self._foyer(site)
        nom = h.choice(NOMS)
        sexe = h.choice([Sexe.FEMME, Sexe.HOMME])
        autre = Sexe.HOMME if sexe == Sexe.FEMME else Sexe.FEMME
        genre = h.choices(
            ["isole", "couple", "famille", "monoparental", "age"], weights=[33, 14, 25, 16, 12]
        )[0]
        if genre == "age":
            age = h.randint(65, 95)
            bornes_conjoint, anciennete = (60, 98), 50
        elif genre in ("famille", "monoparental"):
            age = h.randint(20, 58)  # des enfants mineurs nés après ses 18 ans, avant ses 45 ans
            bornes_conjoint, anciennete = (18, 64), 25
        else:
            age = h.randint(18, 64)
            bornes_conjoint, anciennete = (18, 70), 30
        au_plus_tot = aujourd_hui - timedelta(days=anciennete * 365)
        demandeur = self._personne(site, nom, sexe, age)
        parents = [demandeur]
        conjoint = None
        if genre in ("couple", "famille") or (genre == "age" and h.random() < 0.35):
            nom_conjoint = nom if h.random() < 0.6 else h.choice(NOMS)
            age_conjoint = max(
                bornes_conjoint[0], min(bornes_conjoint[1], age + self._ecart(autre))
            )
            conjoint = self._personne(site, nom_conjoint, autre, age_conjoint)
            parents.append(conjoint)
        # Arrivée du demandeur (et du conjoint : la vie commune) quand tous deux sont majeurs.
        majeurs_le = max(anniversaire(p.date_naissance, 18) for p in parents)
        debut = self._depuis(majeurs_le, au_plus_tot)
        membres = [(demandeur, RoleMembre.DEMANDEUR, debut)]
        if conjoint:
            membres.append((conjoint, RoleMembre.CONJOINT, debut))
        if genre in ("famille", "monoparental"):
            plus_jeune = min(age_le(p.date_naissance, aujourd_hui) for p in parents)
            # Né quand le plus jeune parent avait entre 18 et 45 ans.
            ages = (max(0, plus_jeune - 45), min(17, plus_jeune - 18))
            for _ in range(h.choice([1, 1, 2, 2, 3, 4])):
                enfant = self._personne(
                    site, nom, h.choice([Sexe.FEMME, Sexe.HOMME]), h.randint(*ages)
                )
                membres.append((enfant, RoleMembre.ENFANT, max(enfant.date_naissance, debut)))
            if h.random() < 0.1 and plus_jeune >= 38:
                # Un enfant majeur encore au foyer.
                grand = self._personne(
                    site,
                    nom,
                    h.choice([Sexe.FEMME, Sexe.HOMME]),
                    h.randint(18, min(24, plus_jeune - 18)),
                )
                membres.append((grand, RoleMembre.AUTRE_ADULTE, max(grand.date_naissance, debut)))
        for habitant, role, arrivee in membres:
            verifier_date_arrivee(
                habitant.date_naissance, arrivee, aujourd_hui=self.jour_des_regles
            )
            if role != RoleMembre.ENFANT:
                self._information(habitant, arrivee)
        return foyer, membres

    def _information(self, habitant: Habitant, arrivee: date) -> None:
        """La plupart des adultes ont reçu l'information RGPD à leur inscription (depuis moins
        de trois ans, après leur arrivée et leur majorité) ; la plupart de ceux qui ont un
        téléphone acceptent d'être contactés. Les autres : « pas encore »."""
        h = self.hasard
        if h.random() >= 0.85:
            return
        au_plus_tot = max(
            arrivee,
            anniversaire(habitant.date_naissance, 18),
            self.aujourd_hui - timedelta(days=3 * 365),
        )
        jours = max(0, (self.aujourd_hui - au_plus_tot).days)
        informee_le = au_plus_tot + timedelta(days=h.randint(0, jours))
        # La question du contact est posée avec l'information (le service l'exige) : le plus
        # souvent acceptée, parfois refusée. L'agent est noté à l'inscription (`cree_par`).
        accepte = (h if habitant.telephone else self.hasard_contact).random() < 0.8
        noter_information(
            habitant,
            agent=None,
            date_information=informee_le,
            consentement=EtatConsentement.ACCEPTE if accepte else EtatConsentement.REFUSE,
            aujourd_hui=self.jour_des_regles,
        )

    def ressources(self, habitant: Habitant, role) -> list[Ressource]:
        if role == RoleMembre.ENFANT:
            return []
        age = age_le(habitant.date_naissance, self.aujourd_hui)
        # Depuis janvier il y a deux ans, ou depuis la majorité pour un jeune adulte.
        debut = max(
            date(self.aujourd_hui.year - 2, 1, 1), anniversaire(habitant.date_naissance, 18)
        )
        if age >= 65:
            type_, montant = TypeRessource.RETRAITE, self.hasard.randint(450, 1900)
        else:
            tirage = self.hasard.random()
            if tirage < 0.3:
                return []  # sans ressource déclarée
            if tirage < 0.7:
                type_, montant = TypeRessource.SALAIRE_NET, self.hasard.randint(400, 2400)
            elif tirage < 0.9:
                type_, montant = TypeRessource.CHOMAGE, self.hasard.randint(500, 1300)
            else:
                type_, montant = TypeRessource.PENSION_INVALIDITE, self.hasard.randint(300, 1000)
        verifier_dates_ressource(debut, None, aujourd_hui=self.jour_des_regles)
        liste = [
            Ressource(
                habitant=habitant, type=type_, montant_mensuel=Decimal(montant), date_debut=debut
            )
        ]
        if type_ == TypeRessource.SALAIRE_NET and self.hasard.random() < 0.3:
            # Un changement de revenu en cours de période : l'historique est gardé.
            bascule = debut + timedelta(days=self.hasard.randint(90, 600))
            montant = Decimal(int(montant * self.hasard.uniform(0.5, 1.3)))
            if bascule < self.aujourd_hui:
                liste[0].date_fin = bascule - timedelta(days=1)
                verifier_dates_ressource(debut, liste[0].date_fin, aujourd_hui=self.jour_des_regles)
                verifier_dates_ressource(bascule, None, aujourd_hui=self.jour_des_regles)
                liste.append(
                    Ressource(
                        habitant=habitant, type=type_, date_debut=bascule, montant_mensuel=montant
                    )
                )
        return liste


def _sites_accueil():
    sites = list(Site.objects.maisons_des_habitants().actifs().order_by("code"))
    if not sites:
        raise LookupError("Aucune Maison des Habitants : lancez charger_referentiels --wet-run.")
    return sites


def _agents_par_site(sites) -> dict[int, list[Agent]]:
    """{site_id: [agents d'accueil et travailleurs sociaux du site]}, à défaut ceux des autres
    sites, à défaut n'importe quel agent (liste vide s'il n'y en a aucun)."""
    agents = list(
        Agent.objects.filter(role__in=["accueil", "travailleur_social"])
        .order_by("pk")
        .prefetch_related("sites")
    ) or list(Agent.objects.order_by("pk")[:1])
    return {
        site.id: [a for a in agents if site.id in {s.pk for s in a.sites.all()}] or agents
        for site in sites
    }


def creer_population(*, foyers: int, graine: int = 2015, lot: int = 2000, sortie=None) -> Bilan:
    """Crée `foyers` foyers avec leurs membres et ressources, par lots de `lot` foyers. Chaque
    personne est inscrite par un agent de son site (à défaut, un agent d'un autre site)."""
    generateur = Generateur(graine=graine)
    sites = _sites_accueil()
    agents = _agents_par_site(sites)
    bilan = Bilan()
    for depart in range(0, foyers, lot):
        with transaction.atomic():
            compositions = [
                generateur.composition(sites[(depart + i) % len(sites)])
                for i in range(min(lot, foyers - depart))
            ]
            Foyer.objects.bulk_create([f for f, _ in compositions], batch_size=1000)
            habitants = [h for _, membres in compositions for h, _, _ in membres]
            for habitant in habitants:
                if agents[habitant.site.id]:
                    habitant.cree_par = agents[habitant.site.id][0]
                    if habitant.date_information:
                        habitant.informe_par = habitant.cree_par
            Habitant.objects.bulk_create(habitants, batch_size=2000)
            membres = []
            ressources = []
            loyers = []
            situations = []
            for foyer, liste in compositions:
                for habitant, role, debut in liste:
                    membres.append(
                        MembreFoyer(foyer=foyer, habitant=habitant, role=role, date_debut=debut)
                    )
                    ressources.extend(generateur.ressources(habitant, role))
                loyers.extend(generateur.historique_loyer(foyer, liste[0][2]))
                situations.extend(generateur.situations_conjugales(liste))
            MembreFoyer.objects.bulk_create(membres, batch_size=2000)
            Ressource.objects.bulk_create(ressources, batch_size=2000)
            PeriodeLoyer.objects.bulk_create(loyers, batch_size=2000)
            SituationConjugale.objects.bulk_create(situations, batch_size=2000)
        bilan.foyers += len(compositions)
        bilan.habitants += len(habitants)
        bilan.ressources += len(ressources)
        bilan.loyers += len(loyers)
        bilan.situations_conjugales += len(situations)
        if sortie:
            sortie(f"  {bilan.foyers} foyers, {bilan.habitants} personnes…")
    return bilan


#: Âge (révolu, le jour du passage) de la personne venue pour un motif : (au moins, au plus).
#: Un motif absent de la table : une personne majeure, sans autre condition.
AGES_DES_MOTIFS = {
    "isolement": (60, None),
    "aide_domicile": (60, None),
    "logement_adapte": (60, None),
    "aspa": (62, None),
    "jeunes_adultes": (18, 25),
    "minima_sociaux": (18, 64),
}
#: Motifs d'un parent : la personne vit dans un foyer avec au moins un enfant.
MOTIFS_DES_PARENTS = {"mode_accueil", "prestations_familiales", "parentalite"}
#: Personne n'est seul au guichet avant cet âge.
AGE_GUICHET = 18


def motif_convient(code: str, age: int, parent: bool) -> bool:
    """Le motif est-il plausible pour une personne de cet âge (parent d'un enfant du foyer) ?"""
    if age < AGE_GUICHET or (code in MOTIFS_DES_PARENTS and not parent):
        return False
    minimum, maximum = AGES_DES_MOTIFS.get(code, (AGE_GUICHET, None))
    return age >= minimum and (maximum is None or age <= maximum)


def creer_passages(
    *, jours: int, par_jour_et_site: int, graine: int = 2015, lot: int = 5000
) -> int:
    """Des passages sur les `jours` derniers jours ouvrés de chaque Maison des Habitants.

    La personne venue est majeure le jour du passage et ses motifs vont avec son âge et son
    foyer (`motif_convient`) ; l'agent est un agent du site quand le site en a un."""
    hasard = random.Random(graine)
    sites = _sites_accueil()
    agents_par_site = _agents_par_site(sites)
    if not any(agents_par_site.values()):
        raise LookupError("Aucun agent : créez au moins les comptes de démonstration.")
    motifs = list(Motif.objects.filter(actif=True).order_by("ordre", "code"))
    if not motifs:
        raise LookupError("Aucun motif de passage : lancez charger_referentiels --wet-run.")
    # Une orientation vers un partenaire le nomme : l'annuaire pris à tour de rôle (sans tirer
    # au hasard, pour garder la même population d'une version à l'autre).
    partenaires = list(Partenaire.objects.filter(actif=True).order_by("code"))
    # Sans partenaire à l'annuaire, pas d'orientation vers un partenaire (le service l'exige).
    reponses = [
        r for r in ReponsePassage if partenaires or r != ReponsePassage.ORIENTATION_PARTENAIRE
    ]
    orientations = 0
    aujourd_hui = timezone.localdate()
    # Majeurs aujourd'hui ; l'âge le jour du passage est vérifié ensuite.
    majeurs = anniversaire(aujourd_hui, -AGE_GUICHET)
    parent = Exists(
        MembreFoyer.objects.filter(
            foyer__membres__habitant_id=OuterRef("pk"),
            foyer__membres__date_fin__isnull=True,
            role=RoleMembre.ENFANT,
            date_fin__isnull=True,
        )
    )
    personnes_par_site = {
        site.id: list(
            Habitant.objects.filter(site=site)
            .exclude(date_naissance__gt=majeurs)
            .annotate(parent=parent)
            .order_by("pk")
            .values_list("id", "date_naissance", "parent")[:20000]
        )
        for site in sites
    }
    possibles: dict[tuple[int, bool], list[Motif]] = {}

    def motifs_pour(age: int, est_parent: bool) -> list[Motif]:
        """Les motifs possibles ; ceux propres à son âge ou à sa situation de parent, trois
        fois (plus souvent tirés : une personne âgée vient surtout pour un motif d'aîné)."""
        cle = (min(age, 100), est_parent)
        if cle not in possibles:
            possibles[cle] = [
                m
                for m in motifs
                if motif_convient(m.code, *cle)
                for _ in range(
                    3 if m.code in AGES_DES_MOTIFS or m.code in MOTIFS_DES_PARENTS else 1
                )
            ]
        return possibles[cle]

    total = 0
    a_creer: list[tuple[Passage, list[Motif]]] = []

    def vider():
        nonlocal total
        with transaction.atomic():
            Passage.objects.bulk_create([p for p, _ in a_creer], batch_size=2000)
            Passage.motifs.through.objects.bulk_create(
                [Passage.motifs.through(passage=p, motif=m) for p, ms in a_creer for m in ms],
                batch_size=5000,
            )
        total += len(a_creer)
        a_creer.clear()

    jour = aujourd_hui
    jours_faits = 0
    maintenant = timezone.now()
    while jours_faits < jours:
        if jour.weekday() < 5:
            for site in sites:
                personnes = personnes_par_site[site.id]
                for _ in range(hasard.randint(par_jour_et_site // 2, par_jour_et_site)):
                    moment = timezone.make_aware(
                        datetime.combine(jour, time(hasard.randint(8, 17), hasard.randint(0, 59)))
                    )
                    if moment > maintenant:
                        continue
                    habitant_id, choix = None, motifs
                    if personnes and hasard.random() >= 0.2:
                        pk, naissance, est_parent = hasard.choice(personnes)
                        age = 40 if naissance is None else age_le(naissance, jour)
                        if age >= AGE_GUICHET and motifs_pour(age, est_parent):
                            habitant_id, choix = pk, motifs_pour(age, est_parent)
                    passage = Passage(
                        site=site,
                        agent=hasard.choice(agents_par_site[site.id]),
                        date_heure=moment,
                        habitant_id=habitant_id,
                        mode=hasard.choices(list(ModePassage), weights=[70, 25, 5])[0],
                        reponse=hasard.choice(reponses),
                    )
                    if passage.reponse == ReponsePassage.ORIENTATION_PARTENAIRE:
                        passage.partenaire = partenaires[orientations % len(partenaires)]
                        orientations += 1
                    choisis = [hasard.choice(choix)]
                    if hasard.random() < 1 / 3:  # un second motif, une fois sur trois
                        second = hasard.choice(choix)
                        if second is not choisis[0]:
                            choisis.append(second)
                    verifier_passage(
                        motifs=choisis,
                        date_heure=moment,
                        reponse=passage.reponse,
                        partenaire=passage.partenaire,
                        maintenant=maintenant,
                    )
                    a_creer.append((passage, choisis))
                    if len(a_creer) >= lot:
                        vider()
            jours_faits += 1
        jour -= timedelta(days=1)
    if a_creer:
        vider()
    return total
