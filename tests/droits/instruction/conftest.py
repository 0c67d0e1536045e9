"""Fixtures de l'instruction des demandes : un site, ses agents, un règlement, un jeune."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from droits.instruction import services
from droits.instruction.demo import creer_reglement
from droits.instruction.enums import ModePaiement, NatureDemande, SensDecision
from habitants.services import ajouter_membre, enregistrer_ressource
from tests.factories import AgentFactory, SiteFactory, foyer, habitant

AUJOURD_HUI = timezone.localdate()
ANNEE = AUJOURD_HUI.year


@pytest.fixture
def site(referentiels):
    return SiteFactory(code="mdh-instruction")


@pytest.fixture
def ts(site):
    return AgentFactory(role="travailleur_social", sites=[site])


@pytest.fixture
def directeur(site):
    return AgentFactory(role="responsable", sites=[site])


@pytest.fixture
def finances(site):
    return AgentFactory(role="finances", sites=[site])


@pytest.fixture
def reglement(referentiels):
    return creer_reglement(date_effet=date(2020, 1, 1), annee=ANNEE)


def type_aide(reglement, code):
    return reglement.types.get(code=code)


@pytest.fixture
def jeune(ts):
    """Un jeune de 22 ans seul, 300 € de ressources, 350 € de loyer et charges."""
    f = foyer(ts, loyer_mensuel=Decimal("350"))
    h = habitant(ts, prenoms="Yanis", nom_usage="Bellil", date_naissance=date(ANNEE - 22, 1, 1))
    ajouter_membre(agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1))
    enregistrer_ressource(
        agent=ts,
        habitant=h,
        type="salaire_net",
        montant_mensuel=Decimal("300"),
        date_debut=date(2020, 1, 1),
    )
    return f, h


def demande_facultative(ts, jeune, reglement, code="jeunes_adultes", montant="300", **kw):
    f, h = jeune
    return services.creer_demande(
        agent=ts,
        foyer=f,
        beneficiaire=h,
        nature=NatureDemande.FACULTATIVE,
        type_aide=type_aide(reglement, code),
        montant_demande=Decimal(montant),
        objet="Frais d'inscription en formation",
        **kw,
    )


def accorder(directeur, demande, montant="300", mode=ModePaiement.PERSONNE, **kw):
    return services.decider(
        agent=directeur,
        demande=demande,
        sens=SensDecision.ACCORDEE,
        montant=Decimal(montant),
        mode_paiement=mode,
        **kw,
    )
