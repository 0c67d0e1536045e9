import io

import pytest
from django.core.management import CommandError, call_command

from ccas_portal.demo import COMPTES_DEMO, MOT_DE_PASSE_DEMO
from ccas_portal.enums import Role
from ccas_portal.models import Agent, Axe, Site
from ccas_portal.referentiels import SITES

pytestmark = pytest.mark.django_db


def appeler(*args):
    sortie = io.StringIO()
    call_command(*args, stdout=sortie)
    return sortie.getvalue()


def test_charger_referentiels_a_blanc_n_ecrit_rien():
    sortie = appeler("charger_referentiels")
    assert "Axes : 7 créés" in sortie
    assert "Simulation" in sortie
    assert not Site.objects.exists()
    assert not Axe.objects.exists()


def test_charger_referentiels_ecrit_et_reste_idempotent():
    appeler("charger_referentiels", "--wet-run")
    assert Site.objects.count() == len(SITES)
    assert Site.objects.maisons_des_habitants().count() >= 6
    assert Axe.objects.count() == 7
    sortie = appeler("charger_referentiels", "--wet-run")
    assert "0 créé, 7 mis à jour" in sortie
    assert Site.objects.count() == len(SITES)


def test_charger_referentiels_garde_les_modifications_hors_referentiel():
    appeler("charger_referentiels", "--wet-run")
    site_local = Site.objects.create(
        code="antenne-locale",
        nom="Antenne locale",
        type="service_central",
        adresse="1 rue B",
        code_postal="38000",
        commune="Grenoble",
        code_insee="38185",
    )
    appeler("charger_referentiels", "--wet-run")
    assert Site.objects.filter(pk=site_local.pk).exists()


def test_demo_data_refuse_sans_debug(referentiels, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG est désactivé"):
        appeler("demo_data", "--wet-run")
    assert not Agent.objects.exists()


def test_demo_data_cree_un_agent_par_role(referentiels, settings):
    settings.DEBUG = True
    sortie = appeler("demo_data", "--wet-run")
    assert MOT_DE_PASSE_DEMO in sortie
    agents = Agent.objects.all()
    assert {a.role for a in agents} == set(Role.values)
    for agent in agents:
        assert agent.check_password(MOT_DE_PASSE_DEMO)
        assert agent.sites.exists()
    # Relancer remet les comptes en état sans doublon.
    Agent.objects.filter(username="accueil").update(role=Role.RESPONSABLE)
    appeler("demo_data", "--wet-run")
    assert Agent.objects.count() == len(COMPTES_DEMO)
    assert Agent.objects.get(username="accueil").role == Role.ACCUEIL


def test_demo_data_sans_referentiels_echoue_sans_rien_ecrire(settings):
    settings.DEBUG = True
    with pytest.raises(LookupError, match="charger_referentiels"):
        appeler("demo_data", "--wet-run")
    assert not Agent.objects.exists()
