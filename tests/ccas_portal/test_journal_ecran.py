"""L'écran du journal des accès (administrateur) : filtres, pagination, export CSV."""

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ccas_portal.journal import journaliser
from ccas_portal.models import EntreeJournal
from tests import roles_de_test
from tests.factories import AgentFactory, foyer, habitant
from tests.texte import texte_visible

pytestmark = pytest.mark.django_db(transaction=roles_de_test.DEUX_ROLES)


def _le(jour, heure=10):
    return timezone.make_aware(datetime.combine(jour, datetime.min.time()).replace(hour=heure))


def _entree(agent, action="consultation", objet=None, quand=None, **champs):
    if quand is None:
        return journaliser(agent=agent, action=action, objet=objet, **champs)
    # Une entrée datée du passé : écrite directement (comme le ferait la reprise d'un ancien
    # journal par le rôle propriétaire).
    return roles_de_test.entree_datee(
        agent=agent,
        agent_libelle=agent.get_full_name(),
        action=action,
        objet_type=objet._meta.label_lower if objet else champs.get("objet_type", ""),
        objet_id=str(objet.pk) if objet else champs.get("objet_id", ""),
        horodatage=quand,
    )


@pytest.fixture
def admin(client):
    agent = AgentFactory(admin=True)
    client.force_login(agent)
    return agent


def _lignes(reponse):
    """Les cellules de chaque ligne du tableau des entrées, en texte lisible."""
    page = reponse.content.decode()
    corps = re.search(r"(?s)<tbody>(.*?)</tbody>", page)
    if corps is None:
        return []
    return [
        tuple(texte_visible(c) for c in re.findall(r"(?s)<td[^>]*>(.*?)</td>", ligne))
        for ligne in re.findall(r"(?s)<tr>(.*?)</tr>", corps[1])
    ]


def _erreur_sous(reponse, champ):
    trouve = re.search(rf'(?s)id="error_\d+_id_{champ}"[^>]*>(.*?)</p>', reponse.content.decode())
    return texte_visible(trouve[1]) if trouve else None


@pytest.mark.parametrize("role", ["accueil", "travailleur_social", "responsable"])
def test_le_journal_est_reserve_a_l_administrateur(client, role):
    client.force_login(AgentFactory(role=role))
    assert client.get(reverse("journal")).status_code == 403
    assert client.get(reverse("export_journal")).status_code == 403


def test_le_menu_de_l_administrateur_mene_au_journal(client, admin):
    page = client.get(reverse("administration"))
    assert reverse("journal") in page.content.decode()


def test_filtres_agent_action_dates(client, admin):
    ts = AgentFactory(travailleur_social=True, prenom="Zoé", nom="Lambert")
    autre = AgentFactory(travailleur_social=True)
    h = habitant(ts)
    aujourd_hui = timezone.localdate()
    _entree(ts, objet=h, quand=_le(aujourd_hui - timedelta(days=10)))
    _entree(ts, objet=h, quand=_le(aujourd_hui - timedelta(days=2)))
    _entree(
        ts,
        action="export",
        objet_type="tableau de bord",
        quand=_le(aujourd_hui - timedelta(days=2)),
    )
    _entree(autre, objet=h, quand=_le(aujourd_hui - timedelta(days=2)))

    reponse = client.get(
        reverse("journal"),
        {
            "agent": ts.pk,
            "action": "consultation",
            "du": (aujourd_hui - timedelta(days=3)).isoformat(),
            "au": aujourd_hui.isoformat(),
        },
    )
    assert reponse.status_code == 200
    lignes = _lignes(reponse)
    assert len(lignes) == 1
    assert lignes[0][1] == "Zoé Lambert"
    assert lignes[0][2] == "Consultation"
    assert lignes[0][3] == f"Fiche de la personne : {h}"
    assert "1 entrée" in reponse.content.decode()


def test_filtre_personne_par_nom_sans_accent_ou_numero(client, admin):
    ts = AgentFactory(travailleur_social=True)
    h = habitant(ts, nom_usage="Lefèvre", prenoms="Hélène")
    autre = habitant(ts, nom_usage="Durand", prenoms="Paul")
    f = foyer(ts)
    from habitants.services import rattacher_au_foyer

    rattacher_au_foyer(
        agent=ts, habitant=h, foyer=f, role="demandeur", date_debut=timezone.localdate()
    )
    _entree(ts, objet=h)
    _entree(ts, objet=f)  # le dossier de son foyer montre ses données
    _entree(ts, objet=autre)

    for texte in ("lefevre helene", "LEFÈVRE", f"{h.pk}", f"n° {h.pk}"):
        lignes = _lignes(
            client.get(reverse("journal"), {"personne": texte, "action": "consultation"})
        )
        objets = {ligne[3] for ligne in lignes}
        assert objets == {f"Fiche de la personne : {h}", "Dossier du foyer"}, texte


def test_filtre_personne_les_lectures_du_foyer_depuis_son_arrivee(client, admin):
    """Le dossier d'un foyer ne montrait pas une personne avant son arrivée : ces lectures-là
    ne sont pas dans son journal ; celles d'après son départ y restent (historique)."""
    from habitants.services import rattacher_au_foyer

    ts = AgentFactory(travailleur_social=True)
    h = habitant(ts, nom_usage="Arrivante", prenoms="Lou")
    f = foyer(ts)
    arrivee = timezone.localdate() - timedelta(days=10)
    rattacher_au_foyer(agent=ts, habitant=h, foyer=f, role="demandeur", date_debut=arrivee)
    _entree(ts, objet=f, quand=_le(arrivee - timedelta(days=1), heure=23))
    _entree(ts, objet=f, quand=_le(arrivee, heure=0))
    _entree(ts, objet=f)
    lignes = _lignes(
        client.get(reverse("journal"), {"personne": f"{h.pk}", "action": "consultation"})
    )
    dossiers = [ligne for ligne in lignes if ligne[3] == "Dossier du foyer"]
    assert len(dossiers) == 2
    assert not any(f"{arrivee - timedelta(days=1):%d/%m/%Y}" in " ".join(x) for x in dossiers)


def test_une_personne_introuvable_ne_montre_aucune_entree(client, admin):
    _entree(AgentFactory(), objet_type="test")
    reponse = client.get(reverse("journal"), {"personne": "xqzw"})
    assert (
        _erreur_sous(reponse, "personne") == "Aucune personne ne correspond à ce nom ou ce numéro."
    )
    assert _lignes(reponse) == []
    assert "Aucune entrée ne correspond." in reponse.content.decode()
    export = client.get(reverse("export_journal"), {"personne": "xqzw"})
    assert export.content.decode("utf-8-sig").rstrip().endswith("Détails")


def test_lire_le_journal_d_une_personne_est_journalise(client, admin):
    h = habitant(AgentFactory(accueil=True), nom_usage="Berger")
    client.get(reverse("journal"), {"personne": "berger"})
    lecture = EntreeJournal.objects.get(agent=admin, objet_type="ccas_portal.entreejournal")
    assert lecture.action == "consultation"
    assert lecture.details == {"filtres": {"personne": "berger"}}
    # Parcourir le journal sans chercher une personne n'ajoute rien.
    client.get(reverse("journal"))
    assert EntreeJournal.objects.filter(agent=admin).count() == 1
    assert h


@pytest.mark.parametrize(
    ("donnees", "champ", "message"),
    [
        ({"du": "2026-03-10", "au": "2026-03-01"}, "au", "La date de fin doit suivre"),
        ({"du": "32/13/2026"}, "du", "Saisissez une date valide"),
        ({"personne": "xqzw inconnu"}, "personne", "Aucune personne ne correspond"),
        ({"agent": "999999"}, "agent", "Sélectionnez un choix valide"),
        ({"action": "effacer"}, "action", "Sélectionnez un choix valide"),
        ({"page": "abc"}, None, None),
    ],
)
def test_une_valeur_illisible_est_signalee_sous_son_champ(client, admin, donnees, champ, message):
    _entree(AgentFactory(), objet_type="test")
    reponse = client.get(reverse("journal"), donnees)
    assert reponse.status_code == 200
    if champ:
        erreur = _erreur_sous(reponse, champ)
        assert erreur is not None
        assert message in erreur


def test_pagination_par_50(client, admin):
    agent = AgentFactory()
    for i in range(60):
        _entree(agent, objet_type="test", objet_id=str(i))
    page1 = client.get(reverse("journal"))
    assert len(_lignes(page1)) == 50
    assert "page 1 sur 2" in page1.content.decode()
    page2 = client.get(reverse("journal"), {"page": 2})
    assert len(_lignes(page2)) == 10  # l'entrée la plus ancienne en dernier
    assert _lignes(page2)[-1][4] == "0"


def test_nombre_de_requetes_constant(client, admin, snapshot_requetes):
    agent = AgentFactory()
    for _ in range(30):
        _entree(agent, objet=habitant(agent))
    with snapshot_requetes():
        client.get(reverse("journal"))


def test_export_csv_filtre_neutralise_et_journalise(client, admin):
    piege = AgentFactory(prenom='=HYPERLINK("http://x")', nom="-Piège")
    h = habitant(piege, nom_usage="@Nom", prenoms="+Prénom")
    _entree(piege, objet=h)
    _entree(AgentFactory(), objet_type="autre")
    reponse = client.get(reverse("export_journal"), {"agent": piege.pk, "action": "consultation"})
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in reponse["Content-Disposition"]
    lignes = list(csv.reader(io.StringIO(reponse.content.decode("utf-8-sig")), delimiter=";"))
    en_tete = lignes.index(
        [
            "Date et heure",
            "Agent",
            "Action",
            "Objet",
            "Type",
            "Identifiant",
            "Adresse IP",
            "Détails",
        ]
    )
    donnees = lignes[en_tete + 1 :]
    assert len(donnees) == 1
    assert donnees[0][1] == '\'=HYPERLINK("http://x") -Piège'
    assert donnees[0][3] == f"Fiche de la personne : {h}"
    assert all(not c.startswith(("=", "+", "-", "@")) for ligne in lignes for c in ligne)
    export = EntreeJournal.objects.get(agent=admin, action="export")
    assert export.objet_type == "ccas_portal.entreejournal"
    assert export.details == {"filtres": {"agent": piege.pk, "action": "consultation"}}
