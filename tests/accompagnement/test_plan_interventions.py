from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accompagnement import services
from ccas_portal import perms
from ccas_portal.models import EntreeJournal, Partenaire
from tests.accompagnement.conftest import ouvrir
from tests.factories import AgentFactory, habitant

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(ts, famille, site):
    collegue = AgentFactory(role="travailleur_social", sites=[site])
    return ouvrir(ts, famille, co_intervenants=[collegue]), collegue


def test_plan_d_action_objectif_et_actions(ts, dossier):
    a, _ = dossier
    objectif = services.ajouter_objectif(
        agent=ts, accompagnement=a, libelle="Déposer la demande de logement social"
    )
    premiere = services.ajouter_action(
        agent=ts, objectif=objectif, libelle="Réunir les pièces", echeance=date(2026, 2, 1)
    )
    services.ajouter_action(agent=ts, objectif=objectif, libelle="Déposer le dossier")
    services.changer_statut_action(agent=ts, action=premiere, statut="realisee")
    assert [(x.libelle, x.statut) for x in objectif.actions.order_by("id")] == [
        ("Réunir les pièces", "realisee"),
        ("Déposer le dossier", "a_faire"),
    ]
    with pytest.raises(ValidationError, match="inconnu"):
        services.changer_statut_action(agent=ts, action=premiere, statut="oubliee")
    with pytest.raises(ValidationError, match="Décrivez"):
        services.ajouter_objectif(agent=ts, accompagnement=a, libelle="  ")


def test_intervention_et_note_confidentielle(ts, dossier, famille):
    a, collegue = dossier
    _, parent, _ = famille
    visite = services.enregistrer_intervention(
        agent=collegue,
        accompagnement=a,
        type="visite_domicile",
        date_intervention=date(2026, 1, 20),
        duree_minutes=60,
        participants=[parent],
        compte_rendu="Logement humide.",
        confidentiel=True,
    )
    assert services.types_intervention("logement")["visite_logement"] == "Visite du logement"
    autre = AgentFactory(role="travailleur_social", sites=[a.foyer.site])
    tiers = AgentFactory(role="travailleur_social", sites=[a.foyer.site])
    a.co_intervenants.add(tiers)
    assert perms.peut_lire_intervention(collegue, visite)  # auteur
    assert perms.peut_lire_intervention(ts, visite)  # référent
    assert not perms.peut_lire_intervention(tiers, visite)  # co-intervenant non auteur
    assert not perms.peut_lire_intervention(autre, visite)
    appel = services.enregistrer_intervention(
        agent=ts, accompagnement=a, type="appel", date_intervention=date(2026, 1, 21)
    )
    assert perms.peut_lire_intervention(tiers, appel)
    assert not perms.peut_lire_intervention(autre, appel)
    assert EntreeJournal.objects.filter(objet_type="accompagnement.intervention").count() == 2


@pytest.mark.parametrize(
    ("champs", "message"),
    [
        ({"type": "sieste"}, "Type d'intervention inconnu"),
        ({"type": "visite_convivialite"}, "Type d'intervention inconnu"),  # axe bien_vieillir
        ({"date_intervention": date(2025, 1, 1)}, "précède l'ouverture"),
        ({"date_intervention": date.today() + timedelta(days=1)}, "dans le futur"),
        ({"duree_minutes": 0}, "entre 1 et 600"),
    ],
)
def test_intervention_refusee(ts, dossier, champs, message):
    a, _ = dossier
    donnees = {"type": "appel", "date_intervention": date(2026, 1, 20), **champs}
    with pytest.raises(ValidationError, match=message):
        services.enregistrer_intervention(agent=ts, accompagnement=a, **donnees)


def test_participant_hors_foyer_refuse(ts, dossier):
    a, _ = dossier
    with pytest.raises(ValidationError, match="pas du foyer"):
        services.enregistrer_intervention(
            agent=ts,
            accompagnement=a,
            type="appel",
            date_intervention=date(2026, 1, 20),
            participants=[habitant(ts, prenoms="Voisin")],
        )


def test_orientation_et_suivi(ts, dossier, referentiels):
    a, _ = dossier
    adil = Partenaire.objects.get(code="adil")
    o = services.orienter(
        agent=ts,
        accompagnement=a,
        partenaire=adil,
        motif="Logement indécent",
        date_orientation=date(2026, 1, 22),
    )
    o = services.suivre_orientation(agent=ts, orientation=o, statut="acceptee", resultat="RDV fixé")
    assert (o.statut, o.resultat) == ("acceptee", "RDV fixé")
    adil.actif = False
    adil.save()
    with pytest.raises(ValidationError, match="plus actif"):
        services.orienter(agent=ts, accompagnement=a, partenaire=adil, motif="x")
    with pytest.raises(PermissionDenied):
        services.orienter(
            agent=AgentFactory(role="travailleur_social"),
            accompagnement=a,
            partenaire=Partenaire.objects.get(code="caf"),
            motif="x",
        )


def test_rien_ne_s_ajoute_a_un_accompagnement_clos(ts, dossier):
    a, _ = dossier
    a = services.changer_statut(
        agent=ts, accompagnement=a, statut="clos", motif_cloture="objectifs_atteints"
    )
    with pytest.raises(ValidationError, match="clos ne se modifie plus"):
        services.ajouter_objectif(agent=ts, accompagnement=a, libelle="Encore")
    with pytest.raises(ValidationError, match="clos ne se modifie plus"):
        services.enregistrer_intervention(
            agent=ts, accompagnement=a, type="appel", date_intervention=date(2026, 1, 20)
        )
