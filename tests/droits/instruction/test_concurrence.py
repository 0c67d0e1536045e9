"""Deux paiements simultanés ne dépassent pas le budget sans avertissement (verrou de la ligne
du budget). Il faut une vraie base à plusieurs connexions : PostgreSQL (SQLite sérialise de
toute façon les écritures, il n'y a rien à y observer)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from droits.instruction import budget as budgets
from droits.instruction import services
from droits.instruction.demo import creer_reglement
from droits.instruction.enums import ModePaiement, NatureDemande, SensDecision
from droits.instruction.models import Budget, Paiement
from habitants.services import ajouter_membre
from tests.factories import AgentFactory, SiteFactory, foyer, foyer_et_demandeur, habitant

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrence observable sous PostgreSQL seulement"
)


@pytest.mark.django_db(transaction=True)
def test_deux_paiements_simultanes_ne_depassent_pas_le_budget(referentiels):
    annee = timezone.localdate().year
    reglement = creer_reglement(date_effet=date(2020, 1, 1), annee=annee)
    Budget.objects.filter(code_type="secours_urgence").update(vote=Decimal("500"))
    site = SiteFactory(code="mdh-concurrence")
    ts = AgentFactory(role="travailleur_social", sites=[site])
    directeur = AgentFactory(role="responsable", sites=[site])
    finances = AgentFactory(role="finances", sites=[site])
    decisions = []
    for prenom in ("Ana", "Bruno"):
        f = foyer(ts)
        h = habitant(ts, prenoms=prenom, date_naissance=date(1980, 1, 1))
        ajouter_membre(agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1))
        d = services.creer_demande(
            agent=ts,
            foyer=f,
            beneficiaire=h,
            nature=NatureDemande.FACULTATIVE,
            type_aide=reglement.types.get(code="secours_urgence"),
            montant_demande=Decimal("300"),
            objet="Secours",
        )
        decisions.append(
            services.decider(
                agent=directeur,
                demande=d,
                sens=SensDecision.ACCORDEE,
                montant=Decimal("300"),
                mode_paiement=ModePaiement.PERSONNE,
                malgre_depassement=True,
            )
        )
    depart = threading.Barrier(2)
    resultats = []

    def payer(decision):
        try:
            depart.wait()
            services.enregistrer_paiement(
                agent=finances,
                decision=decision,
                montant=Decimal("300"),
                mode=ModePaiement.PERSONNE,
                destinataire="Bénéficiaire",
                date_paiement=timezone.localdate(),
                reference=f"M-{decision.pk}",
            )
            resultats.append("payé")
        except ValidationError as erreur:
            resultats.append(erreur.message_dict.get("malgre_depassement", ["?"])[0])
        finally:
            connections.close_all()

    fils = [threading.Thread(target=payer, args=(d,)) for d in decisions]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert sorted(resultats)[-1] == "payé"
    assert "dépasserait le budget" in sorted(resultats)[0]
    assert Paiement.objects.count() == 1
    c = budgets.chiffres(Budget.objects.get(code_type="secours_urgence", annee=annee))
    assert c.paye == Decimal("300")


@pytest.mark.django_db(transaction=True)
def test_deux_transmissions_simultanees_une_seule_ecrite(referentiels):
    """Deux agents transmettent le même dossier en même temps, chacun avec la demande lue
    avant l'autre : une transmission est écrite et journalisée, l'autre reçoit « déjà
    transmis » (la demande est relue sous verrou)."""
    from ccas_portal.models import EntreeJournal
    from droits.instruction.models import Demande

    site = SiteFactory(code="mdh-transmission")
    agents = [AgentFactory(role="travailleur_social", sites=[site]) for _ in range(2)]
    f, h = foyer_et_demandeur(agents[0], prenoms="Odette", date_naissance=date(1940, 1, 1))
    aujourd_hui = timezone.localdate()
    d = services.creer_demande(
        agent=agents[0],
        foyer=f,
        beneficiaire=h,
        nature=NatureDemande.AIDE_SOCIALE_LEGALE,
        dispositif="ash",
        objet="Entrée en EHPAD",
        date_depot=aujourd_hui,
    )
    lues = [Demande.objects.get(pk=d.pk) for _ in agents]  # chacun sa copie, non transmise
    depart = threading.Barrier(2)
    resultats = []

    def transmettre(agent, demande):
        try:
            depart.wait()
            services.transmettre_au_departement(
                agent=agent, demande=demande, date_transmission=aujourd_hui
            )
            resultats.append("transmis")
        except ValidationError as erreur:
            resultats.append(erreur.messages[0])
        finally:
            connections.close_all()

    fils = [threading.Thread(target=transmettre, args=p) for p in zip(agents, lues, strict=True)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert sorted(resultats) == ["Ce dossier a déjà été transmis.", "transmis"]
    assert Demande.objects.get(pk=d.pk).date_transmission == aujourd_hui
    assert (
        EntreeJournal.objects.filter(
            details__transmise_le=aujourd_hui.isoformat(), objet_id=str(d.pk)
        ).count()
        == 1
    )
