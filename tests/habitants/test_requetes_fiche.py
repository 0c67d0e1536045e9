"""Le SQL de la fiche d'une personne épinglé (tests/instantanes.py) : le même quel que soit le
nombre de membres du foyer, de passages et de fiches semblables."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from habitants import services
from tests.factories import foyer, habitant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("n", [2, 10])
def test_requetes_de_la_fiche_d_une_personne(
    client, travailleur, site, motifs, n, snapshot_requetes
):
    f = foyer(travailleur)
    lea = habitant(travailleur, nom_usage="Martin", prenoms="Léa", date_naissance=date(1980, 5, 1))
    services.ajouter_membre(
        agent=travailleur, foyer=f, habitant=lea, role="demandeur", date_debut=date(2020, 1, 1)
    )
    for i in range(n):
        enfant = habitant(travailleur, nom_usage="Martin", prenoms=f"Enfant{i}")
        services.ajouter_membre(
            agent=travailleur, foyer=f, habitant=enfant, role="enfant", date_debut=date(2020, 1, 1)
        )
        # Une fiche semblable (même nom, prénom proche) : proposée à la fusion.
        habitant(
            travailleur, nom_usage="Martin", prenoms=f"Lea {i}", date_naissance=date(1980, 5, 1)
        )
        services.enregistrer_passage(
            agent=travailleur,
            site=site,
            habitant=lea,
            mode="physique",
            motifs=motifs[i % len(motifs) : i % len(motifs) + 2],
            reponse="information",
            date_heure=timezone.now() - timedelta(days=i),
        )
    client.force_login(travailleur)
    with snapshot_requetes():
        reponse = client.get(reverse("habitants:fiche", args=[lea.pk]))
    assert reponse.status_code == 200
    assert len(reponse.context["passages"]) == n
    assert len(reponse.context["membres"]) == n + 1
