"""L'accès suit les sites actuels de l'agent ; la passation des accompagnements (ADR 0025)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accompagnement import selectors, services
from accompagnement.models import Accompagnement
from ccas_portal import perms
from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal
from ccas_portal.services import modifier_affectation
from tests.accompagnement.conftest import ouvrir
from tests.factories import AgentFactory, SiteFactory


def url(nom, *args):
    return reverse(f"accompagnement:{nom}", args=args)


@pytest.fixture
def site_b(referentiels):
    return SiteFactory(code="mdh-b")


@pytest.fixture
def collegue(site):
    return AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site], nom="Collègue")


@pytest.fixture
def suivi(ts, famille, collegue):
    """Un accompagnement de `ts` (référent), avec une note confidentielle."""
    a = ouvrir(ts, famille)
    services.enregistrer_intervention(
        agent=ts,
        accompagnement=a,
        type="entretien_bureau",
        date_intervention=date(2026, 1, 10),
        compte_rendu="Note très confidentielle",
        confidentiel=True,
    )
    return a


def test_un_agent_change_de_site_perd_l_acces_le_jour_meme(client, ts, famille, suivi, site_b):
    f = famille[0]
    note = suivi.interventions.get()
    client.force_login(ts)
    assert client.get(url("dossier", f.pk)).status_code == 200
    assert "Note très confidentielle" in client.get(url("detail", suivi.pk)).content.decode()

    modifier_affectation(agent=ts, role=Role.TRAVAILLEUR_SOCIAL, sites=[site_b])
    ts.refresh_from_db()
    del ts.ids_sites
    client.force_login(ts)
    assert client.get(url("dossier", f.pk)).status_code == 404
    assert client.get(url("detail", suivi.pk)).status_code == 404
    reponse = client.get(url("mes_accompagnements"))
    assert "Note très confidentielle" not in reponse.content.decode()
    assert url("detail", suivi.pk) not in reponse.content.decode()
    assert not perms.peut_lire_intervention(ts, note)
    assert not perms.peut_modifier_accompagnement(ts, suivi)
    with pytest.raises(PermissionDenied):
        services.ajouter_objectif(agent=ts, accompagnement=suivi, libelle="Encore")
    # … et l'accompagnement est désormais « à passer ».
    assert list(selectors.accompagnements_a_passer()) == [suivi]


def test_un_partage_du_foyer_avec_le_nouveau_site_garde_l_acces(ts, famille, suivi, site_b):
    from habitants.models_partage import DemandePartage

    DemandePartage.objects.create(
        nature="partage",
        statut="acceptee",
        foyer=famille[0],
        site_demandeur=site_b,
        site_sollicite=famille[0].site,
        motif="Suivi commun",
        demandee_par=ts,
        decidee_par=ts,
        demandee_le=timezone.now(),
        decidee_le=timezone.now(),
    )
    modifier_affectation(agent=ts, role=Role.TRAVAILLEUR_SOCIAL, sites=[site_b])
    ts.refresh_from_db()
    assert Accompagnement.objects.visibles_par(ts).get() == suivi
    assert not selectors.accompagnements_a_passer().exists()


def test_co_intervenant_desactive_ou_parti_est_a_passer(ts, famille, collegue, site_b):
    a = ouvrir(ts, famille, co_intervenants=[collegue])
    assert not selectors.accompagnements_a_passer().exists()
    collegue.is_active = False
    collegue.save()
    assert list(selectors.accompagnements_a_passer()) == [a]
    collegue.is_active = True
    collegue.save()
    modifier_affectation(agent=collegue, role=Role.TRAVAILLEUR_SOCIAL, sites=[site_b])
    assert list(selectors.accompagnements_a_passer()) == [a]


def test_passer_change_referent_et_co_intervenants_et_journalise(ts, suivi, collegue, site):
    admin = AgentFactory(role=Role.ADMIN)
    troisieme = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])
    services.passer_accompagnement(
        agent=admin, accompagnement=suivi, referent=collegue, co_intervenants=[troisieme]
    )
    suivi.refresh_from_db()
    assert suivi.referent == collegue
    assert list(suivi.co_intervenants.all()) == [troisieme]
    entree = EntreeJournal.objects.filter(objet_id=str(suivi.pk)).latest("pk")
    assert entree.details["passation"] == {
        "referent": [ts.pk, collegue.pk],
        "co_intervenants_ajoutes": [troisieme.pk],
        "co_intervenants_retires": [],
    }


def test_passer_refuse_un_intervenant_sans_acces_et_n_ecrit_rien(ts, suivi, collegue, site_b):
    admin = AgentFactory(role=Role.ADMIN)
    ailleurs = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site_b])
    with pytest.raises(ValidationError) as erreur:
        services.passer_accompagnement(
            agent=admin, accompagnement=suivi, referent=ailleurs, co_intervenants=[]
        )
    assert "n'a pas accès à ce foyer" in str(erreur.value)
    with pytest.raises(ValidationError) as erreur:
        services.passer_accompagnement(
            agent=admin, accompagnement=suivi, referent=collegue, co_intervenants=[ailleurs]
        )
    assert "pas d'accès à ce foyer" in str(erreur.value)
    with pytest.raises(ValidationError):  # rien n'a changé
        services.passer_accompagnement(
            agent=admin, accompagnement=suivi, referent=ts, co_intervenants=[]
        )
    suivi.refresh_from_db()
    assert suivi.referent == ts
    assert not suivi.co_intervenants.exists()


def test_qui_peut_passer(ts, suivi, collegue, site, site_b):
    assert perms.peut_passer_accompagnement(AgentFactory(role=Role.ADMIN), suivi)
    assert perms.peut_passer_accompagnement(
        AgentFactory(role=Role.RESPONSABLE, sites=[site]), suivi
    )
    assert not perms.peut_passer_accompagnement(
        AgentFactory(role=Role.RESPONSABLE, sites=[site_b]), suivi
    )
    assert perms.peut_passer_accompagnement(ts, suivi)  # lui-même, avant un départ
    assert not perms.peut_passer_accompagnement(collegue, suivi)  # un collègue non
    assert not perms.peut_passer_accompagnement(
        AgentFactory(role=Role.ACCUEIL, sites=[site]), suivi
    )
    with pytest.raises(PermissionDenied):
        services.passer_accompagnement(
            agent=collegue, accompagnement=suivi, referent=collegue, co_intervenants=[]
        )


def test_ecran_apres_changement_de_site_par_l_administration(
    client, ts, suivi, collegue, site, site_b
):
    """L'admin change les sites de l'agent : un message mène à la passation ; l'écran ne
    montre aucun nom de personne ; le nouveau référent est enregistré."""
    admin = AgentFactory(role=Role.ADMIN)
    client.force_login(admin)
    reponse = client.post(
        reverse("admin:ccas_portal_agent_change", args=[ts.pk]),
        {
            "username": ts.username,
            "first_name": ts.first_name,
            "last_name": ts.last_name,
            "email": "",
            "role": Role.TRAVAILLEUR_SOCIAL,
            "sites": [site_b.pk],
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
        follow=True,
    )
    texte = reponse.content.decode()
    assert "n&#x27;a plus accès à 1 accompagnement en cours" in texte or (
        "n'a plus accès à 1 accompagnement en cours" in texte
    ), texte[:3000]
    assert url("passation", ts.pk) in texte

    page = client.get(url("passation", ts.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Accompagnement n° {suivi.pk}" in html
    assert "N&#x27;a plus accès à ce foyer" in html or "N'a plus accès à ce foyer" in html
    assert "Amina" not in html  # aucun nom de personne
    assert "Note très confidentielle" not in html

    index = client.get(url("passations")).content.decode()
    assert str(ts) in index

    prefixe = f"a{suivi.pk}"
    adresse = url("passation", ts.pk) + f"?a={suivi.pk}"
    # Une mauvaise valeur : un message en français à côté du champ, 422, rien d'écrit.
    reponse = client.post(adresse, {f"{prefixe}-referent": "999999"})
    assert reponse.status_code == 422
    assert "Choisissez le référent dans la liste" in reponse.content.decode()
    suivi.refresh_from_db()
    assert suivi.referent == ts
    reponse = client.post(adresse, {f"{prefixe}-referent": str(collegue.pk)})
    assert reponse.status_code == 302
    suivi.refresh_from_db()
    assert suivi.referent == collegue
    assert not selectors.accompagnements_a_passer().exists()
    page = client.get(url("passation", ts.pk)).content.decode()
    assert f'id="accompagnement-{suivi.pk}"' not in page


def test_le_travailleur_social_passe_les_siens_pas_ceux_d_un_collegue(client, ts, suivi, collegue):
    client.force_login(collegue)
    assert client.get(url("passation", ts.pk)).status_code == 404
    assert client.get(url("passations")).status_code == 302
    client.force_login(ts)
    page = client.get(url("passation", ts.pk)).content.decode()
    assert f"Accompagnement n° {suivi.pk}" in page
    assert url("detail", suivi.pk) in page
    prefixe = f"a{suivi.pk}"
    reponse = client.post(
        url("passation", ts.pk) + f"?a={suivi.pk}",
        {f"{prefixe}-referent": str(collegue.pk), f"{prefixe}-co_intervenants": [str(ts.pk)]},
    )
    assert reponse.status_code == 302
    suivi.refresh_from_db()
    assert suivi.referent == collegue
    assert list(suivi.co_intervenants.all()) == [ts]  # reste co-intervenant pendant son congé


@pytest.mark.parametrize("role", [Role.ACCUEIL])
def test_l_accueil_n_a_pas_d_ecran_de_passation(client, role, site, ts):
    client.force_login(AgentFactory(role=role, sites=[site]))
    assert client.get(url("passations")).status_code == 403
    assert client.get(url("passation", ts.pk)).status_code == 403
