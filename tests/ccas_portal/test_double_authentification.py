"""Double authentification : exigée des admins et responsables, possible pour chacun, exigée
de tous par réglage ; code faux refusé en français ; code de secours à usage unique."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ccas_portal import double_authentification as da
from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal
from tests.connexion import appareil_confirme, cle_depuis_le_secret, code_pour_cle, code_totp
from tests.factories import MOT_DE_PASSE, AgentFactory

pytestmark = pytest.mark.django_db


def connecter_par_mot_de_passe(client, agent):
    return client.post(
        reverse("connexion"), {"username": agent.username, "password": MOT_DE_PASSE}, follow=True
    )


def enroler(client):
    """Lit la clé sur la page d'activation, comme l'agent la tape dans son application, et
    renvoie (réponse, codes de secours montrés)."""
    html = client.get(reverse("activer_double_authentification")).content.decode()
    secret = re.search(r'<code id="cle-secrete">([A-Z2-7 ]+)</code>', html)[1]
    reponse = client.post(
        reverse("activer_double_authentification"),
        {"code": code_pour_cle(cle_depuis_le_secret(secret))},
        follow=True,
    )
    codes = re.findall(
        r"<li class=\"col\"><code>([a-z2-7]{8})</code></li>", reponse.content.decode()
    )
    return reponse, codes


@pytest.mark.parametrize("role", [Role.ADMIN, Role.RESPONSABLE])
def test_exigee_pour_admin_et_responsable(client, role):
    agent = AgentFactory(role=role)
    reponse = connecter_par_mot_de_passe(client, agent)
    assert reponse.redirect_chain[-1][0].startswith(reverse("activer_double_authentification"))
    html = reponse.content.decode()
    assert "Activer la double authentification" in html
    assert 'src="data:image/svg+xml;base64,' in html
    # Rien du portail avant l'activation : ni une page, ni l'administration, ni un export.
    for chemin in ("/tableau-de-bord/", "/administration/technique/", "/compte/"):
        suite = client.get(chemin)
        assert suite.status_code == 302
        assert suite["Location"].startswith(reverse("activer_double_authentification"))
    reponse, codes = enroler(client)
    assert len(codes) == da.NOMBRE_CODES_DE_SECOURS == len(set(codes))
    assert "Ils ne seront plus montrés" in reponse.content.decode()
    assert client.get("/tableau-de-bord/").status_code in (200, 403)
    assert client.get("/tableau-de-bord/").status_code != 302
    assert TOTPDevice.objects.get(user=agent).confirmed
    assert EntreeJournal.objects.filter(
        objet_id=str(agent.pk), details__double_authentification="activée"
    ).exists()
    # Les codes ne sont plus montrés ensuite.
    assert (
        "Ils ne seront plus montrés" not in client.get(reverse("codes_de_secours")).content.decode()
    )


def test_facultative_pour_les_autres_agents(client):
    agent = AgentFactory(travailleur_social=True)
    reponse = connecter_par_mot_de_passe(client, agent)
    assert reponse.redirect_chain[-1] == ("/accompagnements/", 302)
    html = client.get(reverse("mon_compte")).content.decode()
    assert "Pas encore activée" in html
    enroler(client)
    assert da.a_un_appareil(agent)
    # Activée, elle est demandée à la connexion suivante.
    client.post(reverse("deconnexion"))
    reponse = connecter_par_mot_de_passe(client, agent)
    assert reponse.redirect_chain[-1][0].startswith(reverse("verification_code"))
    assert client.get("/accompagnements/").status_code == 302
    client.post(reverse("verification_code"), {"code": code_totp(da.appareil_totp(agent))})
    assert client.get("/accompagnements/").status_code == 200
    # Et l'agent peut la retirer (mot de passe demandé ; un mauvais : message, rien retiré).
    reponse = client.post(reverse("desactiver_double_authentification"), {"mot_de_passe": "x"})
    assert reponse.status_code == 422
    assert "Mot de passe incorrect." in reponse.content.decode()
    assert da.a_un_appareil(agent)
    client.post(reverse("desactiver_double_authentification"), {"mot_de_passe": MOT_DE_PASSE})
    assert not da.a_un_appareil(agent)
    assert not StaticToken.objects.filter(device__user=agent).exists()


def test_un_responsable_ne_peut_pas_la_desactiver(client):
    agent = AgentFactory(responsable=True)
    client.force_login(agent)
    assert (
        "Désactiver la double authentification"
        not in client.get(reverse("mon_compte")).content.decode()
    )
    reponse = client.post(
        reverse("desactiver_double_authentification"), {"mot_de_passe": MOT_DE_PASSE}
    )
    assert reponse.status_code == 422
    assert "obligatoire pour votre compte" in reponse.content.decode()
    assert da.a_un_appareil(agent)


def test_le_reglage_l_exige_de_tous(client, settings):
    settings.DOUBLE_AUTHENTIFICATION_POUR_TOUS = True
    agent = AgentFactory(accueil=True)
    reponse = connecter_par_mot_de_passe(client, agent)
    assert reponse.redirect_chain[-1][0].startswith(reverse("activer_double_authentification"))
    assert client.get("/accueil/").status_code == 302


def test_sans_le_reglage_l_accueil_n_est_pas_concerne(settings):
    settings.DOUBLE_AUTHENTIFICATION_POUR_TOUS = False
    assert not da.exigee_pour(AgentFactory(accueil=True))
    assert da.exigee_pour(AgentFactory(admin=True))


def test_code_faux_refuse_en_francais_puis_freine(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # attente de 60 s après un code faux
    agent = AgentFactory(responsable=True)
    appareil = appareil_confirme(agent)
    connecter_par_mot_de_passe(client, agent)
    reponse = client.post(reverse("verification_code"), {"code": "000000"})
    assert reponse.status_code == 422
    html = reponse.content.decode()
    assert "Code incorrect. Saisissez les 6 chiffres" in html
    assert client.get("/tableau-de-bord/").status_code == 302
    # Tout de suite après, même le bon code attend (django-otp compte les échecs de l'appareil).
    reponse = client.post(reverse("verification_code"), {"code": code_totp(appareil)})
    assert re.search(
        r"Trop de codes incorrects à la suite : attendez (60|59) secondes", reponse.content.decode()
    )
    assert client.get("/tableau-de-bord/").status_code == 302
    appareil.refresh_from_db()
    assert appareil.throttling_failure_count >= 1
    # Champ vide : message sous le champ, pas de 500.
    assert (
        "Ce champ est obligatoire"
        in client.post(reverse("verification_code"), {"code": ""}).content.decode()
    )


def test_code_de_l_application_pas_reutilisable(client):
    agent = AgentFactory(responsable=True)
    appareil = appareil_confirme(agent)
    connecter_par_mot_de_passe(client, agent)
    code = code_totp(appareil)
    assert client.post(reverse("verification_code"), {"code": code}).status_code == 302
    autre = Client()
    connecter_par_mot_de_passe(autre, agent)
    reponse = autre.post(reverse("verification_code"), {"code": code})
    assert reponse.status_code == 422


def test_appareil_perdu_code_de_secours_a_usage_unique(client):
    agent = AgentFactory(admin=True)
    connecter_par_mot_de_passe(client, agent)
    _, codes = enroler(client)
    client.post(reverse("deconnexion"))

    connecter_par_mot_de_passe(client, agent)
    html = client.get(reverse("verification_code")).content.decode()
    assert "utiliser un code de secours" in html
    reponse = client.post(reverse("code_de_secours"), {"code": codes[0].upper()}, follow=True)
    assert reponse.redirect_chain[-1] == (reverse("mon_compte"), 302)
    assert "il vous reste 9 codes de secours" in reponse.content.decode()
    assert client.get("/administration/").status_code == 200
    client.post(reverse("deconnexion"))

    # Le même code une seconde fois : refusé.
    connecter_par_mot_de_passe(client, agent)
    reponse = client.post(reverse("code_de_secours"), {"code": codes[0]})
    assert reponse.status_code == 422
    assert "Code de secours incorrect ou déjà utilisé" in reponse.content.decode()
    assert client.get("/administration/").status_code == 302
    assert StaticToken.objects.filter(device__user=agent).count() == 9


def test_remplacer_l_application_et_renouveler_les_codes(client):
    agent = AgentFactory(responsable=True)
    ancien = appareil_confirme(agent)
    client.force_login(agent)
    _, codes = enroler(client)
    assert list(TOTPDevice.objects.filter(user=agent)) != [ancien]
    assert TOTPDevice.objects.filter(user=agent, confirmed=True).count() == 1
    client.post(reverse("codes_de_secours"))
    nouveaux = set(StaticToken.objects.filter(device__user=agent).values_list("token", flat=True))
    assert len(nouveaux) == 10
    assert not nouveaux & {da.empreinte_du_code(c) for c in codes}


def test_les_codes_de_secours_ne_sont_gardes_qu_en_empreinte(client):
    """Une copie de la base ne donne aucun code : seule l'empreinte est rangée, et c'est le
    code saisi (espaces, majuscules tolérés) qui ouvre la session, pas son empreinte."""
    agent = AgentFactory(responsable=True)
    client.force_login(agent)
    _, codes = enroler(client)
    ranges = set(StaticToken.objects.filter(device__user=agent).values_list("token", flat=True))
    assert ranges == {da.empreinte_du_code(c) for c in codes}
    assert not ranges & set(codes)
    client.post(reverse("deconnexion"))
    connecter_par_mot_de_passe(client, agent)
    empreinte = da.empreinte_du_code(codes[1])
    assert client.post(reverse("code_de_secours"), {"code": empreinte}).status_code == 422
    StaticDevice.objects.get(user=agent).throttle_reset()  # l'attente après un code faux
    saisi = f"{codes[1][:4].upper()} {codes[1][4:]}"
    reponse = client.post(reverse("code_de_secours"), {"code": saisi}, follow=True)
    assert "il vous reste 9 codes de secours" in reponse.content.decode()


def test_la_migration_garde_valables_les_codes_deja_produits():
    """Les codes rangés en clair avant la migration 0014 restent utilisables après."""
    migration = importlib.import_module("ccas_portal.migrations.0014_codes_de_secours_en_empreinte")
    agent = AgentFactory()
    appareil = StaticDevice.objects.create(user=agent, name="Codes de secours", confirmed=True)
    StaticToken.objects.create(device=appareil, token="abcd2345")
    migration.codes_en_empreinte(django_apps, None)
    assert StaticToken.objects.get(device=appareil).token == da.empreinte_du_code("abcd2345")
    assert appareil.verify_token(da.empreinte_du_code("ABCD 2345"))


def test_l_enrolement_refuse_un_code_faux(client):
    agent = AgentFactory(admin=True)
    connecter_par_mot_de_passe(client, agent)
    client.get(reverse("activer_double_authentification"))
    reponse = client.post(reverse("activer_double_authentification"), {"code": "123456"})
    assert reponse.status_code == 422
    assert "Code incorrect" in reponse.content.decode()
    assert not da.a_un_appareil(agent)
    assert not StaticToken.objects.exists()


def test_l_administration_technique_exige_le_second_facteur(client):
    agent = AgentFactory(admin=True)
    appareil_confirme(agent)
    connecter_par_mot_de_passe(client, agent)
    reponse = client.get("/administration/technique/")
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("verification_code"))


def test_un_admin_retire_la_double_authentification_d_un_agent(client):
    """Téléphone perdu et plus de code de secours : l'administration retire l'appareil ;
    l'agent en active un nouveau à la connexion suivante."""
    admin = AgentFactory(admin=True)
    responsable = AgentFactory(responsable=True)
    appareil_confirme(responsable)
    client.force_login(admin)
    reponse = client.post(
        reverse("admin:ccas_portal_agent_changelist"),
        {"action": "retirer_double_authentification", "_selected_action": [responsable.pk]},
        follow=True,
    )
    assert "Double authentification retirée : 1 agent." in reponse.content.decode()
    assert not da.a_un_appareil(responsable)
    assert EntreeJournal.objects.filter(
        agent=admin, details__double_authentification="retirée par un administrateur"
    ).exists()
    autre = Client()
    suite = connecter_par_mot_de_passe(autre, responsable)
    assert suite.redirect_chain[-1][0].startswith(reverse("activer_double_authentification"))
