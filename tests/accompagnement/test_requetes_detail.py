"""Le SQL du détail d'un accompagnement épinglé (tests/instantanes.py) : le même quel que soit
le nombre d'objectifs, d'actions, d'interventions, d'orientations et de co-intervenants."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accompagnement import services
from ccas_portal.models import Partenaire
from habitants.services import ajouter_membre
from tests.accompagnement.conftest import ouvrir
from tests.factories import AgentFactory, habitant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("n", [2, 10])
def test_requetes_du_detail_d_un_accompagnement(client, ts, site, famille, n, snapshot_requetes):
    f, parent, enfant = famille
    autres = [habitant(ts, prenoms=f"Membre{i}") for i in range(n)]
    for h in autres:
        ajouter_membre(
            agent=ts, foyer=f, habitant=h, role="autre_adulte", date_debut=date(2021, 1, 1)
        )
    collegues = [AgentFactory(role="travailleur_social", sites=[site]) for _ in range(n)]
    a = ouvrir(ts, famille, membres=[parent, enfant, *autres], co_intervenants=collegues)
    partenaires = list(Partenaire.objects.filter(actif=True)[:3])
    for i in range(n):
        objectif = services.ajouter_objectif(agent=ts, accompagnement=a, libelle=f"Objectif {i}")
        for j in range(2):
            services.ajouter_action(
                agent=ts,
                objectif=objectif,
                libelle=f"Action {i}.{j}",
                echeance=date(2026, 3, 1) + timedelta(days=i + j),
            )
        services.enregistrer_intervention(
            agent=collegues[i],
            accompagnement=a,
            type="appel",
            date_intervention=date(2026, 2, 1) + timedelta(days=i),
            participants=[parent, autres[i]],
            confidentiel=i % 2 == 0,
        )
        services.orienter(
            agent=ts,
            accompagnement=a,
            partenaire=partenaires[i % len(partenaires)],
            motif=f"Motif {i}",
            date_orientation=date(2026, 2, 2) + timedelta(days=i),
        )
    client.force_login(ts)
    with snapshot_requetes():
        reponse = client.get(reverse("accompagnement:detail", args=[a.pk]))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert all(f"Objectif {i}" in html for i in range(n))
    assert all(f"Motif {i}" in html for i in range(n))
