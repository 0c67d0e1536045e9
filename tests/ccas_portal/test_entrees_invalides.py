"""Entrées invalides : jamais de 5xx, toujours un message en français.

Les défauts reproduits un par un d'abord (chacun a donné une erreur 500 en production), puis
un parcours de toutes les URL du portail, rôle par rôle, avec une batterie de mauvaises
valeurs dans chaque paramètre, chaque champ de formulaire et chaque identifiant du chemin.
"""

import html
import re
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone

from accompagnement import services as accompagnements
from accompagnement.models import Accompagnement, Action
from ccas_portal.enums import Role, TypeSite
from ccas_portal.models import Partenaire
from ccas_portal.validation import entier_borne
from droits import services as droits
from droits.axes import AXES
from droits.axes.base import Fait
from droits.models import ChangementSignalement, ExecutionDetection, PrestationFoyer, Signalement
from habitants import services as habitants
from habitants.models import Habitant
from tests.connexion import ClientPortail
from tests.factories import AgentFactory, SiteFactory, foyer, habitant

pytestmark = pytest.mark.django_db

ENORME = "99999999999999999999"
NUL = "a\x00b"


def _client(agent):
    """Un client qui reçoit les 500 comme le ferait un navigateur, au lieu de lever."""
    client = ClientPortail(raise_request_exception=False)
    client.force_login(agent)  # second facteur compris (tests/connexion.py)
    return client


# --- Le monde : un site, un agent de chaque rôle, un foyer suivi, de quoi remplir chaque URL --


@pytest.fixture
def monde(referentiels, settings):
    settings.DEBUG = False
    site = SiteFactory(code="mdh-entrees", nom="MdH Entrées")
    direction = SiteFactory(code="direction-entrees", type=TypeSite.SERVICE_CENTRAL)
    agents = {
        Role.ACCUEIL: AgentFactory(role=Role.ACCUEIL, sites=[site]),
        Role.TRAVAILLEUR_SOCIAL: AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site]),
        Role.RESPONSABLE: AgentFactory(role=Role.RESPONSABLE, sites=[direction]),
        Role.ADMIN: AgentFactory(role=Role.ADMIN, sites=[direction]),
        Role.FINANCES: AgentFactory(role=Role.FINANCES, sites=[direction]),
    }
    ts = agents[Role.TRAVAILLEUR_SOCIAL]
    aujourd_hui = timezone.localdate()
    f = foyer(ts)
    parent = habitant(ts, prenoms="Amina", date_naissance=date(1980, 5, 1))
    enfant = habitant(ts, prenoms="Zoé", date_naissance=date(2015, 3, 2))
    for personne, role in ((parent, "demandeur"), (enfant, "enfant")):
        habitants.ajouter_membre(
            agent=ts, foyer=f, habitant=personne, role=role, date_debut=date(2020, 1, 1)
        )
    # Comme les personnes de la démonstration : sans agent créateur.
    Habitant.objects.filter(pk=parent.pk).update(cree_par=None)
    parent.refresh_from_db()
    a = accompagnements.ouvrir_accompagnement(
        agent=ts,
        foyer=f,
        axe="existence",
        membres=[parent],
        date_ouverture=aujourd_hui - timedelta(days=60),
    )
    objectif = accompagnements.ajouter_objectif(agent=ts, accompagnement=a, libelle="Budget")
    action = accompagnements.ajouter_action(agent=ts, objectif=objectif, libelle="Dossier FSL")
    accompagnements.enregistrer_intervention(
        agent=ts,
        accompagnement=a,
        type="entretien_bureau",
        date_intervention=aujourd_hui - timedelta(days=30),
        participants=[parent],
    )
    orientation = accompagnements.orienter(
        agent=ts, accompagnement=a, partenaire=Partenaire.objects.first(), motif="Dettes"
    )
    collective = accompagnements.creer_action_collective(
        agent=ts,
        titre="Atelier budget",
        type="atelier",
        site=site,
        date_debut=aujourd_hui - timedelta(days=90),
    )
    accompagnements.enregistrer_seance(
        agent=ts,
        action=collective,
        date_seance=aujourd_hui - timedelta(days=10),
        theme="Factures",
        participants=[parent],
    )
    signalement = Signalement.objects.create(
        foyer=f, prestation_id="rsa", montant_estime=Decimal("300"), empreinte="e"
    )
    droits.enregistrer_prestation(
        agent=ts,
        foyer=f,
        prestation=droits.Prestation.objects.get(code="prime_activite"),
        statut="percue",
        source="declaration",
        date_debut=date(2024, 1, 1),
    )
    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre="tous", mois_cible=aujourd_hui.replace(day=1)
    )
    ressource = habitants.enregistrer_ressource(
        agent=ts,
        habitant=parent,
        type="salaire_net",
        montant_mensuel=Decimal("1200"),
        date_debut=date(2024, 1, 1),
    )
    from habitants import historique

    loyer = historique.enregistrer_loyer(
        agent=ts,
        foyer=f,
        loyer_mensuel=Decimal("500"),
        charges_mensuelles=None,
        date_debut=date(2020, 1, 1),
    )
    conjugale = historique.enregistrer_situation_conjugale(
        agent=ts, habitant=parent, statut="celibataire", date_debut=date(1998, 5, 1)
    )
    instruction = _instruction(agents, f, parent)
    return {
        **instruction,
        "ressource": ressource,
        "loyer": loyer,
        "conjugale": conjugale,
        "membre": f.membres.get(habitant=parent),
        "agents": agents,
        "site": site,
        "foyer": f,
        "parent": parent,
        "enfant": enfant,
        "accompagnement": a,
        "action": action,
        "orientation": orientation,
        "collective": collective,
        "signalement": signalement,
        "execution": execution,
    }


def _instruction(agents, f, parent) -> dict:
    """Une aide prête pour la commission, une aide accordée (lettre), une séance ouverte."""
    from droits.instruction import services as instruction
    from droits.instruction.demo import creer_reglement

    reglement = creer_reglement(date_effet=date(2020, 1, 1), annee=timezone.localdate().year)
    ts, directeur = agents[Role.TRAVAILLEUR_SOCIAL], agents[Role.RESPONSABLE]

    def demande(code):
        return instruction.creer_demande(
            agent=ts,
            foyer=f,
            beneficiaire=parent,
            nature="facultative",
            type_aide=reglement.types.get(code=code),
            montant_demande=Decimal("100"),
            objet="Courses",
        )

    prete = demande("secours_urgence")
    instruction.presenter_en_commission(agent=ts, demande=prete)
    accordee = instruction.decider(
        agent=directeur,
        demande=demande("aide_alimentaire"),
        sens="accordee",
        montant=Decimal("100"),
        mode_paiement="bons",
    )
    seance = instruction.creer_seance(agent=directeur, date=timezone.localdate(), membres="Mme A")
    return {"demande": prete, "decision": accordee, "seance": seance}


# --- Les défauts reproduits (issue : « HTTP 500, 0 permise ») -----------------------------


@pytest.mark.parametrize(
    "entetes",
    [{}, {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "formulaire-passage"}],
    ids=["page", "htmx"],
)
@pytest.mark.parametrize("valeur", ["abc", ENORME, "-1", NUL])
def test_guichet_habitant_illisible(monde, entetes, valeur):
    client = _client(monde["agents"][Role.ACCUEIL])
    reponse = client.get("/accueil/", {"habitant": valeur}, **entetes)
    assert reponse.status_code == 404
    assert "introuvable" in reponse.content.decode()


#: Des chiffres pour `str.isdigit()`, pas pour `int()` : exposant, chiffre cerclé.
CHIFFRES_EXOTIQUES = ["²", "①"]


@pytest.mark.parametrize("valeur", CHIFFRES_EXOTIQUES)
@pytest.mark.parametrize("url", ["/administration/journal/", "/administration/journal/export.csv"])
def test_journal_personne_en_chiffre_exotique(monde, url, valeur):
    client = _client(monde["agents"][Role.ADMIN])
    reponse = client.get(url, {"personne": valeur})
    assert reponse.status_code == 200
    if url.endswith("/"):
        assert reponse.context["page"].paginator.count == 0  # aucune fiche n'a ce numéro
    # Le numéro écrit en chiffres ordinaires désigne toujours la fiche.
    parent = monde["parent"]
    assert client.get(url, {"personne": f"n° {parent.pk}"}).status_code == 200


@pytest.mark.parametrize("valeur", [*CHIFFRES_EXOTIQUES, ENORME])
def test_nouvelle_aide_depuis_un_signalement_illisible(monde, valeur):
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    url = f"/droits/foyers/{monde['foyer'].pk}/demandes/nouvelle/"
    parametres = {"nature": "facultative", "signalement": valeur}
    reponse = client.get(url, parametres)
    assert reponse.status_code == 200
    assert reponse.context["signalement"] is None
    # Le lien depuis un vrai signalement le reprend toujours.
    bon = client.get(url, {**parametres, "signalement": monde["signalement"].pk})
    assert bon.context["signalement"] == monde["signalement"]


@pytest.mark.parametrize("valeur", [*CHIFFRES_EXOTIQUES, ENORME])
def test_rattacher_a_un_foyer_illisible(monde, valeur):
    ts = monde["agents"][Role.TRAVAILLEUR_SOCIAL]
    seule = habitant(ts, prenoms="Inès", date_naissance=date(1990, 1, 1))
    client = _client(monde["agents"][Role.ACCUEIL])
    reponse = client.post(
        f"/accueil/habitants/{seule.pk}/foyer/rattacher/",
        {"foyer": valeur, "role": "demandeur", "date_debut": timezone.localdate().isoformat()},
    )
    assert reponse.status_code == 422
    assert "Ce foyer est introuvable parmi ceux de vos sites." in reponse.content.decode()
    assert not seule.appartenances.exists()


@pytest.mark.parametrize("valeur", [*CHIFFRES_EXOTIQUES, ENORME])
def test_ajouter_une_personne_existante_illisible(monde, valeur):
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    f = monde["foyer"]
    avant = f.membres.count()
    reponse = client.post(
        f"/accompagnements/foyers/{f.pk}/membres/existant/",
        {"habitant": valeur, "role": "autre", "date_debut": timezone.localdate().isoformat()},
    )
    assert reponse.status_code == 422
    assert f.membres.count() == avant


@pytest.mark.parametrize(
    "url", ["/accueil/?q=martin", "/accompagnements/?", "/droits/signalements/?"]
)
@pytest.mark.parametrize("page", [ENORME, "1" + "0" * 18, "abc", "-3", "0"])
def test_page_demesuree_ramene_a_la_premiere(monde, url, page):
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    reponse = client.get(f"{url}&page={page}")
    assert reponse.status_code == 200
    page_affichee = reponse.context["resultats" if url.startswith("/accueil/") else "page"]
    assert page_affichee.number == 1


def test_entier_borne():
    assert entier_borne("12") == 12
    assert entier_borne(" 3 ") == 3
    for illisible in (None, "", "abc", "-1", "0", "1.5", ENORME, "٣", "1e3", NUL):
        assert entier_borne(illisible) is None, illisible


@pytest.mark.parametrize("jours", ["99999999999", "10000", "1e400", "NaN", "2.5"])
def test_sans_intervention_depuis_demesure(monde, jours):
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    reponse = client.get("/accompagnements/", {"sans_intervention_depuis": jours})
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert "invalid-feedback" in page
    assert reponse.context["filtre"].errors["sans_intervention_depuis"]


def test_sans_intervention_depuis_borne_haute_acceptee(monde):
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    for jours, trouves in (("9999", 0), ("10", 1)):  # dernière intervention : il y a 30 jours
        reponse = client.get("/accompagnements/", {"sans_intervention_depuis": jours})
        assert reponse.status_code == 200
        assert not reponse.context["filtre"].errors
        assert reponse.context["page"].paginator.count == trouves


def test_informer_une_personne_sans_agent_createur(monde):
    parent = monde["parent"]
    assert parent.cree_par_id is None
    client = _client(monde["agents"][Role.ACCUEIL])
    reponse = client.post(
        f"/accueil/habitants/{parent.pk}/information/", {"consentement": "accepte"}
    )
    assert reponse.status_code == 302
    parent.refresh_from_db()
    assert parent.date_information == timezone.localdate()
    assert parent.consentement == "accepte"


def test_commentaire_de_signalement_avec_un_octet_nul(monde):
    s = monde["signalement"]
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    reponse = client.post(
        f"/droits/signalements/{s.pk}/etat/",
        {"etat": "contacte", "commentaire": "Appel\x00"},
        follow=True,
    )
    assert reponse.status_code == 422  # la page du signalement, l'erreur sous son champ
    assert "Commentaire : Le caractère nul n’est pas autorisé." in _sans_balises(reponse)
    s.refresh_from_db()
    assert s.etat == "nouveau"
    assert not ChangementSignalement.objects.exists()


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"etat": "inconnu"}, "Nouvel état : Sélectionnez un choix valide."),
        ({"etat": "contacte", "commentaire": "x" * 501}, "Commentaire : Assurez-vous"),
        # L'état actuel n'est pas proposé.
        ({"etat": "nouveau"}, "Nouvel état : Sélectionnez un choix valide."),
        ({"etat": "droit_ouvert", "montant_accorde": "abc"}, "Saisissez un nombre."),
        ({"etat": "droit_ouvert", "montant_accorde": "-5"}, "supérieure ou égale à 0"),
        ({"etat": "droit_ouvert", "montant_accorde": ENORME}, "pas plus de 9 chiffres"),
        ({"etat": "droit_ouvert", "date_debut": "2026-02-31"}, "Saisissez une date valide."),
        ({"etat": "droit_ouvert"}, "Indiquez le montant mensuel accordé."),
        ({"etat": "contacte"}, "n'a pas été recueilli à l'accueil"),
    ],
)
def test_etat_de_signalement_refuse_en_francais(monde, donnees, message):
    s = monde["signalement"]
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    reponse = client.post(f"/droits/signalements/{s.pk}/etat/", donnees, follow=True)
    assert reponse.status_code == 422
    assert message in _sans_balises(reponse)
    assert not PrestationFoyer.objects.filter(prestation_id="rsa").exists()
    assert not ChangementSignalement.objects.exists()


# --- Valeurs invraisemblables (issue : « Implausible values are accepted ») ----------------


@pytest.mark.parametrize("jour", [date(1, 1, 1), date(1999, 12, 31), date(9999, 12, 31)])
def test_ouverture_d_accompagnement_a_une_date_invraisemblable(monde, jour):
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    f, parent = monde["foyer"], monde["parent"]
    avant = Accompagnement.objects.count()
    reponse = client.post(
        f"/accompagnements/foyers/{f.pk}/ouvrir/",
        {"axe": "logement", "membres": [parent.pk], "date_ouverture": jour.isoformat()},
    )
    assert reponse.status_code == 422
    assert reponse.context["form"].errors["date_ouverture"] == [
        "Cette date est dans le futur."
        if jour.year == 9999
        else "Date invraisemblable : avant le 01/01/2000."
    ]
    assert Accompagnement.objects.count() == avant


@pytest.mark.parametrize("jour", ["0001-01-01", "9999-12-31", "2026-02-30"])
def test_echeance_d_action_invraisemblable(monde, jour):
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    a = monde["accompagnement"]
    avant = Action.objects.count()
    reponse = client.post(
        f"/accompagnements/{a.pk}/actions/",
        {"objectif": monde["action"].objectif_id, "libelle": "Relancer", "echeance": jour},
    )
    assert reponse.status_code == 422
    assert reponse.context["form_action"].errors["echeance"]
    assert Action.objects.count() == avant


def test_plages_de_dates_des_services(monde):
    ts, a = monde["agents"][Role.TRAVAILLEUR_SOCIAL], monde["accompagnement"]
    objectif = monde["action"].objectif
    with pytest.raises(ValidationError) as erreur:
        accompagnements.ajouter_action(
            agent=ts, objectif=objectif, libelle="x", echeance=date(1, 1, 1)
        )
    assert erreur.value.message_dict == {
        "echeance": ["Date invraisemblable : avant le 01/01/2000."]
    }
    dans_onze_ans = timezone.localdate() + timedelta(days=11 * 366)
    with pytest.raises(ValidationError) as erreur:
        accompagnements.ajouter_action(
            agent=ts, objectif=objectif, libelle="x", echeance=dans_onze_ans
        )
    assert erreur.value.message_dict["echeance"][0].startswith("Date invraisemblable : après le")
    with pytest.raises(ValidationError, match="Date invraisemblable"):
        accompagnements.enregistrer_intervention(
            agent=ts, accompagnement=a, type="entretien_bureau", date_intervention=date(1, 1, 1)
        )
    with pytest.raises(ValidationError, match="Date invraisemblable"):
        habitants.ajouter_membre(
            agent=ts,
            foyer=monde["foyer"],
            habitant=habitant(ts, prenoms="Léo"),
            role="enfant",
            date_debut=date(1, 1, 1),
        )


@pytest.mark.parametrize(
    ("champ", "jour"),
    [
        ("date_demande", date(1, 1, 1)),
        ("date_debut", date(9999, 12, 31)),
        ("date_fin", date(9999, 12, 31)),
        ("date_debut", date(1949, 12, 31)),
    ],
)
def test_dates_de_prestation_invraisemblables(monde, champ, jour):
    ts = monde["agents"][Role.TRAVAILLEUR_SOCIAL]
    f = monde["foyer"]
    avant = PrestationFoyer.objects.count()
    donnees = {
        "prestation": "rsa",
        "statut": "percue",
        "source": "declaration",
        "date_debut": "2025-01-01",
        champ: jour.isoformat(),
    }
    reponse = _client(ts).post(f"/droits/foyers/{f.pk}/prestations/", donnees, follow=True)
    assert "Date invraisemblable" in _texte(reponse)
    assert PrestationFoyer.objects.count() == avant


def test_une_fin_de_droit_lointaine_reste_possible(monde):
    ts, f = monde["agents"][Role.TRAVAILLEUR_SOCIAL], monde["foyer"]
    fin = timezone.localdate() + timedelta(days=365 * 19)
    p = droits.enregistrer_prestation(
        agent=ts,
        foyer=f,
        prestation=droits.Prestation.objects.get(code="rsa"),
        statut="percue",
        source="declaration",
        date_debut=date(2025, 1, 1),
        date_fin=fin,
    )
    assert p.date_fin == fin


@pytest.mark.parametrize("nom", ["-1", "99999", "2026-02-30", "12/03/1980", "--"])
def test_noms_sans_lettre_refuses(monde, nom):
    client = _client(monde["agents"][Role.ACCUEIL])
    avant = Habitant.objects.count()
    for champ, autre in (("nom_usage", "prenoms"), ("prenoms", "nom_usage")):
        reponse = client.post(
            "/accueil/habitants/nouveau/",
            {champ: nom, autre: "Durand", "confirmer_nouveau": "on"},
        )
        assert reponse.status_code == 422
        assert "au moins une lettre" in " ".join(reponse.context["form"].errors[champ])
    with pytest.raises(ValidationError, match="au moins une lettre"):
        habitants.modifier_identite(
            agent=monde["agents"][Role.ACCUEIL], habitant=monde["parent"], nom_naissance=nom
        )
    assert Habitant.objects.count() == avant


@pytest.mark.parametrize("adresse", ["-1", "12", "31/02/2026", "--", "😀🏠", "²"])
def test_adresses_sans_lettre_refusees(monde, adresse):
    """L'adresse du foyer (accueil et dossier social) et l'adresse de contact : une saisie
    sans aucune lettre est refusée, avec un message en français sous le champ."""
    client = _client(monde["agents"][Role.ACCUEIL])
    f, parent = monde["foyer"], monde["parent"]
    avant = (f.adresse, parent.adresse_contact)
    reponse = client.post(
        f"/accueil/habitants/{parent.pk}/foyer/adresse/",
        {"adresse": adresse, "code_postal": "38000", "commune": "Grenoble"},
    )
    assert reponse.status_code == 422
    assert (
        "L&#x27;adresse doit contenir au moins une lettre (le nom de la voie ou du lieu-dit)."
        in reponse.content.decode()
    )
    reponse = client.post(
        f"/accueil/habitants/{parent.pk}/coordonnees/",
        {"telephone": "", "courriel": "", "adresse_contact": adresse},
    )
    assert reponse.status_code == 422
    assert (
        "L&#x27;adresse de contact doit contenir au moins une lettre (le nom de la voie)."
        in reponse.content.decode()
    )
    f.refresh_from_db()
    parent.refresh_from_db()
    assert (f.adresse, parent.adresse_contact) == avant


def test_adresse_ordinaire_acceptee(monde):
    client = _client(monde["agents"][Role.ACCUEIL])
    f, parent = monde["foyer"], monde["parent"]
    reponse = client.post(
        f"/accueil/habitants/{parent.pk}/foyer/adresse/",
        {"adresse": "12 bis rue Très-Cloîtres", "code_postal": "38000", "commune": "Grenoble"},
    )
    assert reponse.status_code < 400
    f.refresh_from_db()
    assert f.adresse == "12 bis rue Très-Cloîtres"


def test_noms_ordinaires_acceptes(monde):
    agent = monde["agents"][Role.ACCUEIL]
    for nom, prenoms in (("N'Diaye", "Aïssatou"), ("Lefèvre-Dupont", "Jean-Éric"), ("Œ", "Lu")):
        h = habitant(agent, nom_usage=nom, prenoms=prenoms)
        assert h.pk


# --- Les faits d'axe ont un type (montant) --------------------------------------------------


def test_reste_a_vivre_est_un_montant():
    existence = AXES["existence"]
    assert existence.valider_faits({"reste_a_vivre": "1 234,50 €"}) == {"reste_a_vivre": "1234.50"}
    assert existence.valider_faits({"reste_a_vivre": Decimal("-80")}) == {"reste_a_vivre": "-80.00"}
    assert existence.valider_faits({"reste_a_vivre": "450"}) == {"reste_a_vivre": "450.00"}
    for illisible in ("abc", "12,345", "1e3", "NaN", True, "9" * 30):
        with pytest.raises(ValidationError) as erreur:
            existence.valider_faits({"reste_a_vivre": illisible})
        assert erreur.value.message_dict["reste_a_vivre"] == [
            "Reste à vivre mensuel (€) : montant en euros attendu, par exemple 350 ou 350,50."
        ]
    with pytest.raises(ValidationError) as erreur:
        existence.valider_faits({"reste_a_vivre": "50000"})
    assert erreur.value.message_dict["reste_a_vivre"] == [
        "Reste à vivre mensuel (€) : montant attendu entre −10\u202f000 € et 20\u202f000 €."
    ]


@pytest.mark.parametrize("jour", ["0001-01-01", "9999-12-31"])
def test_date_de_fait_invraisemblable(jour):
    with pytest.raises(ValidationError) as erreur:
        AXES["existence"].valider_faits({"budget_evalue": jour})
    assert erreur.value.message_dict["budget_evalue"][0].startswith(
        "Budget évalué le : date invraisemblable"
    )


def test_un_fait_de_type_inconnu_est_refuse_a_la_declaration():
    with pytest.raises(ValueError, match="type 'nombre' inconnu"):
        Fait("x", "X", "nombre")


@pytest.mark.parametrize(
    ("saisie", "message"),
    [
        ("abc", "Montant en euros attendu, par exemple 350,50."),
        ("25000", "Assurez-vous que cette valeur est inférieure ou égale à 20"),
    ],
)
def test_formulaire_des_faits_refuse_un_montant_illisible(monde, saisie, message):
    a = monde["accompagnement"]
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    reponse = client.post(f"/accompagnements/{a.pk}/faits/", {"reste_a_vivre": saisie})
    assert reponse.status_code == 422
    assert message in " ".join(reponse.context["form_faits"].errors["reste_a_vivre"])
    a.refresh_from_db()
    assert "reste_a_vivre" not in a.faits


def test_formulaire_des_faits_accepte_un_montant_a_la_francaise(monde):
    a = monde["accompagnement"]
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    reponse = client.post(f"/accompagnements/{a.pk}/faits/", {"reste_a_vivre": "-120,50"})
    assert reponse.status_code == 302
    a.refresh_from_db()
    assert a.faits["reste_a_vivre"] == "-120.50"
    page = client.get(f"/accompagnements/{a.pk}/").content.decode()
    assert 'value="-120,50"' in page  # le formulaire le rend à la française
    assert "<dd>-120,50\u00a0€</dd>" in page  # et la fiche aussi


def test_un_fait_s_affiche_a_la_francaise():
    faits = {f.code: f for d in AXES.values() for f in d.faits}
    assert faits["reste_a_vivre"].afficher("1234.50") == "1\u202f234,50\u00a0€"
    assert faits["reste_a_vivre"].afficher("-80.00") == "-80,00\u00a0€"
    assert faits["reste_a_vivre"].afficher("") == "—"
    assert faits["budget_evalue"].afficher("2026-03-05") == "05/03/2026"
    assert faits["demande_siao"].afficher(False) == "non"
    assert (
        faits["recours_dalo"].afficher(faits["recours_dalo"].choix[0][0])
        == (faits["recours_dalo"].choix[0][1])
    )
    assert faits["demarches_en_cours"].afficher("Titre de séjour") == "Titre de séjour"


# --- Parcours de toutes les URL ---------------------------------------------------------------

#: La batterie de mauvaises valeurs, essayée dans chaque paramètre et chaque champ.
BATTERIE = {
    "non_entier": "abc",
    "negatif": "-1",
    "enorme": ENORME,
    "an_1": "0001-01-01",
    "an_9999": "9999-12-31",
    "date_inexistante": "2026-02-30",
    "nul": NUL,
    "long": "x" * 10_000,
    "choix_inconnu": "choix-inconnu",
    "chiffre_exotique": "²",  # un chiffre pour `str.isdigit()`, pas pour `int()`
}
#: Dans l'administration technique (Django), quelques-unes suffisent.
BATTERIE_ADMIN = {k: BATTERIE[k] for k in ("non_entier", "enorme", "nul", "long")}
#: Les valeurs qui ont un sens pour une sorte de champ (les autres ne testent rien de plus) ;
#: dates, heures, nombres et paramètres sans champ : toute la batterie.
_TEXTE = ("enorme", "nul", "long")
_CHOIX = ("non_entier", "enorme", "nul", "choix_inconnu", "chiffre_exotique")
BATTERIE_PAR_SORTE = {
    "text": _TEXTE,
    "email": _TEXTE,
    "tel": _TEXTE,
    "search": _TEXTE,
    "textarea": ("nul", "long"),
    "select": _CHOIX,
    "radio": _CHOIX,
    "checkbox": _CHOIX,
    "hidden": ("non_entier", "enorme", "nul", "chiffre_exotique"),
}


def _batterie(champ, batterie=BATTERIE) -> dict:
    garder = BATTERIE_PAR_SORTE.get(champ["sorte"]) if champ else None
    return {k: v for k, v in batterie.items() if garder is None or k in garder}


#: Les bornes d'une période, même dans des champs cachés.
DATES = ("du", "au")


def _dates_ensemble(champs, base) -> list[dict]:
    """Toutes les dates d'un formulaire (ou des paramètres de départ) à la fois à l'an 1, puis
    à l'an 9999 : une période entière hors du calendrier, que chaque date seule ne montre pas."""
    dates = [nom for nom, champ in champs.items() if champ["sorte"] == "date"]
    dates += [nom for nom in DATES if nom in base and nom not in dates]
    if len(dates) < 2:
        return []
    return [
        dict.fromkeys(dates, debut) | {dates[-1]: fin}
        for debut, fin in (("0001-01-01", "0001-06-30"), ("9999-06-01", "9999-12-31"))
    ]


#: Paramètres d'URL lus hors des formulaires d'une page (liens produits ailleurs, htmx).
PARAMETRES_EN_PLUS = {
    "habitants:guichet": ["habitant", "page", "site"],
    "habitants:inscrire": ["q", "site"],
    "habitants:fusion_choisir": ["personne"],
    "accompagnement:mes_accompagnements": ["page"],
    "accompagnement:chercher_participants": ["q"],
    "droits:signalements": ["page"],
    "tableau_de_bord": ["periode", "du", "au", "sites", "axes"],
    "tableau_de_bord_axe": ["periode", "du", "au", "sites"],
    "export_tableau": ["periode", "du", "au", "sites", "axes"],
    "export_tableau_axe": ["periode", "du", "au", "sites"],
}
#: Champs qu'un formulaire reçoit d'un fragment htmx (cases des participants trouvés).
CHAMPS_EN_PLUS = {
    "enregistrer_seance": {
        "participants": {"sorte": "checkbox", "valeurs": [], "options": [], "attrs": {}}
    }
}
#: Les paramètres de l'administration technique (recherche, page, tri, filtres).
PARAMETRES_ADMIN = ["q", "p", "o", "e"]

#: Les valeurs de départ des paramètres d'une page, quand un paramètre n'est lu qu'avec
#: d'autres (une période choisie : ses dates).
PARAMETRES_DE_BASE = {
    nom: {"periode": "dates", "du": "2026-01-01", "au": "2026-03-31"}
    for nom in (
        "tableau_de_bord",
        "tableau_de_bord_axe",
        "export_tableau",
        "export_tableau_axe",
        "recalculer_tableau_de_bord",
        "recalculer_tableau_de_bord_axe",
    )
}
#: Les pages du tableau de bord (ccas_portal/pilotage), parcourues à part.
TABLEAU_DE_BORD = (
    "tableau_de_bord",
    "tableau_de_bord_axe",
    "recalculer_tableau_de_bord",
    "recalculer_tableau_de_bord_axe",
    "export_tableau",
    "export_tableau_axe",
)

MARQUES_D_ERREUR = ("is-invalid", "invalid-feedback", "alert-danger", "errorlist")
ANGLAIS = (
    "Enter a valid",
    "This field is required",
    "Select a valid choice",
    "Ensure this value",
    "Null characters are not allowed",
    "is not one of the available choices",
    "Not Found",
    "Forbidden",
    "Server Error",
)


def _texte(reponse) -> str:
    return html.unescape(reponse.content.decode(errors="replace"))


def _sans_balises(reponse) -> str:
    """Le texte de la page sans ses balises (le résumé des erreurs lie chaque libellé à son
    champ : « <a …>Commentaire</a> : … »)."""
    return re.sub(r"<[^>]+>", "", _texte(reponse))


class _Formulaires(HTMLParser):
    """Les formulaires d'une page : méthode, action, champs (nom, sorte, valeurs)."""

    def __init__(self):
        super().__init__()
        self.formulaires, self.liens, self.cibles_htmx = [], [], set()
        self._courant, self._select, self._textarea = None, None, None

    def handle_starttag(self, balise, attributs):
        a = dict(attributs)
        if "hx-target" in a and a["hx-target"].startswith("#"):
            self.cibles_htmx.add(a["hx-target"][1:])
        if balise == "a" and a.get("href"):
            self.liens.append(a["href"])
        if balise == "form":
            self._courant = {
                "methode": (a.get("method") or "get").lower(),
                "action": a.get("action") or a.get("hx-post") or a.get("hx-get") or "",
                "champs": {},
            }
            self.formulaires.append(self._courant)
            return
        if self._courant is None or not a.get("name"):
            return
        champs = self._courant["champs"]
        nom = a["name"]
        if balise == "input":
            sorte = (a.get("type") or "text").lower()
            if sorte == "submit":
                return
            champ = champs.setdefault(
                nom, {"sorte": sorte, "valeurs": [], "options": [], "attrs": a}
            )
            if sorte in ("checkbox", "radio"):
                champ["options"].append(a.get("value", "on"))
                if "checked" in a:
                    champ["valeurs"].append(a.get("value", "on"))
            else:
                champ["valeurs"] = [a.get("value", "")]
        elif balise == "select":
            self._select = champs.setdefault(
                nom, {"sorte": "select", "valeurs": [], "options": [], "attrs": a}
            )
        elif balise == "textarea":
            self._textarea = champs.setdefault(
                nom, {"sorte": "textarea", "valeurs": [""], "options": [], "attrs": a}
            )

    def handle_data(self, donnees):
        if self._textarea is not None:
            self._textarea["valeurs"] = [donnees.strip()]

    def handle_endtag(self, balise):
        if balise == "form":
            self._courant = None
        elif balise == "select":
            self._select = None
        elif balise == "textarea":
            self._textarea = None

    def handle_startendtag(self, balise, attributs):
        self.handle_starttag(balise, attributs)


def _analyser(page: str) -> _Formulaires:
    analyse = _Formulaires()
    # Les <option> : lues à part (valeur, sélection) et rangées dans leur <select>.
    analyse.feed(page)
    for formulaire in analyse.formulaires:
        for nom, champ in formulaire["champs"].items():
            if champ["sorte"] != "select":
                continue
            bloc = re.search(
                rf'<select[^>]*name="{re.escape(nom)}"[^>]*>(.*?)</select>', page, re.S
            )
            if not bloc:
                continue
            for option in re.finditer(r"<option([^>]*)>", bloc[1]):
                valeur = re.search(r'value="([^"]*)"', option[1])
                valeur = html.unescape(valeur[1]) if valeur else ""
                champ["options"].append(valeur)
                if "selected" in option[1]:
                    champ["valeurs"] = [valeur]
    return analyse


def _valeurs_de_base(formulaire) -> dict:
    """Ce qu'une personne enverrait sans rien changer, en cochant ce qui est obligatoire."""
    donnees = {}
    for nom, champ in formulaire["champs"].items():
        if nom == "csrfmiddlewaretoken":
            continue
        sorte, valeurs, options = champ["sorte"], champ["valeurs"], champ["options"]
        if sorte in ("checkbox", "radio") and len(options) > 1 and not valeurs:
            valeurs = options[:1]
        elif sorte == "select" and not any(valeurs) and options:
            obligatoire = "required" in champ["attrs"] or not valeurs
            valeurs = [next((o for o in options if o), "")] if obligatoire else valeurs
        elif "required" in champ["attrs"] and not any(valeurs):
            valeurs = [
                {"date": timezone.localdate().isoformat(), "number": "1"}.get(sorte, "Texte")
            ]
        if valeurs:
            donnees[nom] = valeurs if len(valeurs) > 1 else valeurs[0]
    return donnees


def _doit_etre_refusee(champ, cle: str, valeur: str) -> bool:
    """La valeur est-elle invalide pour ce champ, à coup sûr (un message est alors dû) ?"""
    sorte, attrs = champ["sorte"], champ["attrs"]
    if sorte == "hidden" or (sorte == "checkbox" and champ["options"] == ["on"]):
        return False  # un identifiant caché ; une case seule (tout texte la coche)
    if cle == "nul":
        return True
    if sorte in ("date", "time"):
        return True
    if sorte in ("select", "radio", "checkbox"):
        options = set(champ["options"])
        nul_booleen = options >= {"unknown", "true", "false"}  # NullBooleanField : tout = inconnu
        return valeur not in options and not nul_booleen and options != {"on"}
    if sorte == "number":
        if cle in ("negatif", "enorme"):
            borne = attrs.get("min") if cle == "negatif" else attrs.get("max")
            return borne is not None
        return True
    if cle == "long":
        return "maxlength" in attrs
    return False


def _motifs_d_url():
    """(nom, motif, vue) de toutes les URL du projet, administration technique comprise."""

    def parcourir(motifs, prefixe, espace):
        for motif in motifs:
            if isinstance(motif, URLResolver):
                nom = f"{espace}{motif.namespace}:" if motif.namespace else espace
                yield from parcourir(motif.url_patterns, prefixe + str(motif.pattern), nom)
            elif isinstance(motif, URLPattern):
                yield f"{espace}{motif.name}", prefixe + str(motif.pattern), motif.callback

    return list(parcourir(get_resolver().url_patterns, "", ""))


#: Les pages dont <pk> est la personne (fiche de l'accueil) ou le foyer (dossier social).
PAGES_DE_LA_PERSONNE = (
    "coordonnees",
    "adresse_foyer",
    "creer_foyer",
    "rattacher",
    "fusion_choisir",
    "fusion",
)
PAGES_DU_FOYER = (
    "modifier_logement",
    "ajouter_membre_existant",
    "ajouter_nouveau_membre",
    "terminer_appartenance",
    "rectifier_identite",
    "situation_personnelle",
    "sante",
    "ajouter_ressource",
    "corriger_ressource",
    "terminer_ressource",
)


def _identifiants(monde) -> dict:
    """(nom d'URL, paramètre) -> valeur réelle ; (None, paramètre) : pour toute URL."""
    a = monde["accompagnement"]
    return {
        ("habitants:fiche", "pk"): monde["parent"].pk,
        ("habitants:informer", "pk"): monde["parent"].pk,
        ("accompagnement:dossier", "pk"): monde["foyer"].pk,
        ("accompagnement:ouvrir", "pk"): monde["foyer"].pk,
        ("accompagnement:action_collective", "pk"): monde["collective"].pk,
        ("accompagnement:enregistrer_seance", "pk"): monde["collective"].pk,
        ("accompagnement:chercher_participants", "pk"): monde["collective"].pk,
        ("droits:changer_etat", "pk"): monde["signalement"].pk,
        ("droits:signalement", "pk"): monde["signalement"].pk,
        ("droits:attribuer", "pk"): monde["signalement"].pk,
        ("droits:progression", "pk"): monde["execution"].pk,
        **{
            ("droits:" + nom, "pk"): monde["demande"].pk
            for nom in ("demande", "completer_evaluation", "presenter", "transmettre")
        },
        ("droits:lettre", "pk"): monde["decision"].lettre.pk,
        ("droits:payer", "pk"): monde["decision"].pk,
        **{
            ("droits:" + nom, "pk"): monde["seance"].pk
            for nom in ("seance", "decider", "cloturer", "proces_verbal")
        },
        (None, "demande_pk"): monde["demande"].pk,
        **{("habitants:" + nom, "pk"): monde["parent"].pk for nom in PAGES_DE_LA_PERSONNE},
        **{("accompagnement:" + nom, "pk"): monde["foyer"].pk for nom in PAGES_DU_FOYER},
        (None, "membre_pk"): monde["membre"].pk,
        (None, "habitant_pk"): monde["parent"].pk,
        (None, "autre_pk"): monde["enfant"].pk,  # la seconde fiche d'une fusion
        (None, "ressource_pk"): monde["ressource"].pk,
        (None, "periode_pk"): monde["loyer"].pk,
        (None, "situation_pk"): monde["conjugale"].pk,
        (None, "pk"): a.pk,  # les pages de l'accompagnement
        (None, "action_pk"): monde["action"].pk,
        (None, "orientation_pk"): monde["orientation"].pk,
        (None, "foyer_pk"): monde["foyer"].pk,
        (None, "code"): monde["site"].code,
        (None, "axe"): "logement",
        (None, "extension"): "csv",
        (None, "app_label"): "habitants",
        (None, "url"): "inconnu/",
    }


def _chemin(nom, motif, vue, monde, remplacement=None):
    """Le chemin d'exemple du motif : vrais identifiants, sauf `remplacement` {param: valeur}."""
    ids = _identifiants(monde)
    modele_admin = getattr(vue, "model_admin", None)

    def valeur(m):
        parametre = m[2]
        if remplacement and parametre in remplacement:
            return remplacement[parametre]
        if parametre == "code" and nom.startswith(("tableau", "export", "recalculer")):
            return "par_site"
        if parametre in ("object_id", "id"):
            objet = modele_admin.model.objects.first() if modele_admin else None
            return str(objet.pk) if objet else "1"
        if parametre == "content_type_id":
            from django.contrib.contenttypes.models import ContentType

            return str(ContentType.objects.get_for_model(Habitant).pk)
        cle = (nom, parametre) if (nom, parametre) in ids else (None, parametre)
        assert cle in ids, f"{nom} : pas de valeur pour <{parametre}> dans _identifiants"
        return str(ids[cle])

    chemin = motif
    if chemin.startswith("^") or "(?P<" in chemin:  # motifs regex de l'administration
        chemin = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: valeur((None, None, m[1])), chemin)
        chemin = chemin.replace("^", "").replace("$", "").replace("\\", "")
    chemin = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: valeur((None, m[1], m[2])), chemin)
    return "/" + chemin


def _refuser_nul(execute, sql, params, many, context):
    """Comme PostgreSQL : une chaîne avec un octet nul est refusée par la base (SQLite, lui,
    l'accepterait et cacherait le défaut)."""
    lignes = params if many else [params]
    for ligne in lignes or []:
        valeurs = ligne.values() if isinstance(ligne, dict) else (ligne or [])
        if any(isinstance(v, str) and "\x00" in v for v in valeurs):
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")
    return execute(sql, params, many, context)


class _Parcours:
    """Envoie les requêtes (chacune annulée ensuite : l'état reste celui du départ) et note
    les défauts."""

    def __init__(self, client):
        self.client = client
        self.defauts: list[str] = []
        self.nombre = 0

    def envoyer(self, methode, chemin, donnees=None, entetes=None, *, attendu_refus=False):
        self.nombre += 1
        with transaction.atomic():
            reponse = getattr(self.client, methode)(
                chemin, donnees or {}, follow=methode == "post", **(entetes or {})
            )
            transaction.set_rollback(True)
        quoi = f"{methode.upper()} {chemin} {_resume(donnees)}"
        if reponse.status_code >= 500:
            cause = reponse.exc_info[1] if getattr(reponse, "exc_info", None) else ""
            self.defauts.append(f"{reponse.status_code} : {quoi} — {cause!r}"[:400])
            return reponse
        if reponse.get("Content-Type", "").startswith("text/html"):
            texte = _texte(reponse)
            anglais = [m for m in ANGLAIS if m in texte]
            if anglais:
                self.defauts.append(f"message en anglais {anglais} : {quoi}")
            if (
                reponse.status_code >= 400
                and reponse.status_code != 405
                and 'lang="fr"' not in texte
            ):
                self.defauts.append(f"{reponse.status_code} sans page en français : {quoi}")
            refusee = reponse.status_code >= 400 or any(m in texte for m in MARQUES_D_ERREUR)
            if attendu_refus and not refusee:
                self.defauts.append(f"valeur acceptée sans message : {quoi}")
        return reponse


@contextmanager
def _sans_releve_des_gabarits():
    """Le client de test copie le contexte de chaque gabarit rendu, widgets compris, pour
    `reponse.context` et `reponse.templates`, que le parcours ne lit pas : sans cette copie,
    ses milliers de pages se rendent ≈ 30 % plus vite. Statut, contenu, en-têtes et exception
    d'une erreur 500 (`exc_info`) restent ceux de la réponse."""

    def ne_rien_garder(*args, **kwargs):
        pass

    with mock.patch("django.test.client.store_rendered_templates", ne_rien_garder):
        yield


def _resume(donnees) -> str:
    if not donnees:
        return ""
    return str(
        {k: (v[:20] + "…" if isinstance(v, str) and len(v) > 20 else v) for k, v in donnees.items()}
    )


def _parcourir(monde, role, inclure) -> _Parcours:
    """Parcourt les URL dont le nom satisfait `inclure`, avec l'agent de ce rôle."""
    agent = monde["agents"][role]
    parcours = _Parcours(_client(agent))
    admin = role == Role.ADMIN
    motifs = [
        (nom, motif, vue)
        for nom, motif, vue in _motifs_d_url()
        if nom != "connexion" and (admin or not nom.startswith("admin:")) and inclure(nom)
    ]
    pages, formulaires = {}, []
    # 1. Chaque page, avec de vrais identifiants ; ses formulaires sont notés.
    for nom, motif, vue in motifs:
        chemin = _chemin(nom, motif, vue, monde)
        reponse = parcours.envoyer("get", chemin)
        pages[nom] = (chemin, reponse)
        if reponse.status_code == 200:
            html_ = "text/html" in reponse.get("Content-Type", "")
            analyse = _analyser(reponse.content.decode() if html_ else "")
            pages[nom] = (chemin, reponse, analyse)
            for f in analyse.formulaires:
                f["page"] = chemin
                formulaires.append(f)
    # 2. Les identifiants du chemin : démesuré, inconnu, illisible.
    for nom, motif, vue in motifs:
        for parametre in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", motif):
            parametre = next(p for p in parametre if p)
            admin_technique = nom.startswith("admin:")
            for mauvais in (ENORME, "inconnu") if admin_technique else (ENORME, "x" * 300):
                try:
                    chemin = _chemin(nom, motif, vue, monde, {parametre: mauvais})
                    resolve(chemin)
                except Resolver404:
                    continue
                for methode in ("get",) if admin_technique else ("get", "post"):
                    parcours.envoyer(methode, chemin)
    # 3. Les paramètres de chaque page lue (GET) : ceux de ses formulaires, de ses liens, et
    # ceux lus ailleurs ; chacun avec chaque valeur de la batterie.
    for nom, valeurs in pages.items():
        if len(valeurs) < 3:
            continue
        chemin, _, analyse = valeurs
        noms = set(PARAMETRES_EN_PLUS.get(nom, []))
        champs = {}
        for f in analyse.formulaires:
            if f["methode"] == "get" and urlsplit(f["action"]).path in ("", chemin):
                noms |= set(f["champs"])
                champs.update(f["champs"])
        for lien in analyse.liens:
            decoupe = urlsplit(html.unescape(lien))
            if decoupe.path in ("", chemin):
                noms |= {k for k, _ in parse_qsl(decoupe.query)}
        if nom.startswith("admin:") and nom.endswith("_changelist"):
            noms |= set(PARAMETRES_ADMIN)
        batterie = BATTERIE_ADMIN if nom.startswith("admin:") else BATTERIE
        base = PARAMETRES_DE_BASE.get(nom, {})
        for parametre in sorted(noms):
            champ = champs.get(parametre)
            for cle, valeur in _batterie(champ, batterie).items():
                refus = bool(champ) and _doit_etre_refusee(champ, cle, valeur)
                parcours.envoyer("get", chemin, {**base, parametre: valeur}, attendu_refus=refus)
            for cible in analyse.cibles_htmx:
                entetes = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": cible}
                for cle in ("non_entier", "enorme", "nul"):
                    parcours.envoyer("get", chemin, {parametre: BATTERIE[cle]}, entetes)
        for dates in _dates_ensemble(champs, base):
            parcours.envoyer("get", chemin, {**base, **dates}, attendu_refus=True)
    # 4. Chaque formulaire POST, champ par champ : les valeurs de départ, sauf une mauvaise.
    vus = set()
    for f in formulaires:
        if (
            f["methode"] != "post"
            or not f["action"]
            or f["action"].startswith("/administration/technique")
        ):
            continue
        action = urlsplit(html.unescape(f["action"]))
        nom_vue = resolve(action.path).url_name
        if not inclure(nom_vue):
            continue
        f["champs"] = {**CHAMPS_EN_PLUS.get(nom_vue, {}), **f["champs"]}
        cible = action.path + (f"?{action.query}" if action.query else "")
        cle_formulaire = (cible, tuple(sorted(f["champs"])))
        if cle_formulaire in vus:
            continue
        vus.add(cle_formulaire)
        base = {**_valeurs_de_base(f), **PARAMETRES_DE_BASE.get(nom_vue, {})}
        # Sans htmx : la page entière revient, avec ses erreurs (ou la redirection).
        for nom_champ, champ in f["champs"].items():
            if nom_champ == "csrfmiddlewaretoken":
                continue
            for cle, valeur in _batterie(champ).items():
                donnees = {**base, nom_champ: valeur}
                refus = _doit_etre_refusee(champ, cle, valeur)
                parcours.envoyer("post", cible, donnees, attendu_refus=refus)
        for dates in _dates_ensemble(f["champs"], base):
            parcours.envoyer("post", cible, {**base, **dates}, attendu_refus=True)
    return parcours


def _verifier(parcours):
    assert parcours.nombre > 50
    defauts = parcours.defauts
    assert not defauts, f"{len(defauts)} défauts sur {parcours.nombre} requêtes :\n" + "\n".join(
        defauts[:80]
    )


@pytest.mark.parametrize("role", Role.values)
def test_aucune_url_ne_repond_500_a_une_mauvaise_valeur(monde, role):
    with connection.execute_wrapper(_refuser_nul), _sans_releve_des_gabarits():
        parcours = _parcourir(monde, role, lambda nom: nom not in TABLEAU_DE_BORD)
    _verifier(parcours)


def test_le_tableau_de_bord_ne_repond_pas_500_a_une_mauvaise_valeur(monde):
    with connection.execute_wrapper(_refuser_nul), _sans_releve_des_gabarits():
        parcours = _parcourir(monde, Role.RESPONSABLE, lambda nom: nom in TABLEAU_DE_BORD)
    _verifier(parcours)


def test_la_connexion_ne_repond_pas_500_a_une_mauvaise_valeur(monde):
    parcours = _Parcours(Client(raise_request_exception=False))
    with connection.execute_wrapper(_refuser_nul):
        for champ in ("username", "password", "next"):
            for valeur in BATTERIE.values():
                donnees = {"username": "inconnu", "password": "secret", champ: valeur}
                parcours.envoyer("post", "/connexion/", donnees, attendu_refus=True)
            parcours.envoyer("get", "/connexion/", {champ: BATTERIE["nul"]})
    assert not parcours.defauts, "\n".join(parcours.defauts)


def test_un_reste_a_vivre_saisi_en_texte_avant_le_type_montant_reste_lisible(monde):
    a = monde["accompagnement"]
    Accompagnement.objects.filter(pk=a.pk).update(faits={"reste_a_vivre": "environ 300"})
    client = _client(monde["agents"][Role.TRAVAILLEUR_SOCIAL])
    reponse = client.get(f"/accompagnements/{a.pk}/")
    assert reponse.status_code == 200
    assert "<dd>environ 300</dd>" in reponse.content.decode()
