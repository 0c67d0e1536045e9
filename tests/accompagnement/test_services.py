from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accompagnement import services
from accompagnement.enums import StatutAccompagnement as S
from accompagnement.models import Accompagnement
from ccas_portal.models import EntreeJournal
from tests.accompagnement.conftest import ouvrir
from tests.factories import AgentFactory, habitant

pytestmark = pytest.mark.django_db


def test_ouvrir_un_accompagnement(ts, famille):
    a = ouvrir(ts, famille, faits={"demande_siao": True, "date_demande_siao": "2026-01-02"})
    assert (a.statut, a.referent, a.axe_id) == (S.OUVERT, ts, "logement")
    assert a.faits == {"demande_siao": True, "date_demande_siao": "2026-01-02"}
    assert [c.nouveau for c in a.changements.all()] == [S.OUVERT]
    assert EntreeJournal.objects.filter(
        action="creation", objet_id=str(a.pk), objet_type="accompagnement.accompagnement"
    ).exists()


def test_ouverture_refusee(ts, famille):
    f, _, _ = famille
    with pytest.raises(ValidationError, match="ne fait pas partie du foyer"):
        ouvrir(ts, famille, membres=[habitant(ts, prenoms="Étrangère")])
    with pytest.raises(ValidationError, match="Axe inconnu"):
        ouvrir(ts, famille, axe="loisirs")
    with pytest.raises(ValidationError, match="dans le futur"):
        ouvrir(ts, famille, date_ouverture=date.today() + timedelta(days=1))
    with pytest.raises(ValidationError, match="Fait inconnu"):
        ouvrir(ts, famille, faits={"medecin_traitant": True})
    with pytest.raises(PermissionDenied):
        ouvrir(AgentFactory(role="travailleur_social"), famille)  # autre site
    with pytest.raises(PermissionDenied):
        ouvrir(AgentFactory(role="accueil", sites=[f.site]), famille)
    assert not Accompagnement.objects.exists()


@pytest.mark.parametrize(
    "chemin",
    [
        [S.EN_COURS],
        [S.SUSPENDU],
        [S.EN_COURS, S.SUSPENDU],
        [S.EN_COURS, S.SUSPENDU, S.EN_COURS],
        [S.SUSPENDU, S.CLOS],
        [S.EN_COURS, S.CLOS],
        [S.CLOS],
    ],
)
def test_transitions_permises(ts, famille, chemin):
    a = ouvrir(ts, famille)
    for statut in chemin:
        motif = "objectifs_atteints" if statut == S.CLOS else ""
        a = services.changer_statut(
            agent=ts,
            accompagnement=a,
            statut=statut,
            date_effet=date(2026, 2, 1),
            motif_cloture=motif,
        )
    assert a.statut == chemin[-1]
    assert [c.nouveau for c in a.changements.all()] == [S.OUVERT, *chemin]


@pytest.mark.parametrize(
    ("avant", "apres"),
    [
        ([], S.OUVERT),
        ([S.EN_COURS], S.OUVERT),
        ([S.CLOS], S.EN_COURS),
        ([S.CLOS], S.SUSPENDU),
    ],
)
def test_transitions_refusees(ts, famille, avant, apres):
    a = ouvrir(ts, famille)
    for statut in avant:
        motif = "deces" if statut == S.CLOS else ""
        a = services.changer_statut(agent=ts, accompagnement=a, statut=statut, motif_cloture=motif)
    with pytest.raises(ValidationError, match="impossible"):
        services.changer_statut(agent=ts, accompagnement=a, statut=apres)
    a.refresh_from_db()
    assert a.statut == (avant[-1] if avant else S.OUVERT)


def test_cloture_exige_un_motif_et_une_date_valide(ts, famille):
    a = ouvrir(ts, famille)
    with pytest.raises(ValidationError, match="motif de clôture"):
        services.changer_statut(agent=ts, accompagnement=a, statut=S.CLOS)
    with pytest.raises(ValidationError, match="précède l'ouverture"):
        services.changer_statut(
            agent=ts,
            accompagnement=a,
            statut=S.CLOS,
            motif_cloture="demenagement",
            date_effet=date(2025, 12, 1),
        )
    with pytest.raises(ValidationError, match="ne va qu'avec la clôture"):
        services.changer_statut(
            agent=ts, accompagnement=a, statut=S.EN_COURS, motif_cloture="demenagement"
        )
    a = services.changer_statut(
        agent=ts,
        accompagnement=a,
        statut=S.CLOS,
        motif_cloture="demenagement",
        date_effet=date(2026, 3, 1),
    )
    assert (a.date_cloture, a.motif_cloture) == (date(2026, 3, 1), "demenagement")
    with pytest.raises(ValidationError, match="clos ne se modifie plus"):
        services.enregistrer_faits(agent=ts, accompagnement=a, faits={"demande_siao": False})


def test_seuls_referent_et_co_intervenants_modifient(ts, famille, site):
    collegue = AgentFactory(role="travailleur_social", sites=[site])
    autre = AgentFactory(role="travailleur_social", sites=[site])
    a = ouvrir(ts, famille, co_intervenants=[collegue])
    services.changer_statut(agent=collegue, accompagnement=a, statut=S.EN_COURS)
    with pytest.raises(PermissionDenied):
        services.changer_statut(agent=autre, accompagnement=a, statut=S.SUSPENDU)
    assert set(Accompagnement.objects.visibles_par(collegue)) == {a}
    assert not Accompagnement.objects.visibles_par(autre).exists()
    assert not Accompagnement.objects.visibles_par(
        AgentFactory(role="responsable", sites=[site])
    ).exists()


def test_faits_mis_a_jour_et_journalises(ts, famille):
    a = ouvrir(ts, famille, faits={"demande_siao": True})
    a = services.enregistrer_faits(
        agent=ts, accompagnement=a, faits={"numero_demande_logement_social": "038-99"}
    )
    assert a.faits == {"demande_siao": True, "numero_demande_logement_social": "038-99"}
    assert EntreeJournal.objects.filter(action="modification", objet_id=str(a.pk)).count() == 1
