"""Mots de passe : la politique du portail partout (services, administration, changement par
l'agent) ; un mot de passe donné par un administrateur se change à la première connexion."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ccas_portal.enums import Role
from ccas_portal.models import Agent, EntreeJournal
from ccas_portal.services import creer_agent
from tests.connexion import appareil_confirme, code_totp
from tests.factories import MOT_DE_PASSE, AgentFactory, SiteFactory

pytestmark = pytest.mark.django_db

NOUVEAU = "une phrase de passe bien longue"


@pytest.mark.parametrize(
    ("mot_de_passe", "message"),
    [
        ("court-1", "trop court"),
        ("123456789012345", "entièrement numérique"),
        ("1qaz2wsx3edc", "trop courant"),
        ("dupont-camille", "trop semblable"),
    ],
)
def test_le_service_applique_la_politique(mot_de_passe, message):
    with pytest.raises(ValidationError) as refus:
        creer_agent(
            identifiant="dupont-camille",
            prenom="Camille",
            nom="Dupont",
            role=Role.ACCUEIL,
            sites=[SiteFactory()],
            mot_de_passe=mot_de_passe,
        )
    assert message in " ".join(refus.value.message_dict["mot_de_passe"])
    assert not Agent.objects.filter(username="dupont-camille").exists()


def test_un_mot_de_passe_donne_par_le_service_est_provisoire():
    agent = creer_agent(
        identifiant="nouvelle",
        prenom="Inès",
        nom="Roux",
        role=Role.ACCUEIL,
        sites=[SiteFactory()],
        mot_de_passe="provisoire-du-service-2026",
    )
    assert agent.mot_de_passe_provisoire


def _administrateur(client):
    admin = AgentFactory(admin=True)
    client.force_login(admin)
    return admin


def test_l_administration_applique_la_politique_et_rend_le_mot_de_passe_provisoire(client):
    _administrateur(client)
    site = SiteFactory()
    formulaire = {
        "username": "lea.martin",
        "usable_password": "true",
        "first_name": "Léa",
        "last_name": "Martin",
        "role": Role.TRAVAILLEUR_SOCIAL,
        "sites": [site.pk],
    }
    url = reverse("admin:ccas_portal_agent_add")
    reponse = client.post(url, {**formulaire, "password1": "court", "password2": "court"})
    assert reponse.status_code == 200
    assert "Ce mot de passe est trop court" in reponse.content.decode()
    assert not Agent.objects.filter(username="lea.martin").exists()
    reponse = client.post(
        url,
        {
            **formulaire,
            "password1": "donne-par-l-admin-2026",
            "password2": "donne-par-l-admin-2026",
        },
    )
    assert reponse.status_code == 302
    agent = Agent.objects.get(username="lea.martin")
    assert agent.mot_de_passe_provisoire
    # « Modifier le mot de passe » d'un agent : politique, puis provisoire.
    agent.mot_de_passe_provisoire = False
    agent.save()
    url = reverse("admin:auth_user_password_change", args=[agent.pk])
    reponse = client.post(url, {"password1": "12345678", "password2": "12345678"})
    assert "Ce mot de passe est trop court" in reponse.content.decode()
    agent.refresh_from_db()
    assert not agent.mot_de_passe_provisoire
    reponse = client.post(
        url, {"password1": "autre-mot-de-passe-2026", "password2": "autre-mot-de-passe-2026"}
    )
    assert reponse.status_code == 302
    agent.refresh_from_db()
    assert agent.mot_de_passe_provisoire
    assert agent.check_password("autre-mot-de-passe-2026")
    assert EntreeJournal.objects.filter(
        objet_id=str(agent.pk), details__mot_de_passe="provisoire donné par un administrateur"
    ).exists()


def test_changement_force_a_la_premiere_connexion(client):
    agent = creer_agent(
        identifiant="premiere",
        prenom="Paul",
        nom="Girard",
        role=Role.ACCUEIL,
        sites=[SiteFactory()],
        mot_de_passe="donne-par-l-admin-2026",
    )
    reponse = client.post(
        reverse("connexion"),
        {"username": "premiere", "password": "donne-par-l-admin-2026"},
        follow=True,
    )
    assert reponse.redirect_chain[-1][0].startswith(reverse("changer_mot_de_passe"))
    assert "Choisissez votre mot de passe" in reponse.content.decode()
    assert client.get("/accueil/").status_code == 302
    # Le même mot de passe, ou un trop faible : refusé, message sous le champ.
    url = reverse("changer_mot_de_passe") + "?next=/accueil/"
    reponse = client.post(
        url,
        {
            "old_password": "donne-par-l-admin-2026",
            "new_password1": "donne-par-l-admin-2026",
            "new_password2": "donne-par-l-admin-2026",
        },
    )
    assert reponse.status_code == 422
    assert "Choisissez un mot de passe différent de l&#x27;actuel." in reponse.content.decode()
    reponse = client.post(
        url,
        {
            "old_password": "donne-par-l-admin-2026",
            "new_password1": "azerty",
            "new_password2": "azerty",
        },
    )
    assert reponse.status_code == 422
    assert "Ce mot de passe est trop court" in reponse.content.decode()
    reponse = client.post(
        url,
        {
            "old_password": "donne-par-l-admin-2026",
            "new_password1": NOUVEAU,
            "new_password2": NOUVEAU,
        },
    )
    assert reponse["Location"] == "/accueil/"
    agent.refresh_from_db()
    assert not agent.mot_de_passe_provisoire
    assert agent.check_password(NOUVEAU)
    assert client.get("/accueil/").status_code == 200  # toujours connecté


def test_responsable_mot_de_passe_provisoire_puis_activation(client):
    """Un nouveau responsable : changer le mot de passe, puis activer la double authentification."""
    agent = creer_agent(
        identifiant="resp",
        prenom="Rose",
        nom="Blanc",
        role=Role.RESPONSABLE,
        sites=[SiteFactory()],
        mot_de_passe="donne-par-l-admin-2026",
    )
    client.post(reverse("connexion"), {"username": "resp", "password": "donne-par-l-admin-2026"})
    assert client.get("/").url.startswith(reverse("changer_mot_de_passe"))
    client.post(
        reverse("changer_mot_de_passe"),
        {
            "old_password": "donne-par-l-admin-2026",
            "new_password1": NOUVEAU,
            "new_password2": NOUVEAU,
        },
    )
    assert client.get("/").url.startswith(reverse("activer_double_authentification"))
    del agent


def test_chaque_agent_change_son_mot_de_passe(client):
    agent = AgentFactory(travailleur_social=True)
    client.force_login(agent)
    assert "Changer mon mot de passe" in client.get(reverse("mon_compte")).content.decode()
    url = reverse("changer_mot_de_passe")
    reponse = client.post(
        url, {"old_password": "faux", "new_password1": NOUVEAU, "new_password2": NOUVEAU}
    )
    assert reponse.status_code == 422
    assert "Votre ancien mot de passe est incorrect" in reponse.content.decode()
    reponse = client.post(
        url,
        {"old_password": MOT_DE_PASSE, "new_password1": NOUVEAU, "new_password2": NOUVEAU + "x"},
    )
    assert reponse.status_code == 422
    assert "Les deux mots de passe ne correspondent pas" in reponse.content.decode()
    reponse = client.post(
        url, {"old_password": MOT_DE_PASSE, "new_password1": NOUVEAU, "new_password2": NOUVEAU}
    )
    assert reponse["Location"] == reverse("mon_compte")
    agent.refresh_from_db()
    assert agent.check_password(NOUVEAU)
    assert EntreeJournal.objects.filter(
        objet_id=str(agent.pk), details__mot_de_passe="changé par l'agent"
    ).exists()


def test_code_avant_le_mot_de_passe_provisoire(client):
    """Un agent qui a un appareil donne d'abord son code, puis change le mot de passe provisoire."""
    agent = AgentFactory(responsable=True)
    appareil = appareil_confirme(agent)
    Agent.objects.filter(pk=agent.pk).update(mot_de_passe_provisoire=True)
    client.post(reverse("connexion"), {"username": agent.username, "password": MOT_DE_PASSE})
    assert client.get("/").url.startswith(reverse("verification_code"))
    assert client.get(reverse("changer_mot_de_passe")).status_code == 302
    client.post(reverse("verification_code"), {"code": code_totp(appareil)})
    assert client.get("/").url.startswith(reverse("changer_mot_de_passe"))


def test_les_comptes_de_demonstration_gardent_leur_mot_de_passe(referentiels):
    """Documenté dans le README : pas de changement forcé pour la démonstration ; la double
    authentification reste exigée de `responsable` et `admin`."""
    from ccas_portal import double_authentification as da
    from ccas_portal.demo import creer_comptes_demo

    agents = {agent.username: agent for agent, _ in creer_comptes_demo()}
    assert not any(agent.mot_de_passe_provisoire for agent in agents.values())
    assert {nom for nom, agent in agents.items() if da.exigee_pour(agent)} == {
        "responsable",
        "admin",
    }
