"""Entrées invalides, suite : ce que le parcours de test_entrees_invalides.py n'atteint pas.

- la transmission au Département et la clôture d'une demande de logement social (une demande
  dans l'état que chaque étape attend, et dans ceux qu'elle refuse) ;
- « Reprendre » une exécution de la détection échouée ;
- le second facteur d'un agent qui a déjà une application (code, code de secours, nouvelle
  application, désactivation) ;
- les listes de l'administration technique avec des filtres, un tri et une page hostiles.

Chaque fois : jamais de 500, un message en français près du champ (ou dans les messages de la
page quand le formulaire n'y est pas), rien d'écrit à moitié.
"""

import re
import uuid
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ccas_portal import double_authentification as da
from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal
from droits.enums import PerimetreDetection, StatutExecution
from droits.instruction import services as instruction
from droits.instruction.enums import EtatDemande, NatureDemande
from droits.instruction.models import Demande
from droits.models import ExecutionDetection, LotDetection
from tests.ccas_portal import test_entrees_invalides
from tests.ccas_portal.test_double_authentification import connecter_par_mot_de_passe, enroler
from tests.ccas_portal.test_entrees_invalides import (
    ANGLAIS,
    CHIFFRES_EXOTIQUES,
    ENORME,
    NUL,
    _client,
    _Parcours,
    _refuser_nul,
    _sans_balises,
    _texte,
)
from tests.connexion import appareil_confirme, code_totp
from tests.factories import (
    MOT_DE_PASSE,
    AgentFactory,
    SiteFactory,
    foyer_et_demandeur,
)

pytestmark = pytest.mark.django_db

#: La fixture `monde` de test_entrees_invalides.py : un site, un agent de chaque rôle, un foyer
#: suivi, une aide prête pour la commission, une exécution de la détection…
monde = test_entrees_invalides.monde

AUJOURD_HUI = timezone.localdate()

#: Les valeurs hostiles d'un champ saisi (texte, date, choix).
HOSTILES = {
    "vide": "",
    "long": "x" * 10_000,
    "nul": NUL,
    "emojis": "😀🏠",
    "nan": "NaN",
    "infini": "Infinity",
    "exposant": "1e30",
    "enorme": ENORME,
    "negatif": "-1",
    "an_1": "0001-01-01",
    "an_9999": "9999-12-31",
    "date_inexistante": "2026-02-30",
    "exposant_2": CHIFFRES_EXOTIQUES[0],
    "cercle": CHIFFRES_EXOTIQUES[1],
}


def _sans_anglais(reponse):
    texte = _texte(reponse)
    assert not [m for m in ANGLAIS if m in texte], texte[:2000]
    assert 'lang="fr"' in texte


def _journal_des_modifications() -> int:
    return EntreeJournal.objects.filter(action="modification").count()


# --- 1. Demande de logement social : transmission et clôture ---------------------------------


@pytest.fixture
def demandes(monde):
    """Une demande de logement social en instruction, une demande d'aide sociale légale à
    transmettre (déposées il y a 90 jours), et une demande de logement social d'un autre site."""
    ts, f, parent = monde["agents"][Role.TRAVAILLEUR_SOCIAL], monde["foyer"], monde["parent"]
    depot = AUJOURD_HUI - timedelta(days=90)
    logement = instruction.creer_demande(
        agent=ts,
        foyer=f,
        beneficiaire=parent,
        nature=NatureDemande.LOGEMENT_SOCIAL,
        objet="Accompagnement de la demande de logement social",
        champs={"numero_unique": "038-2025-12345", "typologie": "T3"},
        date_depot=depot,
    )
    legale = instruction.creer_demande(
        agent=ts,
        foyer=f,
        beneficiaire=parent,
        nature=NatureDemande.AIDE_SOCIALE_LEGALE,
        dispositif="ash",
        objet="Hébergement en EHPAD",
        date_depot=depot,
    )
    ailleurs = SiteFactory(code="mdh-ailleurs-suite", nom="MdH Ailleurs")
    ts_ailleurs = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[ailleurs])
    f_ailleurs, h_ailleurs = foyer_et_demandeur(
        ts_ailleurs, prenoms="Noé", date_naissance=date(1985, 1, 1)
    )
    logement_ailleurs = instruction.creer_demande(
        agent=ts_ailleurs,
        foyer=f_ailleurs,
        beneficiaire=h_ailleurs,
        nature=NatureDemande.LOGEMENT_SOCIAL,
        objet="Demande de logement social",
        date_depot=depot,
    )
    return {
        "ts": ts,
        "logement": logement,
        "legale": legale,
        "facultative": monde["demande"],
        "logement_ailleurs": logement_ailleurs,
    }


def _etat(demande) -> tuple:
    d = Demande.objects.get(pk=demande.pk)
    return (d.etat, d.issue, d.date_cloture, d.date_transmission, d.modifie_le)


def _poster(agent, url, donnees):
    with connection.execute_wrapper(_refuser_nul):
        return _client(agent).post(url, donnees)


def _clore(pk):
    return reverse("droits:clore_logement", args=[pk])


def _transmettre(pk):
    return reverse("droits:transmettre", args=[pk])


CLOTURE_VALIDE = {"issue": "attribue", "date_cloture": AUJOURD_HUI.isoformat()}


@pytest.mark.parametrize(
    ("champ", "cle"),
    [("issue", cle) for cle in ("vide", "long", "nul", "emojis", "enorme", "cercle")]
    + [("date_cloture", cle) for cle in HOSTILES],
)
def test_cloture_du_logement_valeur_hostile(demandes, champ, cle):
    logement, ts = demandes["logement"], demandes["ts"]
    avant, journal = _etat(logement), _journal_des_modifications()
    reponse = _poster(ts, _clore(logement.pk), {**CLOTURE_VALIDE, champ: HOSTILES[cle]})
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    form = reponse.context["form_cloture"]
    assert form.errors[champ]  # sous le champ…
    page = _sans_balises(reponse)
    for erreur in form.errors[champ]:
        assert erreur in page  # … et dans le résumé des erreurs
    assert f'id="cloture-logement-{champ}' in reponse.content.decode()
    assert _etat(logement) == avant
    assert _journal_des_modifications() == journal


@pytest.mark.parametrize("cle", ["nul", "enorme", "emojis", "exposant_2"])
def test_cloture_du_logement_jeton_hostile(demandes, cle):
    logement = demandes["logement"]
    avant = _etat(logement)
    reponse = _poster(
        demandes["ts"], _clore(logement.pk), {**CLOTURE_VALIDE, "jeton": HOSTILES[cle]}
    )
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    assert "Jeton : " in _sans_balises(reponse)
    assert _etat(logement) == avant


def test_cloture_du_logement_une_seule_fois(demandes):
    """La clôture d'une demande en instruction passe ; renvoyée avec le même jeton, elle n'est
    pas refaite ; une seconde clôture est refusée, son message sur la page (le formulaire
    n'y est plus)."""
    logement, ts = demandes["logement"], demandes["ts"]
    jeton = str(uuid.uuid4())
    donnees = {**CLOTURE_VALIDE, "jeton": jeton}
    assert _poster(ts, _clore(logement.pk), donnees).status_code == 302
    close = _etat(logement)
    assert close[:3] == (EtatDemande.CLOSE, "attribue", AUJOURD_HUI)
    assert _poster(ts, _clore(logement.pk), donnees).status_code == 302  # même jeton
    journal = _journal_des_modifications()
    reponse = _poster(
        ts, _clore(logement.pk), {**CLOTURE_VALIDE, "issue": "abandon", "jeton": uuid.uuid4()}
    )
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    assert (
        f"Cette demande est déjà close (logement attribué (bail signé), le "
        f"{AUJOURD_HUI:%d/%m/%Y})." in _sans_balises(reponse)
    )
    assert _etat(logement) == close
    assert _journal_des_modifications() == journal


@pytest.mark.parametrize("quelle", ["facultative", "legale"])
def test_cloture_refusee_hors_logement_social_avec_son_message(demandes, quelle):
    demande = demandes[quelle]
    avant = _etat(demande)
    reponse = _poster(demandes["ts"], _clore(demande.pk), CLOTURE_VALIDE)
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    assert "Seules les demandes de logement social se closent ainsi." in _sans_balises(reponse)
    assert _etat(demande) == avant


@pytest.mark.parametrize("quelle", ["logement", "facultative"])
def test_transmission_refusee_hors_aide_sociale_legale_avec_son_message(demandes, quelle):
    """La transmission au Département n'est pas une étape du logement social : refus en
    français sur la page de la demande, même si la date saisie est illisible."""
    demande = demandes[quelle]
    avant, journal = _etat(demande), _journal_des_modifications()
    for jour in (AUJOURD_HUI.isoformat(), "2026-02-30"):
        reponse = _poster(demandes["ts"], _transmettre(demande.pk), {"date_transmission": jour})
        assert reponse.status_code == 422
        _sans_anglais(reponse)
        page = _sans_balises(reponse)
        if jour == "2026-02-30":
            assert "Transmis au Département le : Saisissez une date valide." in page
        else:
            assert "Seuls les dossiers d'aide sociale légale se transmettent." in page
    assert _etat(demande) == avant
    assert _journal_des_modifications() == journal


@pytest.mark.parametrize("cle", list(HOSTILES))
def test_transmission_date_hostile(demandes, cle):
    legale = demandes["legale"]
    avant = _etat(legale)
    reponse = _poster(demandes["ts"], _transmettre(legale.pk), {"date_transmission": HOSTILES[cle]})
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    form = reponse.context["form_transmission"]
    assert form.errors["date_transmission"]
    page = _sans_balises(reponse)
    for erreur in form.errors["date_transmission"]:
        assert erreur in page
    assert _etat(legale) == avant


def test_transmission_avant_le_depot_puis_une_seule_fois(demandes):
    legale, ts = demandes["legale"], demandes["ts"]
    avant = _etat(legale)
    veille = (legale.date_depot - timedelta(days=1)).isoformat()
    reponse = _poster(ts, _transmettre(legale.pk), {"date_transmission": veille})
    assert reponse.status_code == 422
    assert "La transmission ne peut pas précéder le dépôt." in _sans_balises(reponse)
    assert _etat(legale) == avant
    jour = AUJOURD_HUI.isoformat()
    assert _poster(ts, _transmettre(legale.pk), {"date_transmission": jour}).status_code == 302
    transmise = _etat(legale)
    assert transmise[0] == EtatDemande.TRANSMISE
    reponse = _poster(ts, _transmettre(legale.pk), {"date_transmission": jour})
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    assert "Ce dossier a déjà été transmis." in _sans_balises(reponse)
    assert _etat(legale) == transmise


@pytest.mark.parametrize("role", [Role.ACCUEIL, Role.RESPONSABLE, Role.ADMIN, Role.FINANCES])
def test_transmission_et_cloture_reservees_au_travailleur_social(monde, demandes, role):
    agent = monde["agents"][role]
    for url, demande, donnees in (
        (_clore, demandes["logement"], CLOTURE_VALIDE),
        (_transmettre, demandes["legale"], {"date_transmission": AUJOURD_HUI.isoformat()}),
    ):
        avant = _etat(demande)
        reponse = _poster(agent, url(demande.pk), donnees)
        assert reponse.status_code == 403
        _sans_anglais(reponse)
        assert _etat(demande) == avant


@pytest.mark.parametrize("numero", ["ailleurs", ENORME, "0"])
def test_transmission_et_cloture_d_une_demande_introuvable(demandes, numero):
    """Une demande d'un autre site, ou un numéro qui ne désigne rien : 404 en français."""
    pk = demandes["logement_ailleurs"].pk if numero == "ailleurs" else numero
    avant = _etat(demandes["logement_ailleurs"])
    for url, donnees in (
        ("/droits/demandes/{}/cloture/", CLOTURE_VALIDE),
        ("/droits/demandes/{}/transmission/", {"date_transmission": AUJOURD_HUI.isoformat()}),
    ):
        reponse = _poster(demandes["ts"], url.format(pk), donnees)
        assert reponse.status_code == 404
        _sans_anglais(reponse)
    assert _etat(demandes["logement_ailleurs"]) == avant


# --- 2. « Reprendre » une exécution de la détection échouée ----------------------------------


def _execution(statut=StatutExecution.ECHOUEE, site=None, perimetre=PerimetreDetection.TOUS):
    """Une exécution de trois lots dont le premier est fait."""
    e = ExecutionDetection.objects.create(
        declencheur="test",
        perimetre=perimetre,
        site=site,
        mois_cible=AUJOURD_HUI.replace(day=1),
        statut=statut,
        total=6,
        traites=2,
        relances=2,
        erreurs=["Exécution arrêtée : 2 lots sur 3 sont restés sans réponse."],
    )
    for numero in range(3):
        LotDetection.objects.create(
            execution=e, numero=numero, foyers=[2 * numero + 1, 2 * numero + 2], fait=numero == 0
        )
    return e


def _etat_execution(e) -> tuple:
    e = ExecutionDetection.objects.get(pk=e.pk)
    lots = tuple(LotDetection.objects.filter(execution=e).values_list("fait", "tentatives"))
    return (e.statut, e.erreurs, e.relances, e.relancee_le, e.fin, lots)


def _reprendre(agent, pk, donnees=None, **entetes):
    with connection.execute_wrapper(_refuser_nul):
        return _client(agent).post(
            reverse("droits:reprendre_detection", args=[pk]) if isinstance(pk, int) else pk,
            donnees or {},
            **entetes,
        )


@pytest.mark.parametrize("cle", ["long", "nul", "emojis", "nan", "enorme", "exposant_2", "cercle"])
def test_reprendre_jeton_hostile(monde, cle):
    e = _execution()
    avant, journal = _etat_execution(e), _journal_des_modifications()
    reponse = _reprendre(monde["agents"][Role.RESPONSABLE], e.pk, {"jeton": HOSTILES[cle]})
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    assert "Jeton : Saisissez un UUID valide." in _sans_balises(reponse)
    assert _etat_execution(e) == avant
    assert _journal_des_modifications() == journal


@pytest.mark.parametrize(
    "statut", [StatutExecution.EN_ATTENTE, StatutExecution.EN_COURS, StatutExecution.TERMINEE]
)
def test_reprendre_une_execution_qui_n_est_pas_en_echec(monde, statut):
    e = _execution(statut)
    avant, journal = _etat_execution(e), _journal_des_modifications()
    reponse = _reprendre(monde["agents"][Role.ADMIN], e.pk, {"jeton": str(uuid.uuid4())})
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    libelle = StatutExecution(statut).label.lower()
    assert (
        f"Cette exécution n'est pas en échec (statut : {libelle}) : rien à reprendre."
        in _sans_balises(reponse)
    )
    assert _etat_execution(e) == avant
    assert _journal_des_modifications() == journal


@pytest.mark.parametrize("donnees", [{"jeton": NUL}, {"jeton": str(uuid.uuid4())}])
def test_reprendre_une_ancienne_execution_dit_pourquoi(monde, donnees):
    """Une exécution hors des 20 dernières (celles que la page liste) : le refus s'affiche
    quand même, dans les messages de la page."""
    e = _execution(StatutExecution.TERMINEE if donnees["jeton"] != NUL else StatutExecution.ECHOUEE)
    for _ in range(20):
        _execution(StatutExecution.TERMINEE)
    avant = _etat_execution(e)
    reponse = _reprendre(monde["agents"][Role.RESPONSABLE], e.pk, donnees)
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    page = _sans_balises(reponse)
    if donnees["jeton"] == NUL:
        assert "Jeton : Saisissez un UUID valide." in page
    else:
        assert "Cette exécution n'est pas en échec (statut : terminée)" in page
    assert _etat_execution(e) == avant


def test_reprendre_une_fois_seulement(monde, django_capture_on_commit_callbacks, monkeypatch):
    from droits.detection import execution as detection

    enfiles = []
    monkeypatch.setattr(detection, "enfiler_lots", enfiles.append)
    e = _execution()
    jeton = str(uuid.uuid4())
    responsable = monde["agents"][Role.RESPONSABLE]
    with django_capture_on_commit_callbacks(execute=True):
        reponse = _reprendre(responsable, e.pk, {"jeton": jeton})
    assert reponse.status_code == 302
    repris = _etat_execution(e)
    assert repris[:3] == (StatutExecution.EN_COURS, [], 0)
    assert len(enfiles) == 1
    assert len(enfiles[0]) == 2  # les deux lots manquants
    # Double clic : même jeton, rien de plus.
    with django_capture_on_commit_callbacks(execute=True):
        assert _reprendre(responsable, e.pk, {"jeton": jeton}).status_code == 302
    assert len(enfiles) == 1
    assert _etat_execution(e) == repris


@pytest.mark.parametrize("role", [Role.ACCUEIL, Role.TRAVAILLEUR_SOCIAL, Role.FINANCES])
def test_reprendre_reserve_aux_responsables_et_admins(monde, role):
    e = _execution()
    avant = _etat_execution(e)
    reponse = _reprendre(monde["agents"][role], e.pk, {"jeton": str(uuid.uuid4())})
    assert reponse.status_code == 403
    _sans_anglais(reponse)
    assert _etat_execution(e) == avant


@pytest.mark.parametrize("numero", ["autre_site", "foyer", ENORME, "0", "-1", "x" * 300])
def test_reprendre_une_execution_introuvable(monde, numero):
    """Une exécution d'un autre site pour un responsable de site, la simulation d'un seul
    foyer, un numéro illisible : 404 (ou pas de route), jamais 500, rien ne change."""
    responsable_site = AgentFactory(role=Role.RESPONSABLE, sites=[monde["site"]])
    autre_site = SiteFactory(code="mdh-autre-detection")
    executions = {
        "autre_site": _execution(site=autre_site, perimetre=PerimetreDetection.SITE),
        "foyer": _execution(perimetre=PerimetreDetection.FOYER),
    }
    cible = executions.get(numero)
    chemin = cible.pk if cible else f"/droits/detection/{numero}/reprendre/"
    avant = [_etat_execution(e) for e in executions.values()]
    reponse = _reprendre(responsable_site, chemin, {"jeton": str(uuid.uuid4())})
    assert reponse.status_code == 404
    _sans_anglais(reponse)
    assert [_etat_execution(e) for e in executions.values()] == avant


def test_reprendre_en_get_refuse(monde):
    e = _execution()
    avant = _etat_execution(e)
    client = _client(monde["agents"][Role.RESPONSABLE])
    reponse = client.get(reverse("droits:reprendre_detection", args=[e.pk]), {"jeton": NUL})
    assert reponse.status_code == 405
    assert _etat_execution(e) == avant


# --- 3. Second facteur d'un agent qui a déjà une application --------------------------------

#: Des codes hostiles : trop longs, sans chiffres ordinaires, vides, avec un octet nul…
CODES_HOSTILES = {
    "vide": "",
    "espaces": "   ",
    "trop_long": "1" * 41,
    "tres_long": "9" * 10_000,
    "lettres": "abcdef",
    "exposants": "²²²²²²",
    "cercles": "①②③④⑤⑥",
    "nul": "123\x00456",
    "emojis": "😀😀😀😀😀😀",
    "nan": "NaN",
    "infini": "Infinity",
    "exposant": "1e30",
    "negatif": "-123456",
    "enorme": ENORME,
}
#: Ce que dit le champ pour chacun (le reste : « code incorrect »).
MESSAGES_DE_CODE = {
    "vide": "Ce champ est obligatoire.",
    "espaces": "Ce champ est obligatoire.",
    "trop_long": "Assurez-vous que cette valeur comporte au plus 40 caractères",
    "tres_long": "Assurez-vous que cette valeur comporte au plus 40 caractères",
    "nul": "Le caractère nul n’est pas autorisé.",
}


@pytest.fixture
def equipe():
    """Un responsable dont l'application est activée avec ses 10 codes de secours, connecté
    par son mot de passe seulement (la page du code l'attend)."""
    agent = AgentFactory(role=Role.RESPONSABLE)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    _, codes = enroler(client)
    assert len(codes) == da.NOMBRE_CODES_DE_SECOURS
    client.post(reverse("deconnexion"))
    client = Client(raise_request_exception=False)
    connecter_par_mot_de_passe(client, agent)
    return agent, client, codes


def _verifiee(client) -> bool:
    return client.get("/tableau-de-bord/").status_code != 302


def _appareils(agent) -> tuple:
    return (
        tuple(TOTPDevice.objects.filter(user=agent).values_list("pk", "confirmed", "key")),
        tuple(StaticToken.objects.filter(device__user=agent).order_by("pk").values_list("token")),
    )


def _message_de_code(reponse, cle):
    attendu = MESSAGES_DE_CODE.get(cle)
    erreurs = " ".join(reponse.context["form"].errors["code"])
    if attendu:
        assert attendu in erreurs
    else:
        assert "incorrect" in erreurs or "Trop de codes incorrects" in erreurs
    assert erreurs.split(" (")[0].split(".")[0] in _sans_balises(reponse)


@pytest.mark.parametrize("vue", ["verification_code", "code_de_secours"])
@pytest.mark.parametrize("cle", list(CODES_HOSTILES))
def test_code_hostile_refuse_sous_le_champ(equipe, vue, cle):
    agent, client, _ = equipe
    avant = _appareils(agent)
    with connection.execute_wrapper(_refuser_nul):
        reponse = client.post(reverse(vue), {"code": CODES_HOSTILES[cle]})
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    _message_de_code(reponse, cle)
    assert 'id="id_code"' in reponse.content.decode()
    assert not _verifiee(client)
    apres = _appareils(agent)
    assert apres[1] == avant[1]  # aucun code de secours consommé
    assert [a[:2] for a in apres[0]] == [a[:2] for a in avant[0]]


@pytest.mark.parametrize("vue", ["verification_code", "code_de_secours"])
def test_codes_faux_a_la_suite_freines_en_francais(equipe, vue, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 60
    agent, client, codes = equipe
    messages_vus = []
    for code in ("000000", "zzzzzzzz", "²²²²²²", "000001"):
        reponse = client.post(reverse(vue), {"code": code})
        assert reponse.status_code == 422
        _sans_anglais(reponse)
        messages_vus.append(" ".join(reponse.context["form"].errors["code"]))
    assert "incorrect" in messages_vus[0]
    assert all(
        re.search(r"Trop de codes incorrects à la suite : attendez \d+ secondes", m)
        for m in messages_vus[1:]
    )
    # Même un bon code attend : la session n'est pas vérifiée, le code de secours reste.
    bon = code_totp(da.appareil_totp(agent)) if vue == "verification_code" else codes[0]
    reponse = client.post(reverse(vue), {"code": bon})
    assert reponse.status_code == 422
    assert not _verifiee(client)
    assert StaticToken.objects.filter(device__user=agent).count() == da.NOMBRE_CODES_DE_SECOURS


def test_code_de_secours_reutilise_refuse(equipe):
    agent, client, codes = equipe
    reponse = client.post(reverse("code_de_secours"), {"code": codes[3]})
    assert reponse.status_code == 302
    assert _verifiee(client)
    restants = _appareils(agent)[1]
    assert len(restants) == da.NOMBRE_CODES_DE_SECOURS - 1
    client.post(reverse("deconnexion"))
    autre = Client(raise_request_exception=False)
    connecter_par_mot_de_passe(autre, agent)
    for saisi in (codes[3], codes[3].upper(), f" {codes[3][:4]} {codes[3][4:]} "):
        reponse = autre.post(reverse("code_de_secours"), {"code": saisi})
        assert reponse.status_code == 422
        _sans_anglais(reponse)
        assert (
            "Code de secours incorrect ou déjà utilisé" in reponse.context["form"].errors["code"][0]
        )
        da.StaticDevice.objects.get(user=agent).throttle_reset()
    assert not _verifiee(autre)
    assert _appareils(agent)[1] == restants


@pytest.mark.parametrize(
    "suite",
    [
        "https://exemple.invalid/",
        "//exemple.invalid/",
        "javascript:alert(1)",
        "abc",  # sans « / » : `redirect` y lisait un nom de vue (500)
        NUL,
        "x" * 10_000,
    ],
)
def test_suite_hostile_apres_le_code(equipe, suite):
    """`next` hostile : jamais de 500, jamais de sortie du portail."""
    agent, client, _ = equipe
    page = client.get(reverse("verification_code"), {"next": suite})
    assert page.status_code == 200
    _sans_anglais(page)
    reponse = client.post(
        reverse("verification_code"), {"code": code_totp(da.appareil_totp(agent)), "next": suite}
    )
    assert reponse.status_code == 302
    assert not reponse["Location"].startswith(("https:", "//", "javascript:"))
    assert _verifiee(client)
    page = client.get(reverse("codes_de_secours"), {"next": suite})
    assert page.status_code == 200
    assert 'href="javascript:' not in page.content.decode()
    assert "exemple.invalid" not in page.content.decode()


@pytest.mark.parametrize("cle", list(CODES_HOSTILES))
def test_remplacer_l_application_code_hostile(equipe, cle):
    """Un agent qui a déjà une application en active une autre : un code hostile est refusé
    sous le champ, l'application en place et ses codes de secours restent."""
    agent, client, codes = equipe
    client.post(reverse("code_de_secours"), {"code": codes[0]})
    assert _verifiee(client)
    client.get(reverse("activer_double_authentification"))  # la nouvelle clé, en attente
    avant = _appareils(agent)
    with connection.execute_wrapper(_refuser_nul):
        reponse = client.post(
            reverse("activer_double_authentification"), {"code": CODES_HOSTILES[cle]}
        )
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    _message_de_code(reponse, cle)
    assert _appareils(agent) == avant
    assert TOTPDevice.objects.filter(user=agent, confirmed=True).count() == 1


@pytest.mark.parametrize("cle", ["vide", "long", "nul", "emojis", "exposant_2"])
def test_desactiver_mot_de_passe_hostile(cle, settings):
    """Un agent d'accueil (double authentification facultative) : la désactivation demande
    son mot de passe ; une saisie hostile est refusée sous le champ, rien n'est retiré."""
    agent = AgentFactory(role=Role.ACCUEIL)
    appareil_confirme(agent)
    client = _client(agent)
    avant = _appareils(agent)
    with connection.execute_wrapper(_refuser_nul):
        reponse = client.post(
            reverse("desactiver_double_authentification"), {"mot_de_passe": HOSTILES[cle]}
        )
    assert reponse.status_code == 422
    _sans_anglais(reponse)
    erreurs = reponse.context["form_desactivation"].errors["mot_de_passe"]
    assert erreurs
    for erreur in erreurs:
        assert erreur in _sans_balises(reponse)
    assert _appareils(agent) == avant
    assert da.a_un_appareil(agent)
    # Le bon mot de passe désactive (le comportement attendu reste).
    reponse = client.post(
        reverse("desactiver_double_authentification"), {"mot_de_passe": MOT_DE_PASSE}
    )
    assert reponse.status_code == 302
    assert not da.a_un_appareil(agent)


def test_codes_de_secours_regeneres_sans_application():
    """« Nouveaux codes » sans application active : refus en français, aucun code créé."""
    agent = AgentFactory(role=Role.ACCUEIL)
    client = _client(agent)
    reponse = client.post(reverse("codes_de_secours"), {"code": NUL}, follow=True)
    assert reponse.status_code == 200
    assert "Activez d'abord la double authentification." in _sans_balises(reponse)
    assert not StaticToken.objects.filter(device__user=agent).exists()


# --- 4. Administration technique : listes avec des paramètres hostiles ----------------------

#: Valeurs de la passe de l'administration (recherche, filtres, tri, page).
HOSTILES_ADMIN = {
    **{k: HOSTILES[k] for k in ("vide", "long", "nul", "emojis", "nan", "infini", "exposant")},
    **{k: HOSTILES[k] for k in ("enorme", "negatif", "an_1", "an_9999", "date_inexistante")},
    **{k: HOSTILES[k] for k in ("exposant_2", "cercle")},
    "tri_compose": "1.-2.999.-0",
    "tri_tiret": "-",
    "zero": "0",
}
#: Les bornes d'une hiérarchie de dates, ensemble (année, mois, jour).
HIERARCHIES_HOSTILES = [
    {"year": "9999"},
    {"year": "9999", "month": "12"},
    {"year": "9999", "month": "12", "day": "31"},
    {"year": "1"},
    {"year": "1", "month": "1", "day": "1"},
    {"year": "2026", "month": "2", "day": "30"},
    {"year": "2026", "month": "13"},
    {"year": "2026", "month": "0"},
    {"year": "0"},
    {"month": "2"},
]


def _listes_de_l_administration():
    return sorted(
        (m._meta.app_label, m._meta.model_name, ma) for m, ma in admin.site._registry.items()
    )


def _parametres_des_filtres(page: str, chemin: str) -> set[str]:
    """Les paramètres des liens de la page de liste (filtres, tri, hiérarchie de dates)."""
    noms = set()
    for lien in re.findall(r'href="([^"]*\?[^"]*)"', page):
        decoupe = urlsplit(lien.replace("&amp;", "&"))
        if decoupe.path in ("", chemin):
            noms |= {k for k, _ in parse_qsl(decoupe.query, keep_blank_values=True)}
    return noms


def test_listes_de_l_administration_avec_des_parametres_hostiles(monde):
    parcours = _Parcours(_client(monde["agents"][Role.ADMIN]))
    vues = 0
    with connection.execute_wrapper(_refuser_nul):
        for app, modele, model_admin in _listes_de_l_administration():
            chemin = reverse(f"admin:{app}_{modele}_changelist")
            page = parcours.envoyer("get", chemin)
            assert page.status_code == 200, chemin
            vues += 1
            noms = _parametres_des_filtres(page.content.decode(), chemin)
            noms |= {"q", "o", "p", "all", "e", "_facets"}
            for nom in sorted(noms):
                for valeur in HOSTILES_ADMIN.values():
                    parcours.envoyer("get", chemin, {nom: valeur})
                    parcours.envoyer("get", chemin, {nom: valeur, "_facets": "True"})
            hierarchie = model_admin.date_hierarchy
            if hierarchie:
                for dates in HIERARCHIES_HOSTILES:
                    donnees = {f"{hierarchie}__{k}": v for k, v in dates.items()}
                    parcours.envoyer("get", chemin, donnees)
                    parcours.envoyer("get", chemin, {**donnees, "_facets": "True", "q": "a"})
    assert vues >= 10
    assert not parcours.defauts, "\n".join(parcours.defauts[:60])


def test_hierarchie_de_dates_aux_bornes_du_calendrier(monde):
    """Le journal filtré sur l'année 9999 (ou son dernier mois, son dernier jour), ou sur
    l'an 1 : la période suivante, ou sa conversion en UTC, sort du calendrier de Python. Une
    page 400 en français, pas une 500 ; une année ordinaire filtre toujours."""
    client = _client(monde["agents"][Role.ADMIN])
    chemin = reverse("admin:ccas_portal_entreejournal_changelist")
    for dates in HIERARCHIES_HOSTILES[:5]:
        reponse = client.get(chemin, {f"horodatage__{k}": v for k, v in dates.items()})
        assert reponse.status_code == 400, dates
        _sans_anglais(reponse)
        assert "Filtre de date invalide. Date invraisemblable : " in _sans_balises(reponse)
    for annee in (1900, 2100, AUJOURD_HUI.year):
        reponse = client.get(chemin, {"horodatage__year": str(annee)})
        assert reponse.status_code == 200
        assert (
            reponse.context["cl"].result_count
            == EntreeJournal.objects.filter(horodatage__year=annee).count()
        )


@pytest.mark.parametrize("borne", ["last_run_at__gte", "start_time__lt"])
@pytest.mark.parametrize("jour", ["0001-01-01", "0001-01-01 00:00:00", "9999-12-31"])
def test_borne_de_periode_hors_du_calendrier(monde, borne, jour):
    """Le filtre « date » d'une liste (tâches planifiées) avec une borne à l'an 1 : 400 en
    français (la conversion de l'heure de Paris en UTC débordait : 500)."""
    client = _client(monde["agents"][Role.ADMIN])
    chemin = reverse("admin:django_celery_beat_periodictask_changelist")
    reponse = client.get(chemin, {borne: jour})
    assert reponse.status_code == 400
    _sans_anglais(reponse)
    assert "Filtre de date invalide. Date invraisemblable" in _sans_balises(reponse)
    # Le lien du filtre (« Aujourd'hui », « Cette année ») marche toujours.
    reponse = client.get(chemin, {borne: AUJOURD_HUI.isoformat()})
    assert reponse.status_code == 200
