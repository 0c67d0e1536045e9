import io
import os
from datetime import timedelta

import dj_database_url
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from ccas_portal.journal import journaliser
from ccas_portal.models import EntreeJournal
from ccas_portal.roles_base import TABLE_JOURNAL, en_proprietaire
from tests import roles_de_test
from tests.factories import AgentFactory, habitant

pytestmark = pytest.mark.django_db


def test_journaliser_ecrit_qui_quand_quoi():
    agent = AgentFactory()
    h = habitant(agent)
    maintenant = timezone.now()
    # Horodatage posé par la base (SQLite : à la milliseconde).
    avant = maintenant.replace(microsecond=maintenant.microsecond // 1000 * 1000)
    entree = journaliser(agent=agent, action="consultation", objet=h, details={"page": "fiche"})
    entree.refresh_from_db()
    assert entree.agent == agent
    assert entree.agent_libelle == agent.get_full_name()
    assert (entree.objet_type, entree.objet_id) == ("habitants.habitant", str(h.pk))
    assert entree.details == {"page": "fiche"}
    assert avant <= entree.horodatage <= timezone.now()


def test_action_inconnue_refusee():
    with pytest.raises(ValueError, match="inconnue"):
        journaliser(agent=None, action="lire", objet_type="x")


def test_le_journal_ne_se_modifie_pas_en_base():
    entree = journaliser(agent=None, action="export", objet_type="pilotage")
    with pytest.raises(DatabaseError), transaction.atomic():
        EntreeJournal.objects.filter(pk=entree.pk).update(action="creation")
    assert EntreeJournal.objects.get(pk=entree.pk).action == "export"


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="protection contre la suppression propre à PostgreSQL (voir la migration 0003) ; "
    "testée quand la suite tourne sur PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_une_entree_recente_ne_se_supprime_pas_en_base():
    """Le déclencheur refuse, même au propriétaire (seul rôle à avoir DELETE sur le journal
    quand la base a deux rôles)."""
    entree = journaliser(agent=None, action="export", objet_type="pilotage")
    with en_proprietaire():
        with pytest.raises(DatabaseError, match="moins de 6 mois"), transaction.atomic():
            EntreeJournal.objects.filter(pk=entree.pk).delete()
        assert EntreeJournal.objects.filter(pk=entree.pk).exists()


@pytest.mark.skipif(
    not os.environ.get("DATABASE_MIGRATION_URL"),
    reason="passe PostgreSQL à deux rôles de .ci/run (DATABASE_MIGRATION_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_la_suite_tourne_avec_le_role_du_portail():
    """Toute la passe PostgreSQL se connecte comme le portail en production : ni UPDATE, ni
    DELETE, ni TRUNCATE sur le journal ; le vidage entre deux tests passe au propriétaire."""
    portail = dj_database_url.parse(os.environ["DATABASE_URL"])["USER"]
    proprietaire = dj_database_url.parse(os.environ["DATABASE_MIGRATION_URL"])["USER"]
    assert roles_de_test.role_courant() == portail
    journaliser(agent=None, action="export", objet_type="pilotage")
    for instruction in (
        f"TRUNCATE {TABLE_JOURNAL}",
        f"DELETE FROM {TABLE_JOURNAL}",
        f"UPDATE {TABLE_JOURNAL} SET action = 'creation'",
        f"ALTER TABLE {TABLE_JOURNAL} DISABLE TRIGGER ALL",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
            c.execute(instruction)
    assert EntreeJournal.objects.count() == 1
    with en_proprietaire():
        assert roles_de_test.role_courant() == proprietaire
    assert roles_de_test.role_courant() == portail


@pytest.mark.django_db(transaction=roles_de_test.DEUX_ROLES)
def test_purge_des_entrees_anciennes(settings):
    settings.JOURNAL_CONSERVATION_JOURS = 365
    ancienne = roles_de_test.entree_datee(
        agent_libelle="x",
        action="consultation",
        objet_type="t",
        horodatage=timezone.now() - timedelta(days=400),
    )
    recente = journaliser(agent=None, action="consultation", objet_type="t")
    sortie = io.StringIO()
    call_command("purger_journal", stdout=sortie)  # à blanc
    assert EntreeJournal.objects.filter(pk=ancienne.pk).exists()
    call_command("purger_journal", "--wet-run", stdout=sortie)
    assert not EntreeJournal.objects.filter(pk=ancienne.pk).exists()
    assert EntreeJournal.objects.filter(pk=recente.pk).exists()
    purge = EntreeJournal.objects.get(action="purge")
    assert purge.details["supprimees"] == 1
    assert "1 entrée antérieure au " in sortie.getvalue()
    assert "(s)" not in sortie.getvalue()


def test_purge_refuse_une_conservation_trop_courte(settings):
    settings.JOURNAL_CONSERVATION_JOURS = 30
    with pytest.raises(CommandError, match="au moins 6 mois"):
        call_command("purger_journal", "--wet-run", stdout=io.StringIO())


def test_lire_une_fiche_et_inscrire_sont_journalises(client):
    agent = AgentFactory(role="accueil")
    h = habitant(agent)
    client.force_login(agent)
    client.get(reverse("habitants:fiche", args=[h.pk]), REMOTE_ADDR="10.1.2.3")
    entree = EntreeJournal.objects.get(action="consultation")
    assert (entree.agent, entree.objet_id, entree.adresse_ip) == (agent, str(h.pk), "10.1.2.3")
    site = agent.sites.first()
    client.post(
        reverse("habitants:inscrire") + f"?site={site.code}",
        {"nom_usage": "Nouvelle", "prenoms": "Personne"},
    )
    assert EntreeJournal.objects.filter(action="creation", agent=agent).count() == 1
    # Une fiche refusée (autre site) n'est pas « lue ».
    ailleurs = habitant(AgentFactory(role="accueil"))
    client.get(reverse("habitants:fiche", args=[ailleurs.pk]))
    assert not EntreeJournal.objects.filter(objet_id=str(ailleurs.pk)).exists()


def test_roles_postgresql_ecrit_le_sql_sans_rien_executer():
    sortie = io.StringIO()
    call_command("roles_postgresql", "--base", "ccas", stdout=sortie)
    sql = sortie.getvalue()
    assert "CREATE ROLE ccas_proprietaire LOGIN NOSUPERUSER" in sql
    assert (
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ccas_portail" in sql
    )
    assert (
        "REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON ccas_portal_entreejournal" in sql
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--base", "ccas; DROP DATABASE x"], "refusé"),
        (["--base", "ccas", "--portail", "Ccas"], "refusé"),
        (["--base", "ccas", "--portail", "ccas_proprietaire"], "deux rôles"),
    ],
)
def test_roles_postgresql_refuse_un_nom_douteux(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("roles_postgresql", *arguments, stdout=io.StringIO())


def test_le_role_proprietaire_doit_designer_la_meme_base(settings):
    from django.core.exceptions import ImproperlyConfigured

    from ccas_portal.roles_base import passer_en_proprietaire

    settings.DATABASE_MIGRATION_URL = ""
    assert passer_en_proprietaire() is False
    settings.DATABASE_MIGRATION_URL = "postgres://proprietaire@127.0.0.1:5432/une_autre_base"
    with pytest.raises(ImproperlyConfigured, match="même base"):
        passer_en_proprietaire()
