"""L'exécution notée sur l'état d'un foyer et sur un signalement : une provenance, sans
contrainte ni index en base (ADR 0038, 0041), que l'ORM remet à vide quand l'exécution est
supprimée ; les index des signalements que la détection n'a pas à tenir (ADR 0041)."""

import pytest
from django.db import connection
from django.utils import timezone

from droits.models import EtatDetectionFoyer, ExecutionDetection, Signalement

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


def test_le_signalement_garde_ses_cles_sauf_celle_de_l_execution():
    contraintes = _contraintes(Signalement._meta.db_table).values()
    cles_etrangeres = {c["columns"][0]: c["foreign_key"] for c in contraintes if c["foreign_key"]}
    assert cles_etrangeres == {
        "foyer_id": ("habitants_foyer", "id"),
        "prestation_id": ("droits_prestation", "code"),
        "attribue_a_id": ("ccas_portal_agent", "id"),
        "prestation_foyer_id": ("droits_prestationfoyer", "id"),
    }
    index = [c["columns"] for c in contraintes if c["index"] and not c["primary_key"]]
    assert ["execution_id"] not in index
    # Un seul index par colonne de clé : ni doublon, ni index de préfixes en plus.
    for colonne in ("prestation_id", "attribue_a_id", "prestation_foyer_id"):
        assert index.count([colonne]) == 1, colonne


@pytest.mark.skipif(connection.vendor != "postgresql", reason="définitions d'index PostgreSQL")
def test_index_des_signalements_sans_prefixes_et_partiels_sur_postgresql():
    with connection.cursor() as curseur:
        curseur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
            [Signalement._meta.db_table],
        )
        definitions = dict(curseur.fetchall())
    assert not [nom for nom, d in definitions.items() if "pattern_ops" in d]
    assert definitions["signalement_attribue"].endswith("WHERE (attribue_a_id IS NOT NULL)")
    assert definitions["signalement_prestation_foyer"].endswith(
        "WHERE (prestation_foyer_id IS NOT NULL)"
    )


def test_supprimer_une_execution_vide_la_provenance_des_signalements(seul_sans_revenu):
    foyer, _ = seul_sans_revenu
    execution = ExecutionDetection.objects.create(perimetre="tous", mois_cible=timezone.localdate())
    signalement = Signalement.objects.create(
        foyer=foyer, prestation_id="rsa", montant_estime=10, empreinte="e", execution=execution
    )
    execution.delete()
    signalement.refresh_from_db()
    assert signalement.execution_id is None
    assert signalement.montant_estime == 10


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
