"""Accompagnements de démonstration (`accompagnement.demo`) : des données qui respectent les
règles des services, sans passer par eux."""

import io
from collections import Counter
from datetime import timedelta
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accompagnement.demo import creer_accompagnements
from accompagnement.enums import TRANSITIONS, StatutAccompagnement, StatutAction
from accompagnement.models import (
    Accompagnement,
    Action,
    ChangementStatut,
    Intervention,
    Orientation,
)
from accompagnement.services import types_intervention
from ccas_portal.demo import COMPTES_DEMO, creer_comptes_demo
from ccas_portal.enums import Role
from ccas_portal.models import Agent
from droits.axes import AXES
from habitants.demo import creer_population
from habitants.models import Foyer, MembreFoyer

pytestmark = pytest.mark.django_db

CLOS = StatutAccompagnement.CLOS
EN_ATTENTE = {StatutAction.A_FAIRE, StatutAction.EN_COURS, StatutAction.EN_ATTENTE}


def appeler(*args):
    sortie = io.StringIO()
    call_command(*args, stdout=sortie)
    return sortie.getvalue()


@pytest.fixture
def population(referentiels):
    creer_comptes_demo()
    creer_population(foyers=120, graine=3)


def age(naissance, jour):
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month, naissance.day))


def verifier_invariants():
    """Les règles des services et des contraintes, vérifiées sur toutes les données créées."""
    aujourd_hui = timezone.localdate()
    accompagnements = {
        a.pk: a
        for a in Accompagnement.objects.select_related("foyer", "referent").prefetch_related(
            "membres", "co_intervenants", "referent__sites", "co_intervenants__sites"
        )
    }
    assert accompagnements
    membres_actuels = {}
    for foyer_id, habitant_id, debut, naissance in MembreFoyer.objects.filter(
        date_fin__isnull=True
    ).values_list("foyer_id", "habitant_id", "date_debut", "habitant__date_naissance"):
        membres_actuels.setdefault(foyer_id, {})[habitant_id] = (debut, naissance)

    for a in accompagnements.values():
        fin = a.date_cloture or aujourd_hui
        assert a.date_ouverture <= aujourd_hui
        assert (a.statut == CLOS) == (a.date_cloture is not None) == bool(a.motif_cloture)
        assert a.date_ouverture <= fin <= aujourd_hui
        assert AXES[a.axe_id].valider_faits(a.faits) == a.faits
        for fait in AXES[a.axe_id].faits:
            if fait.type == "date" and fait.code in a.faits:
                assert a.date_ouverture.isoformat() <= a.faits[fait.code] <= fin.isoformat()
        for agent in [a.referent, *a.co_intervenants.all()]:
            assert agent.role == Role.TRAVAILLEUR_SOCIAL
            assert a.foyer.site_id in {s.pk for s in agent.sites.all()}
        assert a.referent not in a.co_intervenants.all()
        membres = list(a.membres.all())
        assert membres
        foyer = membres_actuels[a.foyer_id]
        for m in membres:
            assert m.pk in foyer
            assert foyer[m.pk][0] <= a.date_ouverture  # arrivé avant l'ouverture
        ages = [age(foyer[m.pk][1], aujourd_hui) for m in membres if foyer[m.pk][1]]
        if a.axe_id == "bien_vieillir":
            assert max(ages) >= 75
        if a.axe_id == "petite_enfance":
            assert min(ages) < 6

    # L'historique des statuts : de l'ouverture au statut actuel, par transitions permises.
    historiques = {}
    for c in ChangementStatut.objects.order_by("accompagnement_id", "date", "id"):
        historiques.setdefault(c.accompagnement_id, []).append(c)
    assert set(historiques) == set(accompagnements)
    for pk, changements in historiques.items():
        a = accompagnements[pk]
        premier = changements[0]
        assert (premier.ancien, premier.nouveau) == ("", StatutAccompagnement.OUVERT)
        assert premier.date == a.date_ouverture
        for avant, apres in pairwise(changements):
            assert apres.ancien == avant.nouveau
            assert apres.nouveau in TRANSITIONS[avant.nouveau]
            assert avant.date <= apres.date <= aujourd_hui
        assert changements[-1].nouveau == a.statut
        if a.statut == CLOS:
            assert changements[-1].date == a.date_cloture
        assert all(c.agent_id == a.referent_id for c in changements)

    # Les interventions : datées pendant l'accompagnement, jamais dans le futur.
    participants = {}
    for i_id, h_id in Intervention.participants.through.objects.values_list(
        "intervention_id", "habitant_id"
    ):
        participants.setdefault(i_id, set()).add(h_id)
    for i in Intervention.objects.all():
        a = accompagnements[i.accompagnement_id]
        assert a.date_ouverture <= i.date <= (a.date_cloture or aujourd_hui)
        assert i.type in types_intervention(a.axe_id)
        assert i.duree_minutes is None or 0 < i.duree_minutes <= 600
        assert i.auteur_id in {a.referent_id, *(c.pk for c in a.co_intervenants.all())}
        assert participants.get(i.pk, set()) <= set(membres_actuels[a.foyer_id])
        if a.statut == StatutAccompagnement.SUSPENDU:
            suspendu_le = historiques[a.pk][-1].date
            assert i.date <= suspendu_le

    for o in Orientation.objects.select_related("partenaire"):
        a = accompagnements[o.accompagnement_id]
        assert a.date_ouverture <= o.date <= (a.date_cloture or aujourd_hui)
        assert o.partenaire.actif
        assert o.auteur_id == a.referent_id
        # Mission locale pour un jeune, France Travail pour une personne d'âge actif.
        ages = [age(m.date_naissance, aujourd_hui) for m in a.membres.all()]
        if o.partenaire.code == "mission-locale":
            assert any(16 <= x <= 25 for x in ages), (o.pk, ages)
        if o.partenaire.code == "france-travail":
            assert any(16 <= x <= 64 for x in ages), (o.pk, ages)
    for a in accompagnements.values():
        if a.motif_cloture == "orientation_partenaire":
            assert a.orientations.filter(statut="acceptee").exists()

    for action in Action.objects.select_related("objectif"):
        a = accompagnements[action.objectif.accompagnement_id]
        if action.echeance is None:
            continue
        assert action.echeance >= a.date_ouverture
        if a.statut == CLOS:
            assert action.echeance <= a.date_cloture
        elif action.statut not in EN_ATTENTE:
            assert action.echeance <= aujourd_hui
        assert action.objectif.libelle in AXES[a.axe_id].modeles_objectifs


def test_les_donnees_respectent_les_regles_des_services(population):
    bilan = creer_accompagnements(proportion=0.9, renforts=True, portefeuille=15, graine=5, lot=37)
    assert bilan.accompagnements == Accompagnement.objects.count() > 100
    assert bilan.interventions == Intervention.objects.count()
    assert bilan.orientations == Orientation.objects.count() > 0
    assert bilan.foyers == Foyer.objects.filter(accompagnements__isnull=False).distinct().count()
    verifier_invariants()
    # Un échantillon passe aussi la validation des modèles.
    for objet in [
        *Accompagnement.objects.all()[:30],
        *Intervention.objects.all()[:30],
        *Orientation.objects.all()[:10],
        *Action.objects.all()[:30],
    ]:
        objet.full_clean()
    # De tout : statuts, axes, types, notes confidentielles.
    statuts = set(Accompagnement.objects.values_list("statut", flat=True))
    assert {StatutAccompagnement.EN_COURS, CLOS} <= statuts
    assert len(set(Accompagnement.objects.values_list("axe", flat=True))) >= 5
    assert Intervention.objects.filter(confidentiel=True).exists()
    assert Intervention.objects.filter(confidentiel=False).exists()
    assert Accompagnement.co_intervenants.through.objects.exists()


def test_renforts_portefeuilles_equilibres(population):
    avant = set(Agent.objects.values_list("pk", flat=True))
    bilan = creer_accompagnements(proportion=1, renforts=True, portefeuille=10, graine=1)
    renforts = Agent.objects.exclude(pk__in=avant)
    assert renforts.count() == bilan.agents_crees > 0
    for agent in renforts:
        assert agent.role == Role.TRAVAILLEUR_SOCIAL
        assert not agent.has_usable_password()
        assert agent.username.startswith("ts-")
    charges = Counter(Accompagnement.objects.values_list("referent_id", flat=True))
    # Chaque Maison des Habitants a son équipe, aucun portefeuille ne déborde.
    assert max(charges.values()) <= 2 * 10
    sites = set(Accompagnement.objects.values_list("foyer__site", flat=True))
    assert sites == set(Foyer.objects.values_list("site", flat=True))


def test_sans_renforts_seuls_les_sites_d_un_travailleur_social(population):
    bilan = creer_accompagnements(proportion=1, graine=2)
    travailleur = Agent.objects.get(username="travailleur")
    assert bilan.agents_crees == 0
    assert set(Accompagnement.objects.values_list("referent", flat=True)) == {travailleur.pk}
    assert set(Accompagnement.objects.values_list("foyer__site", flat=True)) <= set(
        travailleur.ids_sites
    )


def test_nombre_d_interventions_vise(population):
    bilan = creer_accompagnements(proportion=0.8, renforts=True, interventions=1500, graine=4)
    assert 1350 <= bilan.interventions <= 1650
    verifier_invariants()


def test_demo_data_donne_un_portefeuille_au_travailleur(referentiels, settings):
    settings.DEBUG = True
    sortie = appeler("demo_data", "--wet-run")
    assert "Accompagnements :" in sortie
    travailleur = Agent.objects.get(username="travailleur")
    portefeuille = Accompagnement.objects.visibles_par(travailleur)
    # Quelques dizaines de dossiers, dont une majorité en cours : la page a de quoi montrer.
    assert 20 <= portefeuille.count() <= 80
    assert portefeuille.exclude(statut=CLOS).count() >= 10
    assert 100 <= Intervention.objects.count() <= 1000
    # Aucun compte en plus des comptes de démonstration (sites du travailleur seulement).
    assert Agent.objects.count() == len(COMPTES_DEMO)
    verifier_invariants()
    # La population est là : relancer n'ajoute rien…
    nombre = Accompagnement.objects.count()
    sortie = appeler("demo_data", "--wet-run")
    assert "--accompagnements" in sortie
    assert Accompagnement.objects.count() == nombre
    # … sauf avec --accompagnements : les foyers sans accompagnement en reçoivent, pas les autres.
    deja = set(Accompagnement.objects.values_list("foyer", flat=True))
    foyers = Foyer.objects.count()
    appeler("demo_data", "--wet-run", "--accompagnements", "--renforts", "--accompagnes", "0.5")
    assert Foyer.objects.count() == foyers
    nouveaux = Accompagnement.objects.exclude(foyer__in=deja)
    assert nouveaux.exists()
    assert Accompagnement.objects.filter(foyer__in=deja).count() == nombre
    verifier_invariants()


def test_demo_data_ajouter_accompagne_la_nouvelle_population(referentiels, settings):
    settings.DEBUG = True
    appeler("demo_data", "--wet-run", "--foyers", "40", "--accompagnes", "0")
    assert not Accompagnement.objects.exists()
    appeler("demo_data", "--wet-run", "--foyers", "80", "--ajouter", "--renforts")
    anciens = Foyer.objects.order_by("pk")[:40]
    assert not Accompagnement.objects.filter(foyer__in=anciens).exists()
    assert Accompagnement.objects.exists()


def test_demo_data_a_blanc_n_ecrit_rien(referentiels, settings):
    settings.DEBUG = True
    sortie = appeler("demo_data", "--foyers", "30")
    assert "Simulation" in sortie
    assert not Accompagnement.objects.exists()
    assert not Intervention.objects.exists()


def test_demo_data_refuse_une_part_impossible(referentiels, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="entre 0 et 1"):
        appeler("demo_data", "--wet-run", "--accompagnes", "1.5")


def test_actions_collectives_avec_seances_et_participants(population):
    from accompagnement.demo import creer_actions_collectives
    from accompagnement.models import ActionCollective, Seance
    from tests import invariants_demo

    travailleur = Agent.objects.get(username="travailleur")
    bilan = creer_actions_collectives(graine=8)
    assert bilan.actions == ActionCollective.objects.count() >= 4
    assert bilan.seances == Seance.objects.count()
    invariants_demo.verifier_actions_collectives()
    # Les sites du travailleur social de démonstration, qui les voit donc dans ses pages.
    assert set(ActionCollective.objects.values_list("site", flat=True)) == set(
        travailleur.ids_sites
    )
    # Plus d'un an de séances : une période se compare à la même période l'an dernier.
    limite = timezone.localdate() - timedelta(days=396)
    assert Seance.objects.filter(date__lt=limite).exists()
    # Relancer n'en ajoute pas aux sites qui en ont déjà.
    assert creer_actions_collectives(graine=9).actions == 0


def test_interventions_et_ouvertures_sur_plus_de_treize_mois(population):
    creer_accompagnements(proportion=0.9, renforts=True, graine=6)
    limite = timezone.localdate() - timedelta(days=396)
    assert Accompagnement.objects.filter(date_ouverture__lt=limite).exists()
    assert Intervention.objects.filter(date__lt=limite).exists()
    il_y_a_un_an = timezone.localdate() - timedelta(days=365)
    assert Intervention.objects.filter(
        date__lte=il_y_a_un_an, date__gt=il_y_a_un_an - timedelta(days=31)
    ).exists()


def test_cafe_des_parents_et_repas_des_aines_pour_leur_public(population, monkeypatch):
    from accompagnement import demo
    from accompagnement.models import ActionCollective, Seance
    from tests import invariants_demo

    cibles = [a for a in demo.ACTIONS_COLLECTIVES if a[4]]
    assert {a[0] for a in cibles} == {"Café des parents", "Repas partagé des aînés"}
    monkeypatch.setattr(demo, "ACTIONS_COLLECTIVES", cibles)
    creer_population(foyers=400, graine=12)  # assez d'aînés dans chaque site
    demo.creer_actions_collectives(graine=3)
    assert set(ActionCollective.objects.values_list("titre", flat=True)) == {a[0] for a in cibles}
    assert Seance.participants.through.objects.exists()
    invariants_demo.verifier_actions_collectives()
