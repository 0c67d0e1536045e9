"""La démonstration que `make run` charge (`demo_data --wet-run`, réglages par défaut) : ce
que chaque nouvel utilisateur voit d'abord doit tenir debout."""

import io

import pytest
from django.core.management import call_command

from accompagnement.models import ActionCollective, Seance
from habitants.models import Foyer, Passage
from tests import invariants_demo

pytestmark = pytest.mark.django_db


def test_la_demonstration_par_defaut_est_coherente(referentiels, settings):
    settings.DEBUG = True
    sortie = io.StringIO()
    call_command("demo_data", "--wet-run", stdout=sortie)
    assert Foyer.objects.count() == 300
    assert "Actions collectives :" in sortie.getvalue()
    # Âges et rôles, couples formés entre majeurs, arrivées après la naissance.
    invariants_demo.verifier_compositions()
    invariants_demo.verifier_ressources()
    invariants_demo.verifier_historiques()
    invariants_demo.verifier_information_rgpd()
    # Adresses dans la commune et le quartier du site.
    invariants_demo.verifier_adresses()
    # Personne de mineur seul au guichet, des motifs de son âge.
    invariants_demo.verifier_passages()
    # Plus de treize mois de passages, d'interventions, d'ouvertures et de séances.
    invariants_demo.verifier_activite()
    # Des actions collectives (axe participation), avec séances et participants.
    invariants_demo.verifier_actions_collectives()
    assert ActionCollective.objects.count() >= 4
    assert Seance.objects.count() >= 40
    # Un accueil vivant sans être irréaliste : quelques passages par jour et par site.
    assert 3000 <= Passage.objects.count() <= 12000
