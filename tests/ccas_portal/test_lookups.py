"""`__parmi` : mêmes lignes que `__in`, mais un seul paramètre (un tableau) sur PostgreSQL."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ccas_portal.lookups import TROUS_MAX, Identifiants
from droits.models import Signalement
from habitants.models import Foyer
from tests.droits.conftest import creer_foyer
from tests.factories import AgentFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def foyers(referentiels):
    ts = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-parmi")])
    foyers = [creer_foyer(ts, (p, date(1980, 1, 1), "demandeur"))[0] for p in ("Ana", "Bo", "Cy")]
    for foyer, code in zip(foyers, ("rsa", "aspa", "rsa"), strict=True):
        Signalement.objects.create(foyer=foyer, prestation_id=code, montant_estime=1, empreinte="e")
    return foyers


def test_parmi_rend_les_memes_lignes_que_in(foyers):
    a, _, c = foyers
    for ids in ([a.pk, c.pk], [a.pk, None], [], [c.pk, c.pk, 10**9]):
        assert set(Foyer.objects.filter(pk__parmi=ids)) == set(Foyer.objects.filter(pk__in=ids))
        # Clé étrangère, par son nom de colonne et par la relation.
        par_colonne = Signalement.objects.filter(foyer_id__parmi=ids)
        assert set(par_colonne) == set(Signalement.objects.filter(foyer_id__in=ids))
        assert set(Signalement.objects.filter(foyer__parmi=ids)) == set(par_colonne)
    # Des instances, un ensemble, des codes (clé étrangère vers une clé texte).
    assert set(Signalement.objects.filter(foyer__parmi=[a, c])) == set(
        Signalement.objects.filter(foyer__in=[a, c])
    )
    assert Foyer.objects.filter(pk__parmi={a.pk, c.pk}).count() == 2
    assert Signalement.objects.filter(prestation_id__parmi=["aspa"]).get().foyer == foyers[1]
    assert Signalement.objects.filter(prestation__parmi=("rsa", "aah")).count() == 2
    # Combinée à d'autres conditions.
    assert list(
        Signalement.objects.filter(foyer_id__parmi=[a.pk, c.pk], prestation_id="rsa")
        .order_by("foyer_id")
        .values_list("foyer_id", flat=True)
    ) == [a.pk, c.pk]


@pytest.mark.parametrize("en_identifiants", [False, True])
def test_parmi_envoie_un_seul_parametre_sur_postgresql(foyers, en_identifiants):
    """Une liste, ou des `Identifiants` : sur PostgreSQL, un seul paramètre (le tableau ;
    pour `Identifiants`, un seul texte) ; sur SQLite, `IN` ordinaire pour une liste, un seul
    texte JSON pour des `Identifiants`."""
    ids = [f.pk for f in foyers] + list(range(10**6, 10**6 + 2000))
    valeur = Identifiants(ids) if en_identifiants else ids
    with CaptureQueriesContext(connection) as requetes:
        assert Foyer.objects.filter(pk__parmi=valeur).count() == 3
    sql = requetes.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
        assert "IN (" not in sql
        # Des `Identifiants` : le tableau dans une sous-requête que le planificateur ne lit
        # pas (ADR 0042) ; une liste reste visible, comme `__in`.
        assert ("= ANY((SELECT " in sql) is en_identifiants
    elif en_identifiants:
        assert "IN (SELECT value FROM json_each(" in sql
        assert str(10**6 + 1999) in sql  # le texte JSON, un seul paramètre
    else:
        assert "IN (" in sql


def test_identifiants_plus_nombreux_que_les_parametres_permis(foyers):
    """Des dizaines de milliers d'identifiants (les personnes d'un gros lot) : une seule
    valeur envoyée, quelle que soit la limite de paramètres de la base (32 766 pour une
    compilation par défaut de SQLite)."""
    ids = [f.pk for f in foyers] + list(range(10**6, 10**6 + 40000))
    assert Foyer.objects.filter(pk__parmi=Identifiants(ids)).count() == 3
    assert Signalement.objects.filter(foyer_id__parmi=Identifiants(ids)).count() == 3


def test_identifiants_rendent_les_memes_lignes_que_in(foyers):
    """`Identifiants` (le chemin chaud de la détection) : les mêmes lignes que `__in`, pour
    une clé primaire et une clé étrangère (par sa colonne et par la relation), vide, en
    double, absents."""
    # L'ORM parcourt tout ce qui a un `__iter__` (résolution, contrôle des objets liés).
    assert not hasattr(Identifiants([1]), "__iter__")
    a, _, c = foyers
    for ids in ([a.pk, c.pk], [], [c.pk, c.pk, 10**9]):
        attendus = set(Foyer.objects.filter(pk__in=ids))
        assert set(Foyer.objects.filter(pk__parmi=Identifiants(ids))) == attendus
        par_colonne = set(Signalement.objects.filter(foyer_id__parmi=Identifiants(ids)))
        assert par_colonne == set(Signalement.objects.filter(foyer_id__in=ids))
        assert set(Signalement.objects.filter(foyer__parmi=Identifiants(ids))) == par_colonne
    assert list(
        Signalement.objects.filter(foyer_id__parmi=Identifiants([a.pk, c.pk]), prestation_id="rsa")
        .order_by("foyer_id")
        .values_list("foyer_id", flat=True)
    ) == [a.pk, c.pk]


def test_identifiants_en_intervalle_rendent_les_memes_lignes(foyers):
    """Des identifiants qui se suivent (les foyers d'un lot « tous ») sont lus par leur
    intervalle sur PostgreSQL, les trous exclus ; éparpillés, par le tableau (ADR 0047). Les
    lignes sont toujours celles de `__in` : un trou ne ramène pas la ligne qui y serait."""
    a, b, c = sorted(foyers, key=lambda f: f.pk)
    assert (a.pk + 1, a.pk + 2) == (b.pk, c.pk)
    autres = list(range(10**6, 10**6 + 2000))
    cas = {
        "intervalle": ([c.pk, a.pk, b.pk, b.pk], "BETWEEN"),
        "un trou": ([a.pk, c.pk], "<> ALL("),
        "trous au plus TROUS_MAX": ([a.pk, c.pk + TROUS_MAX - 1], "<> ALL("),
        "trop de trous": ([a.pk, c.pk + TROUS_MAX], "= ANY((SELECT "),
        "éparpillés": ([a.pk, b.pk, *autres], "= ANY((SELECT "),
        "un seul": ([b.pk], "BETWEEN"),
    }
    for nom, (ids, forme) in cas.items():
        with CaptureQueriesContext(connection) as requetes:
            foyers_lus = set(Foyer.objects.filter(pk__parmi=Identifiants(ids)))
            par_cle = set(Signalement.objects.filter(foyer_id__parmi=Identifiants(ids)))
            par_relation = set(Signalement.objects.filter(foyer__parmi=Identifiants(ids)))
        assert foyers_lus == set(Foyer.objects.filter(pk__in=ids)), nom
        assert par_cle == par_relation == set(Signalement.objects.filter(foyer_id__in=ids)), nom
        if connection.vendor == "postgresql":
            for requete in requetes.captured_queries:
                assert forme in requete["sql"], (nom, requete["sql"])
                assert (" = ANY(" in requete["sql"]) is (forme == "= ANY((SELECT "), nom
    assert Identifiants([c.pk, a.pk]).plage() == (a.pk, c.pk, [b.pk])
    assert Identifiants([a.pk, *autres]).plage() is None
    assert Identifiants([]).plage() is None
