import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from ccas_portal.connexions import TEMOIN_NAVIGATEUR
from ccas_portal.enums import Role
from ccas_portal.models import EchecConnexion
from tests.connexion import ClientPortail, appareil_confirme, code_totp
from tests.factories import MOT_DE_PASSE, AgentFactory

pytestmark = pytest.mark.django_db

ACCUEIL_DU_ROLE = {
    Role.ACCUEIL: "/accueil/",
    Role.TRAVAILLEUR_SOCIAL: "/accompagnements/",
    Role.RESPONSABLE: "/tableau-de-bord/",
    Role.ADMIN: "/administration/",
    Role.FINANCES: "/droits/paiements/",
}


@pytest.mark.parametrize("role", Role.values)
def test_chaque_role_arrive_sur_sa_page(client, referentiels, role):
    agent = AgentFactory(role=role)
    if role in (Role.RESPONSABLE, Role.ADMIN):
        appareil = appareil_confirme(agent)  # double authentification exigée, déjà activée
    reponse = client.post(
        reverse("connexion"),
        {"username": agent.username, "password": MOT_DE_PASSE},
        follow=True,
    )
    if role in (Role.RESPONSABLE, Role.ADMIN):
        assert reponse.redirect_chain[-1][0].startswith(reverse("verification_code"))
        reponse = client.post(
            reponse.redirect_chain[-1][0], {"code": code_totp(appareil)}, follow=True
        )
    assert reponse.redirect_chain[-1] == (ACCUEIL_DU_ROLE[role], 302)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert agent.get_full_name() in html
    assert escape(agent.get_role_display()) in html
    assert agent.sites.first().nom in html


def test_la_connexion_respecte_la_page_demandee(client):
    agent = AgentFactory(responsable=True)
    reponse = client.post(
        reverse("connexion") + "?next=/tableau-de-bord/",
        {"username": agent.username, "password": MOT_DE_PASSE},
    )
    assert reponse["Location"] == "/tableau-de-bord/"


def test_mauvais_mot_de_passe_message_clair_en_francais(client):
    agent = AgentFactory()
    reponse = client.post(reverse("connexion"), {"username": agent.username, "password": "faux"})
    assert reponse.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in reponse.content.decode()
    assert "_auth_user_id" not in client.session


def test_champs_vides_message_en_francais(client):
    reponse = client.post(reverse("connexion"), {"username": "", "password": ""})
    assert "Ce champ est obligatoire" in reponse.content.decode()


def test_compte_desactive_ne_se_connecte_pas(client):
    agent = AgentFactory()
    agent.is_active = False
    agent.save()
    reponse = client.post(
        reverse("connexion"), {"username": agent.username, "password": MOT_DE_PASSE}
    )
    assert reponse.status_code == 200
    assert "_auth_user_id" not in client.session


def test_identifiant_avec_espaces_accepte(client):
    agent = AgentFactory()
    reponse = client.post(
        reverse("connexion"), {"username": f"  {agent.username} ", "password": MOT_DE_PASSE}
    )
    assert reponse.status_code == 302


def test_deconnexion(client):
    agent = AgentFactory()
    client.force_login(agent)
    reponse = client.post(reverse("deconnexion"))
    assert reponse["Location"] == reverse("connexion")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accueil"))["Location"].startswith(reverse("connexion"))


def test_la_deconnexion_refuse_le_get(client):
    client.force_login(AgentFactory())
    assert client.get(reverse("deconnexion")).status_code == 405


def test_page_de_connexion_accessible(client):
    html = client.get(reverse("connexion")).content.decode()
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html
    assert re.search(r'<label\s+for="id_username"[^>]*>\s*Identifiant', html)
    assert re.search(r'<label\s+for="id_password"[^>]*>\s*Mot de passe', html)
    # Aucune ressource externe (CDN…) : chaque src/href reste sur le portail. (Chercher « cdn »
    # dans la page échouait quand le jeton CSRF, aléatoire, contenait ces trois lettres.)
    liens = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert liens
    assert [lien for lien in liens if not lien.startswith(("/", "#"))] == []


# --- Frein aux essais de mots de passe ----------------------------------------------------


def tenter(client, identifiant, mot_de_passe, adresse="127.0.0.1"):
    return client.post(
        reverse("connexion"),
        {"username": identifiant, "password": mot_de_passe},
        REMOTE_ADDR=adresse,
    )


def reculer_les_echecs(minutes):
    for e in EchecConnexion.objects.all():
        EchecConnexion.objects.filter(pk=e.pk).update(le=e.le - timedelta(minutes=minutes))


BLOQUE = "Trop de tentatives de connexion ont échoué pour cet identifiant"


def test_apres_cinq_echecs_les_tentatives_sont_refusees_quinze_minutes(client):
    agent = AgentFactory()
    for _ in range(5):
        html = tenter(client, agent.username, "faux").content.decode()
        assert "Identifiant ou mot de passe incorrect" in html
    # Le bon mot de passe est refusé lui aussi, sans être vérifié, avec le temps d'attente.
    reponse = tenter(client, agent.username, MOT_DE_PASSE)
    html = reponse.content.decode()
    assert reponse.status_code == 200
    assert BLOQUE in html
    assert "Réessayez dans 15 minutes" in html
    assert "_auth_user_id" not in client.session
    assert EchecConnexion.objects.count() == 5  # un refus n'allonge pas le blocage
    # D'une autre adresse aussi, un navigateur inconnu est refusé (le frein porte sur le compte).
    assert (
        BLOQUE in tenter(ClientPortail(), agent.username, MOT_DE_PASSE, "10.0.0.2").content.decode()
    )
    reculer_les_echecs(10)
    assert (
        "Réessayez dans 5 minutes" in tenter(client, agent.username, MOT_DE_PASSE).content.decode()
    )
    reculer_les_echecs(4)
    assert (
        "Réessayez dans 1 minute, ou"
        in tenter(client, agent.username, MOT_DE_PASSE).content.decode()
    )
    reculer_les_echecs(1)
    reponse = tenter(client, agent.username, MOT_DE_PASSE)
    assert reponse.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)
    assert not EchecConnexion.objects.filter(adresse_ip="127.0.0.1").exists()


def test_un_identifiant_inconnu_est_freine_de_meme(client):
    """Le refus ne dit pas si le compte existe."""
    for _ in range(5):
        tenter(client, "personne", "faux")
    html = tenter(client, "personne", "faux").content.decode()
    assert BLOQUE in html
    # La casse et les espaces autour de l'identifiant ne font pas un compteur neuf.
    assert BLOQUE in tenter(client, "  PERSONNE ", "faux").content.decode()


def test_une_connexion_reussie_efface_les_echecs(client):
    agent = AgentFactory()
    for _ in range(4):
        tenter(client, agent.username, "faux")
    assert tenter(client, agent.username, MOT_DE_PASSE).status_code == 302
    assert not EchecConnexion.objects.exists()
    client.post(reverse("deconnexion"))
    for _ in range(4):
        tenter(client, agent.username, "faux")
    assert tenter(client, agent.username, MOT_DE_PASSE).status_code == 302


def test_un_formulaire_incomplet_n_est_pas_un_echec(client):
    for _ in range(6):
        tenter(client, "agent", "")
    assert not EchecConnexion.objects.exists()


def test_les_echecs_de_plus_d_un_jour_sont_purges(client):
    for _ in range(3):
        tenter(client, "ancien", "faux")
    reculer_les_echecs(24 * 60 + 1)
    tenter(client, "autre", "faux")
    assert list(EchecConnexion.objects.values_list("identifiant", flat=True)) == ["autre"]


# --- Un tiers ne bloque pas le titulaire ; frein par adresse -----------------------------

BLOQUE_ADRESSE = "Trop de tentatives de connexion ont échoué depuis ce poste"


def test_un_tiers_ne_peut_pas_bloquer_le_titulaire_sur_son_navigateur(client):
    """Un collègue derrière le même proxy (même adresse) épuise les essais du compte : il est
    bloqué, mais le titulaire, depuis le navigateur où il s'est déjà connecté, entre."""
    agent = AgentFactory()
    assert tenter(client, agent.username, MOT_DE_PASSE, "10.1.1.1").status_code == 302
    assert TEMOIN_NAVIGATEUR in client.cookies
    client.post(reverse("deconnexion"))
    tiers = ClientPortail()
    for _ in range(6):
        tenter(tiers, agent.username, "devine", "10.1.1.1")
    assert BLOQUE in tenter(tiers, agent.username, MOT_DE_PASSE, "10.1.1.1").content.decode()
    assert "_auth_user_id" not in tiers.session
    # Le titulaire, même adresse, son navigateur : connecté, et les échecs du tiers restent.
    assert tenter(client, agent.username, MOT_DE_PASSE, "10.1.1.1").status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)
    assert BLOQUE in tenter(tiers, agent.username, MOT_DE_PASSE, "10.1.1.1").content.decode()


def test_le_navigateur_connu_a_son_propre_frein(client):
    agent = AgentFactory()
    assert tenter(client, agent.username, MOT_DE_PASSE).status_code == 302
    client.post(reverse("deconnexion"))
    for _ in range(5):
        tenter(client, agent.username, "faux")
    assert BLOQUE in tenter(client, agent.username, MOT_DE_PASSE).content.decode()
    # Ces échecs-là ne bloquent pas les autres navigateurs (un inconnu a son compteur à lui).
    assert tenter(ClientPortail(), agent.username, MOT_DE_PASSE, "10.0.0.3").status_code == 302


def test_le_temoin_d_un_autre_compte_ou_falsifie_ne_protege_pas(client):
    agent, autre = AgentFactory(), AgentFactory()
    assert tenter(client, autre.username, MOT_DE_PASSE).status_code == 302
    temoin_autre = client.cookies[TEMOIN_NAVIGATEUR].value
    client.post(reverse("deconnexion"))
    for _ in range(5):
        tenter(ClientPortail(), agent.username, "faux", "10.0.0.4")
    # Le témoin de l'autre compte, puis un témoin falsifié : navigateur inconnu, bloqué.
    assert BLOQUE in tenter(client, agent.username, MOT_DE_PASSE).content.decode()
    client.cookies[TEMOIN_NAVIGATEUR] = temoin_autre[:-2] + "xx"
    assert BLOQUE in tenter(client, agent.username, MOT_DE_PASSE).content.decode()


def test_frein_par_adresse_sur_tous_les_identifiants(client, settings):
    """Un mot de passe essayé sur beaucoup de comptes depuis une adresse : après
    CONNEXION_ECHECS_MAX_PAR_ADRESSE échecs, l'adresse est freinée, quel que soit le compte."""
    settings.CONNEXION_ECHECS_MAX_PAR_ADRESSE = 8
    agent = AgentFactory()
    habitue = ClientPortail()
    assert tenter(habitue, agent.username, MOT_DE_PASSE, "10.2.2.2").status_code == 302
    habitue.post(reverse("deconnexion"))
    for numero in range(8):
        html = tenter(client, f"compte{numero}", "Printemps2026!", "10.2.2.2").content.decode()
        assert "Identifiant ou mot de passe incorrect" in html
    html = tenter(client, agent.username, MOT_DE_PASSE, "10.2.2.2").content.decode()
    assert BLOQUE_ADRESSE in html
    assert "Réessayez dans 15 minutes" in html
    assert "_auth_user_id" not in client.session
    # Ailleurs, le compte répond ; sur cette adresse, l'agent entre par son navigateur connu.
    assert tenter(ClientPortail(), agent.username, MOT_DE_PASSE, "10.3.3.3").status_code == 302
    assert tenter(habitue, agent.username, MOT_DE_PASSE, "10.2.2.2").status_code == 302
    reculer_les_echecs(15)
    assert tenter(client, agent.username, MOT_DE_PASSE, "10.2.2.2").status_code == 302


def test_une_connexion_reussie_ne_rouvre_pas_l_adresse(client, settings):
    settings.CONNEXION_ECHECS_MAX_PAR_ADRESSE = 4
    agent = AgentFactory()
    for numero in range(3):
        tenter(ClientPortail(), f"compte{numero}", "faux", "10.4.4.4")
    assert tenter(client, agent.username, MOT_DE_PASSE, "10.4.4.4").status_code == 302
    tenter(ClientPortail(), "compte9", "faux", "10.4.4.4")
    html = tenter(ClientPortail(), agent.username, MOT_DE_PASSE, "10.4.4.4").content.decode()
    assert BLOQUE_ADRESSE in html
