from datetime import date
from decimal import Decimal

import pytest

from habitants.services import ajouter_membre, enregistrer_ressource
from tests.factories import AgentFactory, SiteFactory, foyer, habitant

MOIS = date(2026, 10, 1)


@pytest.fixture
def ts(referentiels):
    return AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-detection")])


def creer_foyer(ts, *personnes, loyer="450", statut="locataire_parc_prive", **champs):
    """personnes : (prénom, date de naissance, rôle, [(type, montant, début)])."""
    f = foyer(ts, loyer_mensuel=Decimal(loyer), statut_occupation=statut, **champs)
    membres = []
    for prenom, naissance, role, *ressources in personnes:
        h = habitant(ts, prenoms=prenom, date_naissance=naissance)
        ajouter_membre(agent=ts, foyer=f, habitant=h, role=role, date_debut=date(2015, 1, 1))
        for type_, montant, debut in ressources[0] if ressources else []:
            enregistrer_ressource(
                agent=ts,
                habitant=h,
                type=type_,
                montant_mensuel=Decimal(montant),
                date_debut=debut,
            )
        membres.append(h)
    return f, membres


@pytest.fixture
def seul_sans_revenu(ts):
    return creer_foyer(ts, ("Karim", date(1991, 1, 1), "demandeur"))


@pytest.fixture
def aise(ts):
    return creer_foyer(
        ts,
        ("Claire", date(1975, 1, 1), "demandeur", [("salaire_net", "6000", date(2020, 1, 1))]),
        loyer="900",
    )
