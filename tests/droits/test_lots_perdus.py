"""Lots perdus par le broker (ADR 0021) : une exécution sans activité voit ses lots non faits
renvoyés au broker ; à bout de relances, elle est échouée avec sa raison, et « Reprendre » ne
refait que les lots manquants, sans signalement en double. (Le vrai redémarrage de Redis avec
un vrai worker : tests/droits/test_worker_perdu.py.)"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from droits import services, tasks
from droits.detection import execution as detection
from droits.models import ExecutionDetection, LotDetection, Signalement
from tests.droits.conftest import MOIS, creer_foyer
from tests.factories import AgentFactory, SiteFactory

pytestmark = [pytest.mark.django_db, pytest.mark.moteur]


@pytest.fixture
def enfiles(monkeypatch):
    """Ce qui part au broker : lots et coordinateurs (aucun worker ici)."""
    partis = {"lots": [], "coordinateurs": []}
    monkeypatch.setattr(
        tasks.traiter_lot_detection, "apply_async", lambda a, **k: partis["lots"].append(a[0])
    )
    monkeypatch.setattr(
        tasks.coordonner_detection, "delay", lambda pk: partis["coordinateurs"].append(pk)
    )
    return partis


@pytest.fixture
def trois_lots(ts, settings):
    """Une exécution de 6 foyers en 3 lots, dont seul le premier est fait ; puis plus rien
    depuis une heure (le broker a perdu les deux autres messages)."""
    settings.DETECTION_TAILLE_LOT = 2
    settings.DETECTION_DELAI_RELANCE = 600
    settings.DETECTION_RELANCES_MAX = 2
    foyers = [creer_foyer(ts, (f"P{i}", date(1991, 1, 1), "demandeur"))[0] for i in range(6)]
    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre="tous", mois_cible=MOIS
    )
    lots = detection.preparer(execution.pk)
    detection.traiter_lot(lots[0])
    vieillir(execution)
    return execution, lots, foyers


def vieillir(execution, minutes=60):
    """Toutes les dates d'activité de l'exécution reculent de `minutes`."""
    recul = timedelta(minutes=minutes)
    e = ExecutionDetection.objects.get(pk=execution.pk)
    ExecutionDetection.objects.filter(pk=e.pk).update(
        cree_le=e.cree_le - recul,
        debut=e.debut - recul if e.debut else None,
        relancee_le=e.relancee_le - recul if e.relancee_le else None,
    )
    for lot in LotDetection.objects.filter(execution=e):
        LotDetection.objects.filter(pk=lot.pk).update(
            commence_le=lot.commence_le - recul if lot.commence_le else None,
            termine_le=lot.termine_le - recul if lot.termine_le else None,
        )


def surveiller(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return detection.relancer_les_executions_bloquees()


def test_les_lots_non_faits_sont_renvoyes_apres_le_delai_et_pas_avant(
    trois_lots, enfiles, django_capture_on_commit_callbacks
):
    execution, lots, _ = trois_lots
    assert surveiller(django_capture_on_commit_callbacks) == {"relancees": 1}
    assert enfiles["lots"] == lots[1:]  # le lot fait n'est pas renvoyé
    execution.refresh_from_db()
    assert (execution.statut, execution.relances) == ("en_cours", 1)
    # La relance compte comme activité : rien de plus avant un nouveau délai.
    assert surveiller(django_capture_on_commit_callbacks) == {}
    assert enfiles["lots"] == lots[1:]
    # Les lots renvoyés sont traités : l'exécution se termine, complète.
    for lot in enfiles["lots"]:
        detection.traiter_lot(lot)
    execution.refresh_from_db()
    assert (execution.statut, execution.traites, execution.total) == ("terminee", 6, 6)


def test_une_execution_qui_avance_n_est_pas_relancee(
    trois_lots, enfiles, django_capture_on_commit_callbacks
):
    _, lots, _ = trois_lots
    LotDetection.objects.filter(pk=lots[1]).update(commence_le=timezone.now())  # en calcul
    assert surveiller(django_capture_on_commit_callbacks) == {}
    assert enfiles["lots"] == []


def test_une_execution_jamais_decoupee_renvoie_son_coordinateur(
    ts, settings, enfiles, django_capture_on_commit_callbacks
):
    settings.DETECTION_DELAI_RELANCE = 600
    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre="tous", mois_cible=MOIS
    )
    assert surveiller(django_capture_on_commit_callbacks) == {}  # trop tôt
    vieillir(execution)
    assert surveiller(django_capture_on_commit_callbacks) == {"relancees": 1}
    assert enfiles["coordinateurs"] == [execution.pk]


def test_a_bout_de_relances_l_execution_echoue_puis_reprendre_finit_les_lots_manquants(
    trois_lots, enfiles, django_capture_on_commit_callbacks, client_de
):
    execution, lots, foyers = trois_lots
    for _ in range(2):  # DETECTION_RELANCES_MAX = 2 : deux relances perdues elles aussi
        assert surveiller(django_capture_on_commit_callbacks) == {"relancees": 1}
        vieillir(execution)
    assert surveiller(django_capture_on_commit_callbacks) == {"echouees": 1}
    execution.refresh_from_db()
    assert execution.statut == "echouee"
    assert execution.erreurs == [
        "Exécution arrêtée : 2 lots sur 3 sont restés sans réponse (foyers non traités : 4) "
        "pendant 10 min, malgré 2 relances. Le broker a probablement perdu les messages "
        "(redémarrage de Redis) ou aucun worker n'écoute la file « detection ». « Reprendre » "
        "ne refait que les lots manquants."
    ]
    # Échouée, elle n'est plus surveillée : rien ne repart tout seul.
    vieillir(execution)
    enfiles["lots"].clear()
    assert surveiller(django_capture_on_commit_callbacks) == {}

    # L'écran du responsable montre la raison et le bouton « Reprendre ».
    responsable = AgentFactory(role="responsable", sites=[SiteFactory(type="service_central")])
    client = client_de(responsable)
    page = client.get(reverse("droits:detection")).content.decode()
    assert "2 lots sur 3 sont restés sans réponse" in page
    assert f'action="{reverse("droits:reprendre_detection", args=[execution.pk])}"' in page
    assert 'value="Reprendre"' in page

    signalements_avant = set(Signalement.objects.values_list("pk", flat=True))
    formulaire = client.get(reverse("droits:detection")).context["executions"][0].form_reprise
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(
            reverse("droits:reprendre_detection", args=[execution.pk]),
            {"jeton": formulaire.initial["jeton"]},
        )
    assert reponse.status_code == 302
    assert enfiles["lots"] == lots[1:]  # seulement les lots manquants
    execution.refresh_from_db()
    assert (execution.statut, execution.erreurs, execution.relances) == ("en_cours", [], 0)
    for lot in enfiles["lots"]:
        detection.traiter_lot(lot)
    execution.refresh_from_db()
    assert (execution.statut, execution.traites) == ("terminee", 6)
    assert LotDetection.objects.get(pk=lots[0]).tentatives == 1  # le lot fait n'est pas refait
    # Les signalements du premier lot sont restés ; un seul par foyer et prestation.
    assert signalements_avant <= set(Signalement.objects.values_list("pk", flat=True))
    for f in foyers:
        codes = sorted(Signalement.objects.filter(foyer=f).values_list("prestation", flat=True))
        assert codes == ["aide_logement", "css_gratuite", "rsa"]

    # Reprendre une exécution terminée : refusé en français, rien ne change, pas de 500.
    reponse = client.post(
        reverse("droits:reprendre_detection", args=[execution.pk]),
        {"jeton": "6f1c1a52-3d0c-4a52-9a43-2b7e7d0e9c11"},
    )
    assert reponse.status_code == 422
    assert "Cette exécution n&#x27;est pas en échec (statut : terminée) : rien à reprendre." in (
        reponse.content.decode()
    )
    execution.refresh_from_db()
    assert execution.statut == "terminee"


def test_une_execution_echouee_dont_les_lots_finissent_quand_meme_est_terminee(
    trois_lots, enfiles, django_capture_on_commit_callbacks, settings
):
    """Les messages n'étaient pas perdus, juste en retard : elle se termine, complète."""
    execution, lots, _ = trois_lots
    settings.DETECTION_RELANCES_MAX = 0
    assert surveiller(django_capture_on_commit_callbacks) == {"echouees": 1}
    execution.refresh_from_db()
    assert execution.statut == "echouee"
    assert "pendant 10 min. Le broker" in execution.erreurs[0]  # sans « malgré 0 relance »
    for lot in lots[1:]:
        detection.traiter_lot(lot)
    execution.refresh_from_db()
    assert (execution.statut, execution.traites) == ("terminee", 6)


def test_reprendre_est_reserve_aux_responsables(trois_lots, client_de, ts):
    execution, _, _ = trois_lots
    detection.echouer(execution.pk, "perdu")
    reponse = client_de(ts).post(reverse("droits:reprendre_detection", args=[execution.pk]))
    assert reponse.status_code == 403
    assert ExecutionDetection.objects.get(pk=execution.pk).statut == "echouee"


def test_la_surveillance_est_planifiee_une_fois(referentiels):
    tache = PeriodicTask.objects.get(name=services.NOM_SURVEILLANCE)
    assert tache.task == "droits.tasks.relancer_detections_bloquees"
    assert (tache.interval.every, tache.interval.period) == (60, "seconds")
    assert services.planifier_surveillance_detection() is False
