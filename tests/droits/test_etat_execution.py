"""L'exécution notée sur l'état d'un foyer : une provenance, sans contrainte ni index en base
(ADR 0038), que l'ORM remet à vide quand l'exécution est supprimée."""

import pytest
from django.db import connection
from django.utils import timezone

from droits.models import EtatDetectionFoyer, ExecutionDetection

pytestmark = pytest.mark.django_db


def _contraintes(table: str) -> dict:
    with connection.cursor() as curseur:
        return connection.introspection.get_constraints(curseur, table)


def test_l_etat_garde_la_cle_de_son_foyer_mais_pas_celle_de_l_execution():
    contraintes = _contraintes(EtatDetectionFoyer._meta.db_table).values()
    cles_etrangeres = {c["columns"][0]: c["foreign_key"] for c in contraintes if c["foreign_key"]}
    assert cles_etrangeres == {"foyer_id": ("habitants_foyer", "id")}
    index = [c["columns"] for c in contraintes if c["index"] and not c["primary_key"]]
    assert ["execution_id"] not in index


def test_supprimer_une_execution_vide_la_provenance_des_etats(seul_sans_revenu):
    foyer, _ = seul_sans_revenu
    gardee, supprimee = (
        ExecutionDetection.objects.create(perimetre="tous", mois_cible=timezone.localdate())
        for _ in range(2)
    )
    EtatDetectionFoyer.objects.create(
        foyer=foyer, simule_le=timezone.now(), empreinte="e", execution=supprimee
    )
    supprimee.delete()
    etat = EtatDetectionFoyer.objects.get(foyer=foyer)
    assert etat.execution_id is None
    assert etat.empreinte == "e"
    assert ExecutionDetection.objects.get() == gardee
