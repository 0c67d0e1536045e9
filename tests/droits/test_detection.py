"""La détection de bout en bout en base : lots, signalements, rejeu, incrémental, règles
locales ; puis avec un vrai worker Celery sur le broker configuré."""

import time
from datetime import date
from decimal import Decimal
from importlib import import_module

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from droits import services
from droits.detection import execution as detection
from droits.models import (
    ChangementSignalement,
    ExecutionDetection,
    LotDetection,
    Prestation,
    Signalement,
)
from habitants.services import enregistrer_ressource
from tests.droits.conftest import MOIS, creer_foyer
from tests.factories import AgentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.moteur]


def executer(perimetre="tous", **champs):
    """Une exécution complète, sans worker : préparer, puis chaque lot."""
    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre=perimetre, mois_cible=MOIS, **champs
    )
    for lot in detection.preparer(execution.pk):
        detection.traiter_lot(lot)
    execution.refresh_from_db()
    return execution


def alertes(foyer):
    return {s.prestation_id: s for s in Signalement.objects.filter(foyer=foyer)}


def test_une_execution_signale_les_droits_non_demandes(ts, seul_sans_revenu, aise):
    f, _ = seul_sans_revenu
    execution = executer()
    trouve = alertes(f)
    assert set(trouve) == {"rsa", "aide_logement", "css_gratuite"}
    assert trouve["rsa"].montant_estime == Decimal("573.49")
    assert trouve["aide_logement"].montant_estime == Decimal("308.00")
    assert trouve["rsa"].explication["ressources_mensuelles_nettes"] == 0
    assert trouve["rsa"].explication["loyer"] == 450.0
    assert alertes(aise[0]) == {}  # haut revenu : aucune prestation sous conditions
    assert (execution.statut, execution.total, execution.traites) == ("terminee", 2, 2)
    assert execution.comptes == {"aide_logement": 1, "css_gratuite": 1, "rsa": 1}
    assert execution.signalements_crees == 3
    assert execution.duree is not None
    # La création est notée sur le signalement ; l'historique attend les gestes des agents.
    assert trouve["rsa"].cree_le >= execution.debut
    assert not trouve["rsa"].changements.exists()


def test_une_prestation_deja_percue_n_est_pas_signalee(ts, seul_sans_revenu):
    f, (karim,) = seul_sans_revenu
    services.enregistrer_prestation(
        agent=ts,
        foyer=f,
        prestation=Prestation.objects.get(code="rsa"),
        statut="percue",
        source="organisme",
        beneficiaire=karim,
        date_debut=date(2026, 1, 1),
        montant_mensuel=Decimal("573.49"),
    )
    executer()
    assert "rsa" not in alertes(f)
    assert "aide_logement" in alertes(f)


def test_relancer_met_a_jour_sans_doublon(ts, seul_sans_revenu):
    f, (karim,) = seul_sans_revenu
    executer()
    premiere = alertes(f)["rsa"]
    services.changer_etat_signalement(
        agent=ts, signalement=premiere, etat="contacte", venue_d_elle_meme=True
    )
    enregistrer_ressource(
        agent=ts,
        habitant=karim,
        type="salaire_net",
        montant_mensuel=Decimal("300"),
        date_debut=date(2026, 9, 1),
    )
    deuxieme = executer()
    rsa = Signalement.objects.get(foyer=f, prestation="rsa")
    assert rsa.pk == premiere.pk
    assert rsa.etat == "contacte"
    assert rsa.montant_estime < premiere.montant_estime  # revenu d'activité pris en compte
    assert rsa.execution == deuxieme
    codes = list(Signalement.objects.filter(foyer=f).values_list("prestation", flat=True))
    assert len(codes) == len(set(codes))  # jamais deux signalements pour une prestation
    assert "prime_activite" in codes  # nouveau droit : 300 € de salaire ouvrent la prime


def test_relancer_sans_changement_ne_reecrit_pas_les_signalements(ts, seul_sans_revenu):
    f, _ = seul_sans_revenu
    premiere = executer()
    avant = {s.pk: (s.modifie_le, s.execution_id) for s in Signalement.objects.filter(foyer=f)}
    seconde = executer()
    apres = {s.pk: (s.modifie_le, s.execution_id) for s in Signalement.objects.filter(foyer=f)}
    # Rien n'a changé : ni réécrit, ni recréé ; l'exécution reste celle qui les a repérés.
    assert apres == avant
    assert {e for _, e in apres.values()} == {premiere.pk}
    assert seconde.signalements_crees == 0
    assert seconde.comptes == premiere.comptes


def test_un_droit_qui_disparait_est_marque_non_retrouve(ts, seul_sans_revenu):
    f, (karim,) = seul_sans_revenu
    executer()
    enregistrer_ressource(
        agent=ts,
        habitant=karim,
        type="salaire_net",
        montant_mensuel=Decimal("5000"),
        date_debut=date(2024, 1, 1),
    )
    executer()
    rsa = Signalement.objects.get(foyer=f, prestation="rsa")
    assert rsa.etat == "nouveau"  # reste ouvert : au travailleur social de le clore
    assert rsa.toujours_detecte is False


def test_la_base_refuse_deux_signalements_ouverts(ts, seul_sans_revenu):
    from django.db import IntegrityError, transaction

    f, _ = seul_sans_revenu
    executer()
    with pytest.raises(IntegrityError), transaction.atomic():
        Signalement.objects.create(foyer=f, prestation_id="rsa", montant_estime=1, empreinte="x")


def test_clos_non_eligible_ne_renait_que_si_les_faits_changent(ts, seul_sans_revenu):
    f, (karim,) = seul_sans_revenu
    executer()
    rsa = alertes(f)["rsa"]
    services.changer_etat_signalement(agent=ts, signalement=rsa, etat="non_eligible")
    executer()
    assert Signalement.objects.filter(foyer=f, prestation="rsa").count() == 1
    enregistrer_ressource(
        agent=ts,
        habitant=karim,
        type="chomage",
        montant_mensuel=Decimal("100"),
        date_debut=date(2026, 10, 1),
    )
    executer()
    rsa_s = Signalement.objects.filter(foyer=f, prestation="rsa").order_by("pk")
    assert [s.etat for s in rsa_s] == ["non_eligible", "nouveau"]


def test_un_signalement_clos_ne_change_plus_et_seul_le_site_le_traite(ts, seul_sans_revenu):
    f, _ = seul_sans_revenu
    executer()
    rsa = alertes(f)["rsa"]
    for agent in (
        AgentFactory(role="accueil", sites=[f.site]),
        AgentFactory(role="responsable", sites=[f.site]),
    ):
        with pytest.raises(PermissionDenied):
            services.changer_etat_signalement(
                agent=agent, signalement=rsa, etat="contacte", venue_d_elle_meme=True
            )
    services.changer_etat_signalement(agent=ts, signalement=rsa, etat="refus_personne")
    with pytest.raises(ValidationError, match="clos"):
        services.changer_etat_signalement(
            agent=ts, signalement=rsa, etat="contacte", venue_d_elle_meme=True
        )
    historique = list(
        ChangementSignalement.objects.filter(signalement=rsa).values_list("nouveau", "agent")
    )
    assert historique == [("refus_personne", ts.pk)]


def test_la_migration_ne_retire_de_l_historique_que_les_lignes_de_creation(ts, seul_sans_revenu):
    """Droits 0005 : les lignes « nouveau » sans agent qui répétaient la création sont
    retirées ; les gestes des agents restent. Son retour arrière les recrée à la date de
    repérage."""
    migration = import_module("droits.migrations.0005_creation_des_signalements_sans_historique")
    f, _ = seul_sans_revenu
    executer()
    rsa = alertes(f)["rsa"]
    services.changer_etat_signalement(
        agent=ts, signalement=rsa, etat="contacte", venue_d_elle_meme=True
    )
    with connection.cursor() as curseur:
        curseur.execute(migration.RECREER)  # comme avant la migration
    recrees = ChangementSignalement.objects.filter(nouveau="nouveau")
    assert sorted(recrees.values_list("signalement_id", "le", "ancien", "agent")) == sorted(
        (s.pk, s.cree_le, "", None) for s in Signalement.objects.all()
    )
    with connection.cursor() as curseur:
        curseur.execute(migration.RETIRER)
    restes = ChangementSignalement.objects.values_list(
        "signalement_id", "ancien", "nouveau", "agent"
    )
    assert list(restes) == [(rsa.pk, "nouveau", "contacte", ts.pk)]


def test_l_incremental_ne_resimule_que_les_foyers_modifies(ts, seul_sans_revenu, aise):
    executer()
    assert executer("modifies").total == 0
    enregistrer_ressource(
        agent=ts,
        habitant=aise[1][0],
        type="chomage",
        montant_mensuel=Decimal("50"),
        date_debut=date(2026, 10, 1),
    )
    incremental = executer("modifies")
    assert (incremental.total, incremental.traites) == (1, 1)
    assert incremental.lots.get().foyers == [aise[0].pk]


def test_regles_locales_jeune_sans_ressource_et_aine_isole(ts):
    jeune, _ = creer_foyer(ts, ("Inès", date(2004, 3, 1), "demandeur"), loyer="0", statut="heberge")
    aine, _ = creer_foyer(
        ts,
        ("Marcel", date(1948, 2, 1), "demandeur", [("retraite", "1900", date(2010, 1, 1))]),
        loyer="500",
        statut="proprietaire",
    )
    executer()
    assert alertes(jeune)["aide_facultative_jeunes"].montant_estime == Decimal("250.00")
    assert (
        "sans droit probable au RSA"
        in alertes(jeune)["aide_facultative_jeunes"].explication["raison"]
    )
    assert "aide_domicile" in alertes(aine)
    assert "78 ans" in alertes(aine)["aide_domicile"].explication["raison"]


def test_un_lot_rejoue_ne_refait_rien_et_un_lot_interrompu_se_reprend(
    ts, seul_sans_revenu, monkeypatch
):
    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre="tous", mois_cible=MOIS
    )
    [lot] = detection.preparer(execution.pk)
    appels = []
    vraie = detection.moteur.simuler

    def plante_une_fois(*args):
        appels.append(1)
        if len(appels) == 1:
            raise MemoryError("worker perdu")
        return vraie(*args)

    monkeypatch.setattr(detection.moteur, "simuler", plante_une_fois)
    with pytest.raises(MemoryError):
        detection.traiter_lot(lot)
    assert not Signalement.objects.exists()
    assert ExecutionDetection.objects.get().statut == "en_cours"
    detection.traiter_lot(lot)
    assert detection.traiter_lot(lot) == {"deja_fait": True}
    execution.refresh_from_db()
    assert (execution.statut, execution.traites) == ("terminee", 1)
    assert LotDetection.objects.get().tentatives == 2
    assert Signalement.objects.count() == 3
    # Préparer à nouveau (coordinateur rejoué) ne recrée pas de lots.
    assert detection.preparer(execution.pk) == []
    assert LotDetection.objects.count() == 1


def test_lancer_est_reserve_aux_responsables(ts):
    with pytest.raises(PermissionDenied):
        detection.lancer_detection(agent=ts)


def test_le_coordinateur_retente_puis_marque_l_execution_echouee(ts, seul_sans_revenu, monkeypatch):
    from django.db import OperationalError

    from droits import tasks

    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre="tous", mois_cible=MOIS
    )
    vrai_preparer = detection.preparer
    essais = []

    def verrou_une_fois(execution_id):
        essais.append(execution_id)
        if len(essais) == 1:
            raise OperationalError("database table is locked: droits_executiondetection")
        return vrai_preparer(execution_id)

    monkeypatch.setattr(detection, "preparer", verrou_une_fois)
    enfiles = []
    monkeypatch.setattr(
        tasks.traiter_lot_detection, "apply_async", lambda a, **k: enfiles.append(a)
    )
    assert tasks.coordonner_detection.apply(args=(execution.pk,)).get() == 1
    assert len(essais) == 2
    assert len(enfiles) == 1
    execution.refresh_from_db()
    assert execution.statut == "en_cours"

    # Une erreur qui dure : à bout d'essais, l'exécution est échouée, pas « en attente » à vie.
    autre = ExecutionDetection.objects.create(declencheur="test", perimetre="tous", mois_cible=MOIS)

    def toujours_verrouille(execution_id):
        raise OperationalError("database table is locked")

    monkeypatch.setattr(detection, "preparer", toujours_verrouille)
    resultat = tasks.coordonner_detection.apply(args=(autre.pk,))
    assert resultat.failed()
    autre.refresh_from_db()
    assert autre.statut == "echouee"
    assert "Découpage en lots" in autre.erreurs[-1]


@pytest.mark.lent
def test_un_vrai_worker_fait_toute_l_execution(
    transactional_db, referentiels, settings, broker_vide
):
    from celery.contrib.testing.worker import start_worker

    from ccas_portal.celery import app
    from tests.factories import SiteFactory

    settings.DETECTION_TAILLE_LOT = 2
    ts = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-worker")])
    responsable = AgentFactory(role="responsable", sites=[SiteFactory(type="service_central")])
    foyers = [creer_foyer(ts, (f"P{i}", date(1991, 1, 1), "demandeur"))[0] for i in range(5)]
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        execution = detection.lancer_detection(agent=responsable, mois_cible=MOIS)
        fin = time.monotonic() + 180
        while time.monotonic() < fin:
            execution.refresh_from_db()
            if execution.statut in ("terminee", "echouee"):
                break
            # Sans hâte : sous SQLite en mémoire partagée, chaque lecture verrouille la table
            # que le worker veut écrire (il retente, mais autant ne pas le gêner).
            time.sleep(2)
    assert execution.statut == "terminee", (execution.statut, execution.erreurs)
    assert (execution.total, execution.traites, execution.lots.count()) == (5, 5, 3)
    for f in foyers:
        assert set(alertes(f)) == {"rsa", "aide_logement", "css_gratuite"}


def test_la_detection_nocturne_est_planifiee_une_fois_et_reglable(referentiels):
    from django_celery_beat.models import PeriodicTask

    tache = PeriodicTask.objects.get(name=services.NOM_TACHE_NOCTURNE)
    assert tache.task == "droits.tasks.detection_nocturne"
    assert (tache.crontab.hour, tache.crontab.minute) == ("2", "30")
    tache.enabled = False  # l'administrateur la règle…
    tache.save()
    assert services.planifier_detection_nocturne() is False  # …et rien ne l'écrase
    assert PeriodicTask.objects.get(name=services.NOM_TACHE_NOCTURNE).enabled is False
