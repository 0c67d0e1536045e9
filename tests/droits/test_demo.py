from datetime import date

import pytest

from ccas_portal.demo import creer_comptes_demo
from droits.demo import creer_prestations
from droits.models import PrestationFoyer
from habitants.demo import creer_population
from habitants.models import MembreFoyer

pytestmark = pytest.mark.django_db


def test_prestations_de_demonstration_plausibles(referentiels):
    creer_comptes_demo()
    creer_population(foyers=60, graine=7)
    n = creer_prestations(proportion=1.0, graine=7)
    assert n == PrestationFoyer.objects.count() > 0
    arrivees = dict(
        MembreFoyer.objects.filter(role="demandeur").values_list("foyer_id", "date_debut")
    )
    for p in PrestationFoyer.objects.select_related("foyer"):
        assert p.statut == "percue"
        assert p.date_debut is not None
        # Versée depuis l'arrivée du demandeur dans le foyer, jamais dans le futur.
        assert arrivees[p.foyer_id] <= p.date_debut <= date.today()
        if p.prestation_id == "aide_logement":
            # Locataire, ou résident d'un foyer (ALS, APL foyer).
            statut = p.foyer.statut_occupation
            assert statut.startswith("locataire") or statut == "foyer_residence"
        if p.prestation_id == "paje_base":
            # Pas avant la naissance de l'enfant de moins de 3 ans.
            naissances = MembreFoyer.objects.filter(foyer=p.foyer, role="enfant").values_list(
                "habitant__date_naissance", flat=True
            )
            assert p.date_debut > max(naissances)
    # Rejouer avec la même graine donne les mêmes prestations (démonstration reproductible).
    PrestationFoyer.objects.all().delete()
    assert creer_prestations(proportion=1.0, graine=7) == n


@pytest.mark.moteur
def test_la_plupart_des_droits_sont_deja_percus_la_detection_signale_le_reste(referentiels):
    """Comme en réalité, la plupart des foyers ayant droit perçoivent déjà leurs prestations :
    la détection ne signale que le non-recours plausible (mesuré sur la population de
    démonstration : 658 signalements pour 300 foyers avant, environ un pour deux foyers après)."""
    from droits.detection import execution as detection
    from droits.enums import ETATS_OUVERTS
    from droits.models import ExecutionDetection, Signalement

    creer_comptes_demo()
    creer_population(foyers=200, graine=2015)
    percues = creer_prestations(graine=2015)
    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre="tous", mois_cible=detection.mois_courant()
    )
    for lot in detection.preparer(execution.pk):
        detection.traiter_lot(lot)
    ouverts = Signalement.objects.filter(etat__in=ETATS_OUVERTS).count()
    print(f"200 foyers : {percues} prestations perçues, {ouverts} signalements ouverts")
    # Des signalements, mais pas plus d'un pour deux foyers environ…
    assert 20 <= ouverts <= 0.6 * 200
    # … et bien moins que de droits déjà perçus.
    assert percues >= 3 * ouverts


def test_demo_data_enfile_une_detection_apres_validation(
    referentiels, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    from droits import tasks
    from droits.models import ExecutionDetection

    settings.DEBUG = True
    enfilees = []
    monkeypatch.setattr(tasks.coordonner_detection, "delay", enfilees.append)
    sortie = StringIO()
    with django_capture_on_commit_callbacks(execute=True) as rappels:
        call_command("demo_data", "--wet-run", "--foyers", "30", "--detection", stdout=sortie)
    execution = ExecutionDetection.objects.get()
    assert (execution.perimetre, execution.statut) == ("tous", "en_attente")
    assert enfilees == [execution.pk]
    assert len(rappels) == 1
    assert f"Détection du non-recours n° {execution.pk} enfilée" in sortie.getvalue()
    assert "Prestations déjà perçues :" in sortie.getvalue()
    # Sans --detection, aucune exécution.
    call_command("demo_data", "--wet-run", "--foyers", "30", "--ajouter", stdout=StringIO())
    assert ExecutionDetection.objects.count() == 1
