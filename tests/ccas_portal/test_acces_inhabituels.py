"""Le rapport quotidien des accès inhabituels : ses deux règles (docs/journal.md), sa tâche,
son affichage sur l'écran du journal."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accompagnement.services import ouvrir_accompagnement
from ccas_portal.acces_inhabituels import etablir_rapport
from ccas_portal.models import RapportAcces
from ccas_portal.tasks import rapport_acces_inhabituels
from habitants.services import ajouter_membre
from tests import roles_de_test
from tests.factories import AgentFactory, SiteFactory, foyer, habitant, passage

pytestmark = pytest.mark.django_db(transaction=roles_de_test.DEUX_ROLES)

JOUR = date(2026, 11, 18)


def _le(jour, heure, minute=0):
    return timezone.make_aware(datetime.combine(jour, time(heure, minute)))


def _ecrire(agent, objet_type, objet_id, *, action="consultation", quand=None):
    return roles_de_test.entree_datee(
        agent=agent,
        agent_libelle=agent.get_full_name(),
        action=action,
        objet_type=objet_type,
        objet_id=str(objet_id),
        horodatage=quand or _le(JOUR, 10),
    )


def _lire(agent, objet, quand=None):
    return _ecrire(agent, objet._meta.label_lower, objet.pk, quand=quand)


@pytest.fixture
def monde(referentiels, settings):
    settings.JOURNAL_SEUIL_HORS_FILE = 3
    site, autre_site = SiteFactory(code="mdh-a"), SiteFactory(code="mdh-b")
    ts = AgentFactory(travailleur_social=True, sites=[site], prenom="Inès", nom="Curieuse")
    suivi = foyer(ts)
    parent = habitant(ts, prenoms="Amina")
    ajouter_membre(agent=ts, foyer=suivi, habitant=parent, role="demandeur", date_debut=JOUR)
    ouvrir_accompagnement(
        agent=ts, foyer=suivi, axe="logement", membres=[parent], date_ouverture=JOUR
    )
    recue = habitant(ts, prenoms="Reçue")
    p = passage(ts, habitant=recue)
    p.date_heure = _le(JOUR, 9)
    p.save(update_fields=["date_heure"])
    ailleurs = AgentFactory(travailleur_social=True, sites=[autre_site])
    return {
        "ts": ts,
        "suivi": suivi,
        "parent": parent,
        "recue": recue,
        "site": site,
        "foyer_d_ailleurs": foyer(ailleurs),
        "inconnus": [foyer(ts) for _ in range(2)],
        "inconnue": habitant(ts, prenoms="Inconnue"),
    }


def test_dossiers_hors_de_la_file_au_dela_du_seuil(monde):
    ts = monde["ts"]
    # Dans sa file : le foyer qu'il accompagne, la personne qui en est membre, celle qu'il a
    # reçue à l'accueil. Hors de sa file : deux foyers de son site sans lien, une personne
    # sans lien, un foyer d'un autre site.
    for objet in [monde["suivi"], monde["parent"], monde["recue"]]:
        _lire(ts, objet)
        _lire(ts, objet, quand=_le(JOUR, 15))  # relire ne compte pas deux fois
    hors = [*monde["inconnus"], monde["inconnue"], monde["foyer_d_ailleurs"]]
    for objet in hors:
        _lire(ts, objet)
    _lire(ts, monde["inconnus"][0], quand=_le(JOUR + timedelta(days=1), 10))  # autre jour

    rapport = etablir_rapport(jour=JOUR)

    (constat,) = rapport.constats
    assert constat["regle"] == "hors_file"
    assert constat["agent_id"] == ts.pk
    assert constat["agent"] == "Inès Curieuse"
    assert constat["nombre"] == 4
    assert constat["foyers"] == sorted(
        [monde["inconnus"][0].pk, monde["inconnus"][1].pk, monde["foyer_d_ailleurs"].pk]
    )
    assert constat["personnes"] == [monde["inconnue"].pk]


def test_sous_le_seuil_rien_n_est_releve(monde):
    for objet in [*monde["inconnus"], monde["suivi"], monde["recue"]]:
        _lire(monde["ts"], objet)
    assert etablir_rapport(jour=JOUR).constats == []


def test_un_passage_trop_ancien_ne_met_plus_dans_la_file(monde, settings):
    settings.JOURNAL_SEUIL_HORS_FILE = 1
    p = monde["recue"].passages.get()
    p.date_heure = _le(JOUR - timedelta(days=400), 9)
    p.save(update_fields=["date_heure"])
    _lire(monde["ts"], monde["recue"])
    (constat,) = etablir_rapport(jour=JOUR).constats
    assert constat["personnes"] == [monde["recue"].pk]


@pytest.mark.parametrize(
    ("heure", "minute", "de_nuit"),
    [(6, 59, True), (7, 0, False), (14, 0, False), (19, 59, False), (20, 0, True), (23, 30, True)],
)
def test_export_la_nuit(monde, heure, minute, de_nuit):
    ts = monde["ts"]
    _ecrire(ts, "tableau de bord", "", action="export", quand=_le(JOUR, heure, minute))
    _ecrire(ts, "tableau de bord", "", action="export", quand=_le(JOUR, 3, 15))
    (constat,) = etablir_rapport(jour=JOUR).constats
    assert constat["regle"] == "export_nuit"
    assert constat["nombre"] == (2 if de_nuit else 1)
    assert "03:15" in constat["heures"]


def test_un_export_du_systeme_n_est_pas_releve(monde):
    roles_de_test.entree_datee(
        agent_libelle="système", action="export", objet_type="t", horodatage=_le(JOUR, 2)
    )
    assert etablir_rapport(jour=JOUR).constats == []


def test_la_tache_etablit_le_rapport_de_la_veille_et_se_rejoue(monde):
    hier = timezone.localdate() - timedelta(days=1)
    _ecrire(monde["ts"], "tableau de bord", "", action="export", quand=_le(hier, 22))
    assert rapport_acces_inhabituels() == 1
    assert rapport_acces_inhabituels() == 1
    rapport = RapportAcces.objects.get()
    assert rapport.jour == hier
    assert rapport_acces_inhabituels(JOUR.isoformat()) == 0
    assert RapportAcces.objects.count() == 2


def test_la_tache_est_planifiee_chaque_matin(referentiels):
    from django_celery_beat.models import PeriodicTask

    tache = PeriodicTask.objects.get(task="ccas_portal.rapport_acces_inhabituels")
    assert (tache.crontab.hour, tache.crontab.minute) == ("6", "0")


def test_le_rapport_s_affiche_sur_l_ecran_du_journal(monde, client):
    ts = monde["ts"]
    _ecrire(ts, "tableau de bord", "", action="export", quand=_le(JOUR, 23, 5))
    etablir_rapport(jour=JOUR)
    client.force_login(AgentFactory(admin=True))
    page = client.get(reverse("journal")).content.decode()
    assert "mercredi 18 novembre 2026" in page
    assert "Dernier rapport : journée du mercredi 18 novembre 2026" in page
    assert "Export la nuit" in page
    assert "1 export (23:05)" in page
    lien = f"?agent={ts.pk}&amp;du=2026-11-18&amp;au=2026-11-18"
    assert lien in page
    filtre = client.get(
        reverse("journal"), {"agent": ts.pk, "du": "2026-11-18", "au": "2026-11-18"}
    )
    assert "1 entrée" in filtre.content.decode()


def test_sans_rapport_l_ecran_le_dit(client):
    client.force_login(AgentFactory(admin=True))
    page = client.get(reverse("journal")).content.decode()
    assert "Aucun rapport encore" in page
