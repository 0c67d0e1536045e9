"""Population de démonstration et de volume : des foyers plausibles d'une ville comme Grenoble.

Insertion en masse (bulk_create) de données valides par construction : les services, qui
valident objet par objet, serviraient 230 000 personnes trop lentement. Un test vérifie un
échantillon avec full_clean().
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ccas_portal.models import Agent, Site
from habitants.communes import METROPOLE_GRENOBLE, commune
from habitants.enums import (
    ModePassage,
    ReponsePassage,
    RoleMembre,
    Sexe,
    StatutOccupation,
    TypeBailleur,
    TypeRessource,
)
from habitants.models import Foyer, Habitant, MembreFoyer, Motif, Passage, Ressource
from habitants.normalisation import normaliser
from habitants.services import indexer_habitant

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
RUES = [
    "rue Mallifaud",
    "avenue Jean Perrot",
    "galerie de l'Arlequin",
    "rue Anatole France",
    "cours Jean Jaurès",
    "boulevard Joseph Vallier",
    "rue Très-Cloîtres",
    "avenue Alsace-Lorraine",
    "rue Général Ferrié",
    "quai Perrière",
    "rue Saint-Laurent",
    "avenue Léon Blum",
    "rue Léon Jouhaux",
    "place des Géants",
    "rue Henri Duhamel",
    "avenue Marie Reynoard",
    "rue Abbé Grégoire",
    "rue Stalingrad",
    "boulevard Maréchal Foch",
    "rue des Eaux-Claires",
    "allée des Frênes",
    "rue Paul Claudel",
    "avenue de Vizille",
    "rue Charles Michels",
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


@dataclass
class Bilan:
    foyers: int = 0
    habitants: int = 0
    ressources: int = 0
    passages: int = 0


class Generateur:
    def __init__(self, *, graine: int = 2015, aujourd_hui: date | None = None):
        self.hasard = random.Random(graine)
        self.aujourd_hui = aujourd_hui or timezone.localdate()

    def _naissance(self, age_min: int, age_max: int) -> date:
        age = self.hasard.randint(age_min, age_max)
        return self.aujourd_hui - timedelta(days=age * 365 + self.hasard.randint(0, 364))

    def _personne(self, site, nom, sexe, age_min, age_max) -> Habitant:
        prenom = self.hasard.choice(PRENOMS_F if sexe == Sexe.FEMME else PRENOMS_M)
        habitant = Habitant(
            site=site,
            nom_usage=nom,
            prenoms=prenom,
            sexe=sexe,
            date_naissance=self._naissance(age_min, age_max),
        )
        if age_min >= 18 and self.hasard.random() < 0.7:
            habitant.telephone = "0{} {:02d} {:02d} {:02d} {:02d}".format(
                self.hasard.choice("67"), *(self.hasard.randint(0, 99) for _ in range(4))
            )
        indexer_habitant(habitant)
        return habitant

    def _foyer(self, site) -> Foyer:
        code_insee = (
            "38185" if self.hasard.random() < 0.8 else self.hasard.choice(METROPOLE_GRENOBLE[1:])
        )
        c = commune(code_insee)
        statut = self.hasard.choices(
            list(StatutOccupation),
            weights=[45, 25, 8, 8, 4, 3, 5, 2],
        )[0]
        loyer, bailleur = None, TypeBailleur.AUCUN
        if statut == StatutOccupation.LOCATAIRE_SOCIAL:
            loyer, bailleur = Decimal(self.hasard.randint(280, 620)), TypeBailleur.SOCIAL
        elif statut == StatutOccupation.LOCATAIRE_PRIVE:
            loyer, bailleur = Decimal(self.hasard.randint(420, 950)), TypeBailleur.PRIVE
        foyer = Foyer(
            site=site,
            adresse=f"{self.hasard.randint(1, 140)} {self.hasard.choice(RUES)}",
            code_postal=self.hasard.choice(c.codes_postaux),
            commune=c.nom,
            code_insee=c.code_insee,
            quartier=QUARTIERS.get(site.code, "") if code_insee == "38185" else "",
            statut_occupation=statut,
            loyer_mensuel=loyer,
            type_bailleur=bailleur,
        )
        foyer.adresse_normalisee = normaliser(f"{foyer.adresse} {foyer.commune}")
        return foyer

    def composition(self, site):
        """(foyer, [(habitant, rôle)]) : isolé, couple, famille, monoparental, personne âgée."""
        foyer = self._foyer(site)
        nom = self.hasard.choice(NOMS)
        sexe = self.hasard.choice([Sexe.FEMME, Sexe.HOMME])
        autre = Sexe.HOMME if sexe == Sexe.FEMME else Sexe.FEMME
        genre = self.hasard.choices(
            ["isole", "couple", "famille", "monoparental", "age"], weights=[33, 14, 25, 16, 12]
        )[0]
        membres = []
        if genre == "age":
            membres.append((self._personne(site, nom, sexe, 65, 95), RoleMembre.DEMANDEUR))
            if self.hasard.random() < 0.35:
                membres.append((self._personne(site, nom, autre, 65, 92), RoleMembre.CONJOINT))
            return foyer, membres
        membres.append((self._personne(site, nom, sexe, 18, 64), RoleMembre.DEMANDEUR))
        if genre in ("couple", "famille"):
            nom_conjoint = nom if self.hasard.random() < 0.6 else self.hasard.choice(NOMS)
            membres.append((self._personne(site, nom_conjoint, autre, 20, 64), RoleMembre.CONJOINT))
        if genre in ("famille", "monoparental"):
            for _ in range(self.hasard.choice([1, 1, 2, 2, 3, 4])):
                enfant = self._personne(
                    site, nom, self.hasard.choice([Sexe.FEMME, Sexe.HOMME]), 0, 17
                )
                membres.append((enfant, RoleMembre.ENFANT))
            if self.hasard.random() < 0.1:
                membres.append((self._personne(site, nom, sexe, 18, 24), RoleMembre.AUTRE_ADULTE))
        return foyer, membres

    def ressources(self, habitant: Habitant, role) -> list[Ressource]:
        if role == RoleMembre.ENFANT:
            return []
        age = (self.aujourd_hui - habitant.date_naissance).days // 365
        debut = date(self.aujourd_hui.year - 2, 1, 1)
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
        liste = [
            Ressource(
                habitant=habitant, type=type_, montant_mensuel=Decimal(montant), date_debut=debut
            )
        ]
        if type_ == TypeRessource.SALAIRE_NET and self.hasard.random() < 0.3:
            # Un changement de revenu en cours de période : l'historique est gardé.
            bascule = debut + timedelta(days=self.hasard.randint(90, 600))
            liste[0].date_fin = bascule - timedelta(days=1)
            liste.append(
                Ressource(
                    habitant=habitant,
                    type=type_,
                    date_debut=bascule,
                    montant_mensuel=Decimal(int(montant * self.hasard.uniform(0.5, 1.3))),
                )
            )
        return liste


def _sites_accueil():
    sites = list(Site.objects.maisons_des_habitants().actifs().order_by("code"))
    if not sites:
        raise LookupError("Aucune Maison des Habitants : lancez charger_referentiels --wet-run.")
    return sites


def creer_population(*, foyers: int, graine: int = 2015, lot: int = 2000, sortie=None) -> Bilan:
    """Crée `foyers` foyers avec leurs membres et ressources, par lots de `lot` foyers."""
    generateur = Generateur(graine=graine)
    sites = _sites_accueil()
    bilan = Bilan()
    for depart in range(0, foyers, lot):
        with transaction.atomic():
            compositions = [
                generateur.composition(sites[(depart + i) % len(sites)])
                for i in range(min(lot, foyers - depart))
            ]
            Foyer.objects.bulk_create([f for f, _ in compositions], batch_size=1000)
            habitants = [h for _, membres in compositions for h, _ in membres]
            Habitant.objects.bulk_create(habitants, batch_size=2000)
            membres = []
            ressources = []
            for foyer, liste in compositions:
                for habitant, role in liste:
                    membres.append(
                        MembreFoyer(
                            foyer=foyer,
                            habitant=habitant,
                            role=role,
                            date_debut=max(habitant.date_naissance, date(2010, 1, 1)),
                        )
                    )
                    ressources.extend(generateur.ressources(habitant, role))
            MembreFoyer.objects.bulk_create(membres, batch_size=2000)
            Ressource.objects.bulk_create(ressources, batch_size=2000)
        bilan.foyers += len(compositions)
        bilan.habitants += len(habitants)
        bilan.ressources += len(ressources)
        if sortie:
            sortie(f"  {bilan.foyers} foyers, {bilan.habitants} personnes…")
    return bilan


def creer_passages(
    *, jours: int, par_jour_et_site: int, graine: int = 2015, lot: int = 5000
) -> int:
    """Des passages sur les `jours` derniers jours ouvrés de chaque Maison des Habitants."""
    hasard = random.Random(graine)
    sites = _sites_accueil()
    agents = list(Agent.objects.filter(role__in=["accueil", "travailleur_social"]))
    if not agents:
        agents = list(Agent.objects.all()[:1])
    if not agents:
        raise LookupError("Aucun agent : créez au moins les comptes de démonstration.")
    motifs = list(Motif.objects.filter(actif=True))
    ids_par_site = {
        site.id: list(Habitant.objects.filter(site=site).values_list("id", flat=True)[:20000])
        for site in sites
    }
    aujourd_hui = timezone.localdate()
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
    while jours_faits < jours:
        if jour.weekday() < 5:
            for site in sites:
                ids = ids_par_site[site.id]
                for _ in range(hasard.randint(par_jour_et_site // 2, par_jour_et_site)):
                    moment = timezone.make_aware(
                        datetime.combine(jour, time(hasard.randint(8, 17), hasard.randint(0, 59)))
                    )
                    if moment > timezone.now():
                        continue
                    anonyme = hasard.random() < 0.2 or not ids
                    passage = Passage(
                        site=site,
                        agent=hasard.choice(agents),
                        date_heure=moment,
                        habitant_id=None if anonyme else hasard.choice(ids),
                        mode=hasard.choices(list(ModePassage), weights=[70, 25, 5])[0],
                        reponse=hasard.choice(list(ReponsePassage)),
                    )
                    a_creer.append((passage, hasard.sample(motifs, hasard.choice([1, 1, 2]))))
                    if len(a_creer) >= lot:
                        vider()
            jours_faits += 1
        jour -= timedelta(days=1)
    if a_creer:
        vider()
    return total
