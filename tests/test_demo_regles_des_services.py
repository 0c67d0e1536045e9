"""La démonstration passe par les règles des services : ce qu'elle écrit en masse, un service
l'accepterait ; et quand une règle change, la démo la suit (ou s'arrête) au lieu de garder une
copie périmée."""

from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F

from accompagnement import services as services_accompagnement
from accompagnement.demo import creer_accompagnements
from accompagnement.enums import TRANSITIONS, StatutAccompagnement
from accompagnement.models import Accompagnement, ChangementStatut
from ccas_portal.demo import creer_comptes_demo
from droits.demo import creer_prestations
from droits.models import PrestationFoyer
from droits.services import verifier_dates_prestation, verifier_versement
from habitants.demo import creer_passages, creer_population
from habitants.enums import EtatConsentement
from habitants.models import Habitant, Passage
from habitants.services import verifier_passage

pytestmark = pytest.mark.django_db

OUVERT = StatutAccompagnement.OUVERT
EN_COURS = StatutAccompagnement.EN_COURS
SUSPENDU = StatutAccompagnement.SUSPENDU
CLOS = StatutAccompagnement.CLOS


@pytest.fixture
def population(referentiels):
    creer_comptes_demo()
    creer_population(foyers=120, graine=3)


def _historiques():
    historiques = {}
    for c in ChangementStatut.objects.order_by("accompagnement_id", "date", "id"):
        historiques.setdefault(c.accompagnement_id, []).append(c)
    return historiques


def test_chaque_historique_ne_contient_que_des_transitions_permises(population):
    creer_accompagnements(proportion=1, renforts=True, portefeuille=15, graine=5)
    historiques = _historiques()
    assert len(historiques) == Accompagnement.objects.count() > 100
    vues = set()
    for changements in historiques.values():
        assert (changements[0].ancien, changements[0].nouveau) == ("", OUVERT)
        for avant, apres in pairwise(changements):
            # La règle du service (`changer_statut`), pas une copie de la table.
            services_accompagnement.verifier_transition(avant.nouveau, apres.nouveau)
            assert apres.ancien == avant.nouveau
            vues.add((apres.ancien, apres.nouveau))
    # Les parcours de la démo empruntent plusieurs transitions, dont la reprise après suspension.
    assert {(OUVERT, EN_COURS), (EN_COURS, CLOS), (SUSPENDU, EN_COURS)} <= vues


def test_un_echantillon_d_historiques_rejoue_par_le_service(population):
    """Ouverture et changements de statut rejoués par les services eux-mêmes, aux mêmes dates,
    avec le même référent, les mêmes personnes et les mêmes motifs : tous acceptés."""
    creer_accompagnements(proportion=1, renforts=True, portefeuille=15, graine=7)
    historiques = _historiques()
    echantillon = (
        Accompagnement.objects.filter(changements__isnull=False)
        .select_related("foyer", "referent")
        .prefetch_related("membres")
        .distinct()
        .order_by("pk")
    )
    rejoues = set()
    for a in [x for x in echantillon if len(historiques[x.pk]) > 2][:25]:
        copie = services_accompagnement.ouvrir_accompagnement(
            agent=a.referent,
            foyer=a.foyer,
            axe=a.axe_id,
            membres=list(a.membres.all()),
            date_ouverture=a.date_ouverture,
            faits=a.faits,
            malgre_accompagnement_ouvert=True,
        )
        for c in historiques[a.pk][1:]:
            copie = services_accompagnement.changer_statut(
                agent=a.referent,
                accompagnement=copie,
                statut=c.nouveau,
                date_effet=c.date,
                motif_cloture=a.motif_cloture if c.nouveau == CLOS else "",
            )
            rejoues.add(c.nouveau)
        assert (copie.statut, copie.date_cloture, copie.motif_cloture) == (
            a.statut,
            a.date_cloture,
            a.motif_cloture,
        )
    assert {EN_COURS, CLOS} <= rejoues


def test_la_demo_suit_la_table_des_transitions_du_service(population, monkeypatch):
    """Si la table ne permet plus d'aller d'« ouvert » à « en cours », le service refuse ce
    passage et la démo aussi : elle s'arrête au lieu d'écrire un historique interdit."""
    monkeypatch.setitem(TRANSITIONS, OUVERT, {SUSPENDU, CLOS})
    with pytest.raises(ValidationError) as erreur:
        creer_accompagnements(proportion=1, renforts=True, portefeuille=15, graine=5)
    assert "statut" in erreur.value.message_dict
    assert not Accompagnement.objects.exists()
    with pytest.raises(ValidationError):
        services_accompagnement.verifier_transition(OUVERT, EN_COURS)


def test_information_et_passages_acceptes_par_les_regles_de_l_accueil(population):
    """Toute personne informée a répondu à la question du contact (le service l'exige avec
    l'information) ; chaque passage a un motif, n'est pas dans le futur, et nomme un partenaire
    actif pour une orientation, et seulement pour elle."""
    informes = Habitant.objects.filter(date_information__isnull=False)
    assert informes.exists()
    assert not informes.filter(consentement=EtatConsentement.NON_DEMANDE).exists()
    # Une première réponse est datée du jour de l'information (`noter_information`).
    assert not informes.exclude(date_consentement=F("date_information")).exists()
    creer_passages(jours=15, par_jour_et_site=3, graine=3)
    passages = Passage.objects.select_related("partenaire").prefetch_related("motifs")
    assert passages.count() > 50
    for p in passages:
        verifier_passage(
            motifs=list(p.motifs.all()),
            date_heure=p.date_heure,
            reponse=p.reponse,
            partenaire=p.partenaire,
        )


def test_prestations_percues_acceptees_par_les_regles_du_service(population):
    """Les prestations écrites en masse (COPY sur PostgreSQL) : au catalogue, versées depuis
    une date plausible, un montant positif, un bénéficiaire membre du foyer."""
    assert creer_prestations(graine=3) > 0
    for p in PrestationFoyer.objects.select_related("prestation"):
        assert p.prestation.actif
        verifier_dates_prestation(
            date_demande=p.date_demande, date_debut=p.date_debut, date_fin=p.date_fin
        )
        verifier_versement(
            statut=p.statut,
            date_debut=p.date_debut,
            date_fin=p.date_fin,
            montant_mensuel=p.montant_mensuel,
        )
        assert p.foyer.membres.filter(habitant_id=p.beneficiaire_id).exists()
