from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accompagnement import services
from tests.accompagnement.conftest import ouvrir
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db
URL = reverse("accompagnement:mes_accompagnements")


def lignes(reponse):
    return reponse.content.decode().count("<td>Référent</td>") + reponse.content.decode().count(
        "<td>Co-intervenant</td>"
    )


def test_portefeuille_filtres_et_tri(client, ts, famille, site):
    logement = ouvrir(ts, famille, axe="logement", date_ouverture=date(2026, 1, 5))
    sante = ouvrir(ts, famille, axe="sante", date_ouverture=date(2026, 2, 5))
    objectif = services.ajouter_objectif(agent=ts, accompagnement=sante, libelle="CSS")
    services.ajouter_action(
        agent=ts, objectif=objectif, libelle="Dossier", echeance=date(2026, 3, 1)
    )
    services.enregistrer_intervention(
        agent=ts, accompagnement=logement, type="appel", date_intervention=timezone.localdate()
    )
    services.changer_statut(agent=ts, accompagnement=logement, statut="en_cours")
    autre = AgentFactory(role="travailleur_social", sites=[site])
    ouvrir(autre, famille, axe="existence")  # pas dans mon portefeuille
    client.force_login(ts)
    assert lignes(client.get(URL)) == 2
    html = client.get(URL, {"axe": "sante"}).content.decode()
    assert "Santé" in html
    assert "01/03/2026" in html  # prochaine échéance
    assert lignes(client.get(URL, {"axe": "sante"})) == 1
    assert lignes(client.get(URL, {"statut": "en_cours"})) == 1
    assert lignes(client.get(URL, {"echeance_avant": "2026-03-31"})) == 1
    # Sans intervention depuis 30 jours : seul l'accompagnement santé (aucune intervention).
    assert lignes(client.get(URL, {"sans_intervention_depuis": 30})) == 1
    html = client.get(URL, {"tri": "date_ouverture"}).content.decode()
    assert html.index("05/01/2026") < html.index("05/02/2026")
    html = client.get(URL, {"tri": "-date_ouverture"}).content.decode()
    assert html.index("05/02/2026") < html.index("05/01/2026")


def test_filtre_invalide_message_en_francais(client, ts):
    client.force_login(ts)
    html = client.get(URL, {"sans_intervention_depuis": "-3"}).content.decode()
    assert "supérieure ou égale à 1" in html


def test_l_accueil_n_a_pas_de_portefeuille(client, site):
    client.force_login(AgentFactory(role="accueil", sites=[site]))
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("n", [2, 200])
def test_nombre_de_requetes_constant(client, ts, famille, n, snapshot_requetes):
    for i in range(n):
        a = ouvrir(ts, famille, date_ouverture=date(2026, 1, 1) + timedelta(days=i % 20))
        services.enregistrer_intervention(
            agent=ts, accompagnement=a, type="appel", date_intervention=date(2026, 2, 1)
        )
    client.force_login(ts)
    # session, agent, sites (filtre), axes (filtre), page avec total, demandeurs, menu,
    # demandes de partage reçues ; puis le périmètre des signalements (identifiants des sites
    # de l'agent) et les premiers signalements qui lui sont attribués (leurs demandeurs et leur
    # nombre seulement quand il y en a : aucun ici)
    with snapshot_requetes():
        reponse = client.get(URL)
    assert lignes(reponse) == min(n, 25)


def test_tri_departage_par_identifiant_pour_une_pagination_stable(ts, famille):
    from accompagnement.filters import PortefeuilleFilter
    from accompagnement.selectors import portefeuille

    meme_jour = [ouvrir(ts, famille, date_ouverture=date(2026, 1, 5)) for _ in range(4)]
    for tri in ("date_ouverture", "-date_ouverture", "prochaine_echeance"):
        filtre = PortefeuilleFilter({"tri": tri}, queryset=portefeuille(ts), agent=ts)
        assert [a.pk for a in filtre.qs] == sorted(a.pk for a in meme_jour)
        # L'ordre des égalités ne doit rien au hasard du plan de la base.
        assert filtre.qs.query.order_by[-1] == "id"
