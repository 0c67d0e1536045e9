"""Le SQL de la page « Détection » épinglé (tests/instantanes.py) : le même quel que soit le
nombre d'exécutions, de sites, d'agents et de signalements."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from droits.models import ExecutionDetection, Signalement
from habitants.services import ajouter_membre
from tests.droits.conftest import MOIS
from tests.factories import AgentFactory, SiteFactory, foyer, habitant

pytestmark = pytest.mark.django_db

STATUTS = ["terminee", "echouee", "en_cours", "en_attente"]
ETATS = ["nouveau", "a_traiter", "contacte", "demande_deposee", "droit_ouvert", "non_eligible"]
PRESTATIONS = ["rsa", "aah", "aspa", "css_gratuite"]


@pytest.mark.parametrize("n", [2, 12])
def test_requetes_de_la_page_detection(client, referentiels, n, snapshot_requetes):
    direction = SiteFactory(type="service_central", code="direction")
    responsable = AgentFactory(role="responsable", sites=[direction])
    for i in range(n):
        site = SiteFactory(code=f"mdh-{i}")
        ts = AgentFactory(role="travailleur_social", sites=[site])
        f = foyer(ts, adresse=f"{i} rue Abbé-Grégoire")
        personne = habitant(ts, nom_usage=f"Nom{i}", prenoms="Léa")
        ajouter_membre(
            agent=ts, foyer=f, habitant=personne, role="demandeur", date_debut=date(2020, 1, 1)
        )
        for j, code in enumerate(PRESTATIONS[: 1 + i % 4]):
            Signalement.objects.create(
                foyer=f,
                prestation_id=code,
                montant_estime=Decimal(100 + i),
                empreinte=f"e{i}-{j}",
                etat=ETATS[(i + j) % len(ETATS)],
                explication={"mois": "10/2026", "personnes": 1, "ages": []},
            )
        ExecutionDetection.objects.create(
            declencheur="manuel",
            perimetre="site" if i % 2 else "tous",
            site=site if i % 2 else None,
            lance_par=AgentFactory(role="responsable", sites=[site]),
            mois_cible=MOIS - timedelta(days=31 * (i % 3)),
            statut=STATUTS[i % len(STATUTS)],
            total=10 + i,
            traites=i,
            comptes={"rsa": 3 + i, "aah": i},
        )
    client.force_login(responsable)
    with snapshot_requetes():
        reponse = client.get(reverse("droits:detection"))
    assert reponse.status_code == 200
    assert len(reponse.context["executions"]) == n
    assert sum(hasattr(e, "form_reprise") for e in reponse.context["executions"]) == (n + 2) // 4
