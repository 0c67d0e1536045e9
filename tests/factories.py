from datetime import date

import factory

from ccas_portal.enums import Role, TypeSite
from ccas_portal.models import Agent, Site
from ccas_portal.services import creer_agent

MOT_DE_PASSE = "mot-de-passe-de-test-123"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"site-{n}")
    nom = factory.Sequence(lambda n: f"Maison des Habitants n° {n}")
    type = TypeSite.MAISON_DES_HABITANTS
    secteur = 1
    adresse = "1 place de la Mairie"
    code_postal = "38000"
    commune = "Grenoble"
    code_insee = "38185"


class AgentFactory(factory.Factory):
    """Crée les agents par le service, comme le fait le portail (drapeaux selon le rôle)."""

    class Meta:
        model = Agent

    class Params:
        accueil = factory.Trait(role=Role.ACCUEIL)
        travailleur_social = factory.Trait(role=Role.TRAVAILLEUR_SOCIAL)
        responsable = factory.Trait(role=Role.RESPONSABLE)
        admin = factory.Trait(role=Role.ADMIN)

    identifiant = factory.Sequence(lambda n: f"agent{n}")
    prenom = "Camille"
    nom = factory.Sequence(lambda n: f"Martin{n}")
    role = Role.ACCUEIL
    sites = factory.LazyFunction(lambda: [SiteFactory()])
    mot_de_passe = MOT_DE_PASSE
    # Un agent de test a choisi son mot de passe (le parcours du mot de passe provisoire a ses
    # propres tests : tests/ccas_portal/test_comptes.py).
    mot_de_passe_provisoire = False

    @classmethod
    def _create(cls, model_class, **kwargs):
        return creer_agent(**kwargs)


def habitant(agent, site=None, **champs):
    """Inscrit une personne par le service (sans contrôle de doublon)."""
    from habitants.services import inscrire_habitant

    champs.setdefault("nom_usage", "Martin")
    champs.setdefault("prenoms", "Sophie")
    return inscrire_habitant(
        agent=agent, site=site or agent.sites.first(), confirmer_nouveau=True, **champs
    )


def foyer(agent, site=None, **champs):
    from habitants.services import creer_foyer

    champs.setdefault("adresse", "12 rue Mallifaud")
    champs.setdefault("code_postal", "38000")
    champs.setdefault("code_insee", "38185")
    champs.setdefault("statut_occupation", "locataire_parc_social")
    loyer = champs.pop("loyer_mensuel", None)
    loyer_depuis = champs.pop("loyer_depuis", date(2015, 1, 1))
    f = creer_foyer(agent=agent, site=site or agent.sites.first(), **champs)
    if loyer is not None:
        # Un loyer déjà connu (sans journal) : la première période de son historique.
        from habitants.models import PeriodeLoyer

        PeriodeLoyer.objects.create(foyer=f, loyer_mensuel=loyer, date_debut=loyer_depuis)
    return f


def foyer_et_demandeur(agent, *, prenoms="Sophie", date_naissance=date(1980, 1, 1), **champs):
    """Un foyer (`foyer`, ses `champs`) et son demandeur, inscrit et rattaché depuis 2020 :
    (foyer, habitant)."""
    from habitants.services import ajouter_membre

    f = foyer(agent, **champs)
    h = habitant(agent, prenoms=prenoms, date_naissance=date_naissance)
    ajouter_membre(agent=agent, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1))
    return f, h


def passage(agent, habitant=None, site=None, **champs):
    """Un passage à l'accueil par le service (premier motif du référentiel par défaut)."""
    from habitants.models import Motif
    from habitants.services import enregistrer_passage

    champs.setdefault("mode", "physique")
    champs.setdefault("reponse", "information")
    champs.setdefault("motifs", [Motif.objects.first()])
    return enregistrer_passage(
        agent=agent, site=site or agent.sites.first(), habitant=habitant, **champs
    )
