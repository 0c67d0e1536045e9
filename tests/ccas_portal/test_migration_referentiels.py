"""Le passage des axes et de l'annuaire des partenaires au cœur de ccas_portal (migrations
ccas_portal 0015, habitants 0012, accompagnement 0004, droits 0012 ; ADR 0034) : les tables
gardent leur nom et leurs lignes, les clés étrangères les retrouvent, les types de contenu
suivent les modèles, dans un sens puis dans l'autre."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ccas_portal import models
from ccas_portal.roles_base import en_proprietaire

AVANT = [
    ("ccas_portal", "0014_codes_de_secours_en_empreinte"),
    ("habitants", "0011_consentement_trois_etats_et_anonymisation"),
    ("accompagnement", "0003_actions_collectives"),
    ("droits", "0011_issue_logement_social"),
]
APRES = [
    ("ccas_portal", "0015_referentiels_axes_partenaires"),
    ("habitants", "0012_axes_et_partenaires_au_coeur"),
    ("accompagnement", "0004_partenaires_au_coeur"),
    ("droits", "0012_axes_au_coeur"),
]


@pytest.mark.django_db(transaction=True)
def test_axes_et_partenaires_passent_au_coeur_sans_perdre_une_ligne():
    # Migrer est l'affaire du rôle propriétaire (passe PostgreSQL à deux rôles, ADR 0022).
    with en_proprietaire():
        _passage_au_coeur()


def _type_de_contenu(apps, modele):
    return apps.get_model("contenttypes", "ContentType").objects.get(model=modele)


def _passage_au_coeur():
    type_axe = ContentType.objects.get_for_model(models.Axe)
    executor = MigrationExecutor(connection)
    executor.migrate(AVANT)
    anciens = executor.loader.project_state(AVANT).apps
    # Avant : les modèles sont dans leur application d'origine, et leurs types de contenu aussi.
    assert _type_de_contenu(anciens, "axe").app_label == "droits"
    assert _type_de_contenu(anciens, "axe").pk == type_axe.pk
    assert _type_de_contenu(anciens, "partenaire").app_label == "accompagnement"
    Axe = anciens.get_model("droits", "Axe")
    Partenaire = anciens.get_model("accompagnement", "Partenaire")
    axe = Axe.objects.create(
        code="axe-migration",
        ordre=99,
        libelle="Axe de migration",
        libelle_court="Migration",
        description="—",
    )
    anciens.get_model("droits", "Prestation").objects.create(
        code="aide-migration", libelle="Aide de migration", axe=axe, nature="facultative"
    )
    anciens.get_model("habitants", "Motif").objects.create(
        code="motif-migration", libelle="Motif de migration", axe=axe
    )
    partenaire = Partenaire.objects.create(code="asso-migration", nom="Association de migration")

    executor = MigrationExecutor(connection)
    executor.migrate(APRES)
    nouveaux = executor.loader.project_state(APRES).apps
    assert _type_de_contenu(nouveaux, "axe").app_label == "ccas_portal"
    assert _type_de_contenu(nouveaux, "axe").pk == type_axe.pk
    assert _type_de_contenu(nouveaux, "partenaire").app_label == "ccas_portal"
    assert nouveaux.get_model("ccas_portal", "Axe").objects.get(code="axe-migration").ordre == 99
    prestation = nouveaux.get_model("droits", "Prestation").objects.get(code="aide-migration")
    assert prestation.axe.libelle == "Axe de migration"
    motif = nouveaux.get_model("habitants", "Motif").objects.get(code="motif-migration")
    assert motif.axe_id == "axe-migration"
    assert (
        nouveaux.get_model("ccas_portal", "Partenaire").objects.get(pk=partenaire.pk).nom
        == "Association de migration"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
