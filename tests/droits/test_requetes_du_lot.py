"""Le nombre de requêtes SQL d'un lot de la détection ne dépend pas de sa taille : un lot de N
foyers et un lot de 3N font exactement les mêmes requêtes (chargement, décision, écritures en
masse), nombre épinglé par moteur de base de données."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from droits.detection import execution as detection
from droits.models import ExecutionDetection, Signalement
from tests.droits.conftest import MOIS, creer_foyer
from tests.factories import AgentFactory, SiteFactory

pytestmark = pytest.mark.django_db

#: Requêtes d'un lot (première exécution : signalements créés ; seconde : signalements revus
#: et « plus détectés »), par moteur. Le COPY de PostgreSQL ne passe pas par le curseur
#: compté de Django : seules ses tables temporaires et mises à jour comptent.
REQUETES = {
    "sqlite": {"premiere": 31, "seconde": 37},
    "postgresql": {"premiere": 32, "seconde": 42},
}


def foyers_varies(ts, n: int) -> None:
    """`n` fois la même variété de foyers : sans revenu (trois droits légaux), aisé (aucun),
    jeune adulte sans ressource et aîné isolé (règles locales), sans date de naissance
    (incomplet)."""
    for i in range(n):
        creer_foyer(ts, (f"Karim{i}", date(1991, 1, 1), "demandeur"))
        creer_foyer(
            ts,
            ("Claire", date(1975, 1, 1), "demandeur", [("salaire_net", "6000", date(2020, 1, 1))]),
            loyer="900",
        )
        creer_foyer(ts, (f"Inès{i}", date(2004, 3, 1), "demandeur"), loyer="0", statut="heberge")
        creer_foyer(
            ts,
            ("Marcel", date(1948, 2, 1), "demandeur", [("retraite", "1900", date(2010, 1, 1))]),
            loyer="500",
            statut="proprietaire",
        )
        creer_foyer(ts, (f"Sans date{i}", None, "demandeur"))


def requetes_du_lot(site) -> list[str]:
    execution = ExecutionDetection.objects.create(
        declencheur="test", perimetre="site", site=site, mois_cible=MOIS
    )
    [lot] = detection.preparer(execution.pk)
    with CaptureQueriesContext(connection) as requetes:
        detection.traiter_lot(lot)
    execution.refresh_from_db()
    assert execution.statut == "terminee"
    return [q["sql"] for q in requetes.captured_queries]


def test_le_nombre_de_requetes_d_un_lot_ne_depend_pas_de_sa_taille(referentiels):
    petit, grand = SiteFactory(code="mdh-petit-lot"), SiteFactory(code="mdh-grand-lot")
    n = 1
    foyers_varies(AgentFactory(role="travailleur_social", sites=[petit]), n)
    foyers_varies(AgentFactory(role="travailleur_social", sites=[grand]), 3 * n)

    premiere = requetes_du_lot(petit), requetes_du_lot(grand)
    assert (
        Signalement.objects.filter(foyer__site=grand).count()
        == 3 * (Signalement.objects.filter(foyer__site=petit).count())
        > 0
    )

    # Seconde exécution : chaque signalement du RSA a un autre montant (revu) et chaque CSS
    # devient une prestation que le foyer n'a pas (l'ASPA : marquée « plus détectée »), la CSS
    # est signalée de nouveau.
    Signalement.objects.filter(prestation="rsa").update(montant_estime=Decimal("1.00"))
    perdus = Signalement.objects.filter(prestation="css_gratuite").update(prestation="aspa")
    assert perdus > 0
    seconde = requetes_du_lot(petit), requetes_du_lot(grand)
    revus = Signalement.objects.filter(prestation="rsa", montant_estime=Decimal("1.00"))
    assert not revus.exists()
    assert Signalement.objects.filter(toujours_detecte=False).count() == perdus

    # Le même nombre pour N et 3N foyers, et le nombre épinglé (les requêtes du grand lot
    # s'affichent si l'un ou l'autre change).
    comptes = {"premiere": [len(r) for r in premiere], "seconde": [len(r) for r in seconde]}
    attendu = {cle: [nombre, nombre] for cle, nombre in REQUETES[connection.vendor].items()}
    assert comptes == attendu, "\n".join([*premiere[1], "---", *seconde[1]])
