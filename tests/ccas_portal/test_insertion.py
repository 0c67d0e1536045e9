"""Écritures en masse : mêmes résultats que l'ORM (COPY sur PostgreSQL, bulk_* sur SQLite) ;
la suite passe sur les deux bases."""

from datetime import UTC, date
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from ccas_portal.insertion import (
    inserer_lignes,
    inserer_ou_remplacer,
    mettre_a_jour_en_masse,
)
from droits.models import ChangementSignalement, EtatDetectionFoyer, Signalement
from tests.droits.conftest import creer_foyer
from tests.factories import AgentFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def foyers(referentiels):
    ts = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-masse")])
    return [creer_foyer(ts, (p, date(1980, 1, 1), "demandeur"))[0] for p in ("Ana", "Bo")]


def signalement(foyer, code, montant="12.34"):
    return Signalement(
        foyer=foyer,
        prestation_id=code,
        montant_estime=Decimal(montant),
        explication={"mois": "11/2026", "loyer": 450.0, "ages": [35]},
        empreinte="e1",
    )


def inserer(*objets):
    """Insère des signalements et les relit, dans l'ordre de leurs clés."""
    assert inserer_lignes(Signalement, list(objets)) == len(objets)
    return list(Signalement.objects.order_by("pk"))


def test_inserer_ecrit_les_valeurs_et_la_base_donne_les_cles(foyers):
    a, b = foyers
    avant = timezone.now()
    objets = [signalement(a, "rsa"), signalement(b, "aspa", "7.10")]
    lus = inserer(*objets)
    assert [
        (s.foyer_id, s.prestation_id, s.montant_estime, s.explication, s.etat) for s in lus
    ] == [
        (a.pk, "rsa", Decimal("12.34"), objets[0].explication, "nouveau"),
        (b.pk, "aspa", Decimal("7.10"), objets[1].explication, "nouveau"),
    ]
    # Défauts et dates automatiques.
    assert all(s.toujours_detecte and s.modifie_le >= s.cree_le >= avant for s in lus)
    # Clés données par la base : une création ordinaire prend la suivante.
    assert lus[0].pk < lus[1].pk
    apres = Signalement.objects.create(
        foyer=a, prestation_id="aah", montant_estime=1, empreinte="x"
    )
    assert apres.pk > lus[1].pk


def test_inserer_des_lignes_sans_instances(foyers, django_assert_max_num_queries):
    a, b = foyers
    s1, s2 = inserer(signalement(a, "rsa"), signalement(b, "aspa"))
    avant = timezone.now()
    with django_assert_max_num_queries(3):  # point de sauvegarde, COPY, libération
        n = inserer_lignes(
            ChangementSignalement,
            [
                {"signalement_id": s1.pk, "nouveau": "contacte"},
                {"signalement_id": s2.pk, "nouveau": "contacte", "commentaire": "appel"},
            ],
        )
    assert n == 2
    lus = list(ChangementSignalement.objects.order_by("signalement_id"))
    # Champs absents : leur défaut ; date automatique remplie ; clé donnée par la base.
    assert [(c.signalement_id, c.ancien, c.nouveau, c.agent_id, c.commentaire) for c in lus] == [
        (s1.pk, "", "contacte", None, ""),
        (s2.pk, "", "contacte", None, "appel"),
    ]
    assert all(c.pk and c.le >= avant for c in lus)
    assert inserer_lignes(ChangementSignalement, []) == 0


def test_un_meme_objet_json_dans_plusieurs_lignes(foyers):
    """L'explication commune aux signalements d'un foyer est écrite telle quelle dans chacun
    (son texte n'est calculé qu'une fois), à côté d'explications propres à une ligne."""
    a, b = foyers
    commune = {"mois": "11/2026", "ages": [35, 2], "loyer": 450.5, "commune": "Grenoble"}
    lignes = [
        {
            "foyer_id": a.pk,
            "prestation_id": code,
            "montant_estime": Decimal("1.00"),
            "explication": commune,
            "empreinte": "e",
        }
        for code in ("rsa", "aspa")
    ]
    lignes.append(
        {
            "foyer_id": b.pk,
            "prestation_id": "rsa",
            "montant_estime": Decimal("2.00"),
            "explication": {**commune, "raison": "Sans ressources"},
            "empreinte": "e",
        }
    )
    lignes.append(
        {
            "foyer_id": b.pk,
            "prestation_id": "aspa",
            "montant_estime": Decimal("3.00"),
            "empreinte": "e",
        }  # explication absente : son défaut, {}
    )
    assert inserer_lignes(Signalement, lignes) == 4
    lus = {(s.foyer_id, s.prestation_id): s.explication for s in Signalement.objects.all()}
    assert lus == {
        (a.pk, "rsa"): commune,
        (a.pk, "aspa"): commune,
        (b.pk, "rsa"): {**commune, "raison": "Sans ressources"},
        (b.pk, "aspa"): {},
    }


def test_inserer_des_lignes_en_erreur_n_ecrit_rien(foyers):
    a, _ = foyers
    (existant,) = inserer(signalement(a, "rsa"))
    with pytest.raises(IntegrityError):
        inserer_lignes(
            ChangementSignalement,
            [
                {"signalement_id": existant.pk, "nouveau": "contacte"},
                {"signalement_id": None, "nouveau": "contacte"},  # colonne NOT NULL
            ],
        )
    assert not ChangementSignalement.objects.exists()


def test_inserer_en_erreur_n_ecrit_rien(foyers):
    a, _ = foyers
    # Deux signalements ouverts pour le même foyer et la même prestation : refusé par la base.
    with pytest.raises(IntegrityError):
        inserer_lignes(Signalement, [signalement(a, "rsa"), signalement(a, "rsa")])
    assert not Signalement.objects.exists()


def test_mettre_a_jour_ne_touche_que_les_champs_donnes(foyers):
    a, b = foyers
    objets = inserer(signalement(a, "rsa"), signalement(b, "rsa"))
    Signalement.objects.filter(pk=objets[0].pk).update(etat="contacte")  # changé ailleurs
    objets[0].montant_estime = Decimal("99.99")
    objets[0].explication = {"mois": "12/2026"}
    objets[0].etat = "nouveau"  # pas dans les champs : ne doit pas écraser « contacté »
    assert mettre_a_jour_en_masse(Signalement, objets, ["montant_estime", "explication"]) == 2
    premier, second = Signalement.objects.order_by("pk")
    assert (premier.montant_estime, premier.explication, premier.etat) == (
        Decimal("99.99"),
        {"mois": "12/2026"},
        "contacte",
    )
    assert second.montant_estime == Decimal("12.34")


def test_mettre_a_jour_en_erreur_n_ecrit_rien_et_peut_recommencer(foyers):
    a, b = foyers
    objets = inserer(signalement(a, "rsa"), signalement(b, "rsa"))
    objets[0].montant_estime = Decimal("1.00")
    objets[1].empreinte = None  # colonne NOT NULL
    with pytest.raises(IntegrityError):
        mettre_a_jour_en_masse(Signalement, objets, ["montant_estime", "empreinte"])
    assert set(Signalement.objects.values_list("montant_estime", flat=True)) == {Decimal("12.34")}
    objets[1].empreinte = "e2"
    assert mettre_a_jour_en_masse(Signalement, objets, ["montant_estime", "empreinte"]) == 2
    assert Signalement.objects.get(pk=objets[1].pk).empreinte == "e2"


def test_inserer_ou_remplacer_garde_la_ligne_et_remplace_les_champs(foyers):
    a, b = foyers
    avant = timezone.now()
    inserer_ou_remplacer(
        EtatDetectionFoyer,
        [EtatDetectionFoyer(foyer=a, simule_le=avant, empreinte="e1", estimations={"rsa": 1.5})],
        unique=["foyer"],
        champs=["simule_le", "empreinte", "estimations"],
    )
    apres = timezone.now()
    inserer_ou_remplacer(
        EtatDetectionFoyer,
        [
            EtatDetectionFoyer(foyer=a, simule_le=apres, empreinte="e2", estimations={}),
            EtatDetectionFoyer(
                foyer=b, simule_le=apres, empreinte="e3", mois_cible=date(2026, 11, 1)
            ),
        ],
        unique=["foyer"],
        champs=["simule_le", "empreinte", "estimations"],
    )
    lus = {e.foyer_id: e for e in EtatDetectionFoyer.objects.all()}
    assert (lus[a.pk].simule_le, lus[a.pk].empreinte, lus[a.pk].estimations) == (apres, "e2", {})
    assert (lus[b.pk].empreinte, lus[b.pk].mois_cible) == ("e3", date(2026, 11, 1))


def test_inserer_ou_remplacer_des_lignes_sans_instances(foyers):
    a, b = foyers
    quand = timezone.now()
    EtatDetectionFoyer.objects.create(foyer=a, simule_le=quand, empreinte="ancienne")
    inserer_ou_remplacer(
        EtatDetectionFoyer,
        [
            {"foyer_id": a.pk, "simule_le": quand, "empreinte": "e1", "estimations": {"rsa": 2.5}},
            {"foyer_id": b.pk, "simule_le": quand, "empreinte": "e2"},  # estimations : défaut
        ],
        unique=["foyer"],
        champs=["simule_le", "empreinte", "estimations"],
    )
    lus = {e.foyer_id: e for e in EtatDetectionFoyer.objects.all()}
    assert (lus[a.pk].empreinte, lus[a.pk].estimations) == ("e1", {"rsa": 2.5})
    assert (lus[b.pk].empreinte, lus[b.pk].estimations, lus[b.pk].mois_cible) == ("e2", {}, None)
    assert EtatDetectionFoyer.objects.count() == 2


def test_les_textes_json_du_copy_ont_les_valeurs_de_json_dumps():
    """`texte_json` (orjson, ADR 0045) : la même valeur, une fois relue, que l'encodeur du
    champ (`json.dumps(v, cls=…)`), pour ce qu'écrit la détection comme pour le reste : clés
    entières, non-ASCII, nombres de numpy, décimaux et dates par l'encodeur de Django, entier
    trop grand pour orjson ; ce que l'encodeur refuse est toujours refusé ; seul un NaN
    devient `null` (PostgreSQL refusait le texte « NaN »)."""
    import json
    from datetime import datetime

    import numpy as np
    from django.core.serializers.json import DjangoJSONEncoder

    from ccas_portal.insertion import texte_json

    brut, django = json.JSONEncoder(), DjangoJSONEncoder()
    valeurs = [
        {"mois": "11/2026", "loyer": 450.0, "ages": [35, 8], "incapacite": False, "raison": None},
        {"rsa": 573.49, "aide_logement": 0.1 + 0.2, "css_gratuite": 0.0},
        {1: "un", 2.5: "deux et demi", None: "rien", "commune": "Échirolles"},
        {"seuil": {"facteur": np.float64(0.97531), "rang": 3}},
        [2**70, "au-delà de 64 bits"],
    ]
    for valeur in valeurs:
        assert json.loads(texte_json(valeur, brut)) == json.loads(brut.encode(valeur))
    horodate = datetime(2026, 12, 6, 23, 30, 15, 123456, tzinfo=UTC)
    avec_django = {"montant": Decimal("12.30"), "le": horodate, "jour": date(2026, 12, 6)}
    assert json.loads(texte_json(avec_django, django)) == {
        "montant": "12.30",
        "le": "2026-12-06T23:30:15.123Z",
        "jour": "2026-12-06",
    }
    for refusee in ({"montant": Decimal("1.5")}, {"ensemble": {1, 2}}):
        with pytest.raises(TypeError):
            texte_json(refusee, brut)
    assert json.loads(texte_json({"x": float("nan")}, brut)) == {"x": None}


def test_inserer_garde_les_valeurs_json(foyers):
    """Relues de la base, les explications écrites par `inserer_lignes` (COPY sur
    PostgreSQL) sont celles qu'on a données, accents et nombres compris."""
    explication = {"commune": "Saint-Martin-d'Hères", "loyer": 450.5, "ages": [35, 8], "rang": 2}
    inserer_lignes(
        Signalement,
        [
            {
                "foyer_id": foyers[0].pk,
                "prestation_id": "rsa",
                "montant_estime": Decimal("1.00"),
                "explication": explication,
                "empreinte": "e",
            }
        ],
    )
    assert Signalement.objects.get().explication == explication
