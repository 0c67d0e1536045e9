"""Actions collectives (axe participation) : services, comptes, pages, périmètre."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accompagnement import selectors, services
from accompagnement.models import ActionCollective, Seance
from ccas_portal.models import EntreeJournal
from tests.factories import AgentFactory, SiteFactory, habitant

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(ts, site):
    return services.creer_action_collective(
        agent=ts,
        titre="Conseil citoyen du quartier",
        type="instance",
        site=site,
        date_debut=date(2026, 1, 1),
    )


def seance(ts, action, jour=date(2026, 2, 1), **champs):
    champs.setdefault("theme", "Cadre de vie")
    return services.enregistrer_seance(agent=ts, action=action, date_seance=jour, **champs)


def test_creer_une_action_et_des_seances_comptees(ts, site, action):
    a, b = habitant(ts, prenoms="Aïcha"), habitant(ts, prenoms="Bruno")
    seance(ts, action, participants=[a, b], participants_anonymes=3)
    seance(ts, action, jour=date(2026, 3, 1), participants=[a], participants_anonymes=0)
    seance(ts, action, jour=date(2026, 4, 1), participants_anonymes=5)
    autre = services.creer_action_collective(
        agent=ts, titre="Atelier budget", type="atelier", site=site, date_debut=date(2026, 1, 1)
    )
    calcul = {x.pk: x for x in selectors.avec_participation(ActionCollective.objects.all())}
    conseil = calcul[action.pk]
    # Compté à la main : 3 séances ; présences inscrites 2 + 1 ; non inscrits 3 + 5 ;
    # personnes inscrites distinctes : Aïcha, Bruno.
    assert (conseil.nb_seances, conseil.presences_inscrites, conseil.anonymes) == (3, 3, 8)
    assert conseil.personnes == 2
    assert conseil.derniere_seance == date(2026, 4, 1)
    vide = calcul[autre.pk]
    assert (vide.nb_seances, vide.presences_inscrites, vide.anonymes, vide.personnes) == (
        0,
        0,
        0,
        0,
    )
    assert set(action.animateurs.all()) == {ts}
    assert EntreeJournal.objects.filter(objet_type="accompagnement.seance").count() == 3


def test_seance_refusee_en_francais(ts, site, action, referentiels):
    with pytest.raises(ValidationError, match="au moins un participant"):
        seance(ts, action)
    with pytest.raises(ValidationError, match="dans le futur"):
        seance(ts, action, jour=timezone.localdate() + timedelta(days=1), participants_anonymes=2)
    with pytest.raises(ValidationError, match="précède"):
        seance(ts, action, jour=date(2025, 12, 1), participants_anonymes=2)
    ailleurs = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="ailleurs")])
    inconnu = habitant(ailleurs)
    with pytest.raises(ValidationError, match=r"pas connue de .*site porteur"):
        seance(ts, action, participants=[inconnu])
    with pytest.raises(ValidationError, match="n'est pas l'un des vôtres"):
        seance(ailleurs, action, participants_anonymes=1)
    with pytest.raises(PermissionDenied):
        services.creer_action_collective(
            agent=AgentFactory(role="accueil", sites=[site]), titre="X", type="atelier", site=site
        )
    action.active = False
    action.save()
    with pytest.raises(ValidationError, match="terminée"):
        seance(ts, action, participants_anonymes=1)
    assert not Seance.objects.exists()


def test_pages_des_actions_collectives(client, ts, site, action):
    personne = habitant(ts, nom_usage="Nguyen", prenoms="Linh")
    client.force_login(ts)
    liste = client.get(reverse("accompagnement:actions_collectives")).content.decode()
    assert "Conseil citoyen du quartier" in liste
    reponse = client.post(
        reverse("accompagnement:actions_collectives"),
        {
            "titre": "Jardin partagé",
            "type": "initiative",
            "site": site.pk,
            "date_debut": "2026-01-10",
        },
    )
    jardin = ActionCollective.objects.get(titre="Jardin partagé")
    assert reponse["Location"] == reverse("accompagnement:action_collective", args=[jardin.pk])
    # Recherche des participants (fragment htmx), puis séance.
    fragment = client.get(
        reverse("accompagnement:chercher_participants", args=[jardin.pk]), {"q": "nguyen"}
    ).content.decode()
    assert f'value="{personne.pk}"' in fragment
    reponse = client.post(
        reverse("accompagnement:enregistrer_seance", args=[jardin.pk]),
        {
            "date": "2026-02-01",
            "theme": "Semis",
            "site": site.pk,
            "participants": [personne.pk],
            "participants_anonymes": "4",
        },
    )
    assert reponse.status_code == 302
    s = jardin.seances.get()
    assert (list(s.participants.all()), s.participants_anonymes) == ([personne], 4)
    page = client.get(reverse("accompagnement:action_collective", args=[jardin.pk])).content
    assert "NGUYEN" in page.decode().upper()
    # Sans JavaScript, la recherche recharge la page avec les cases à cocher.
    page = client.get(reverse("accompagnement:action_collective", args=[jardin.pk]), {"q": "linh"})
    assert f'id="trouve-{personne.pk}"' in page.content.decode()


def test_seance_invalide_revient_avec_ses_erreurs_et_les_personnes_cochees(
    client, ts, site, action
):
    personne = habitant(ts, nom_usage="Nguyen", prenoms="Linh")
    client.force_login(ts)
    reponse = client.post(
        reverse("accompagnement:enregistrer_seance", args=[action.pk]),
        {
            "date": "2026-02-01",
            "theme": "",
            "site": site.pk,
            "participants": [personne.pk],
            "participants_anonymes": "0",
        },
    )
    assert reponse.status_code == 422
    html = reponse.content.decode()
    assert "Ce champ est obligatoire." in html
    assert f'id="participant-{personne.pk}"' in html  # la personne cochée n'est pas perdue
    assert not Seance.objects.exists()


def test_page_du_site_sans_nom_et_perimetre(client, ts, site, action):
    personne = habitant(ts, nom_usage="Nguyen", prenoms="Linh")
    seance(ts, action, participants=[personne], participants_anonymes=6)
    url = reverse("site", args=[site.code])
    for role in ("responsable", "accueil", "travailleur_social"):
        client.force_login(AgentFactory(role=role, sites=[site]))
        html = client.get(url).content.decode()
        assert "Conseil citoyen du quartier" in html
        assert "<td>7</td>" in html  # 1 inscrit + 6 non inscrits
        assert "Nguyen" not in html
        assert "Linh" not in html
    client.force_login(AgentFactory(role="responsable", sites=[SiteFactory(code="autre")]))
    assert client.get(url).status_code == 404
    client.force_login(AgentFactory(role="responsable", sites=[SiteFactory(code="autre2")]))
    assert client.get(reverse("accompagnement:actions_collectives")).status_code == 403


def test_action_collective_d_un_autre_site_est_un_404(client, action):
    autre = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="autre")])
    client.force_login(autre)
    assert (
        client.get(reverse("accompagnement:action_collective", args=[action.pk])).status_code == 404
    )


def test_l_administrateur_ajoute_un_partenaire_a_l_annuaire(client, site):
    from ccas_portal.models import Partenaire

    client.force_login(AgentFactory(role="admin", sites=[site]))
    url = reverse("admin:ccas_portal_partenaire_add")
    reponse = client.post(
        url,
        {
            "code": "secours-populaire",
            "nom": "Secours populaire",
            "type": "Association",
            "actif": "on",
        },
    )
    assert reponse.status_code == 302
    assert Partenaire.objects.get(code="secours-populaire").actif


def test_un_identifiant_a_quatre_chiffres_reste_sans_separateur_de_milliers():
    # USE_THOUSAND_SEPARATOR est actif : sans « unlocalize », 1192 devenait « 1 192 »
    # et la séance refusait la personne cochée.
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    h = SimpleNamespace(pk=1192, nom_usage="Nguyen", prenoms="Linh", date_naissance=None)
    html = render_to_string(
        "accompagnement/partials/participants_trouves.html", {"trouves": [h], "texte": "ng"}
    )
    assert 'value="1192"' in html
    assert 'id="trouve-1192"' in html


def test_l_administrateur_consulte_les_axes_depuis_sa_page(client, site):
    """La page d'administration mène à la table des axes (au cœur, ADR 0034), en lecture."""
    from django.utils.html import escape

    from ccas_portal.models import Axe
    from droits.services import synchroniser_axes

    synchroniser_axes()
    client.force_login(AgentFactory(role="admin", sites=[site]))
    page = client.get("/administration/")
    lien = reverse("admin:ccas_portal_axe_changelist")
    assert f'href="{lien}"' in page.content.decode()
    liste = client.get(lien)
    assert liste.status_code == 200
    for axe in Axe.objects.all():
        assert escape(axe.libelle_court) in liste.content.decode()
