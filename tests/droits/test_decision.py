"""Ce que décide un lot (droits/detection/decision.py) : des fonctions pures, testées sans base
de données (pas de marque `django_db` : toute requête ferait échouer le test)."""

from datetime import UTC, date, datetime
from decimal import Decimal

from droits.detection import decision
from droits.detection.decision import SignalementLu
from droits.detection.moteur import Estimation
from droits.detection.situation import FoyerSimule, Personne

MOIS = date(2026, 10, 1)
MAINTENANT = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)
CATALOGUE = {
    "rsa": None,
    "aide_logement": None,
    "css_gratuite": None,
    "aide_domicile": Decimal("0"),
    "aide_facultative_jeunes": Decimal("250.00"),
}


def foyer_seul(id_=1, naissance=date(1991, 1, 1), ressources=()):
    return FoyerSimule(
        id=id_,
        depcom="38185",
        statut_occupation="locataire_parc_prive",
        loyer=450.0,
        personnes=[
            Personne(
                id=10 * id_, date_naissance=naissance, role="demandeur", ressources=list(ressources)
            )
        ],
    )


def estimations(**montants):
    return [Estimation(code, montant, True) for code, montant in montants.items()]


def lu(
    pk, foyer_id, code, etat="nouveau", montant="573.49", empreinte="e", explication=None, **champs
):
    return SignalementLu(
        pk, foyer_id, code, etat, Decimal(montant), empreinte, explication or {}, **champs
    )


def decider(
    foyers, resultats, *, existants=(), en_cours=None, aides=(), catalogue=CATALOGUE, ids=None
):
    en_cours = en_cours or {}
    traces = decision.empreintes(foyers, resultats, en_cours, set(aides))
    return decision.decider(
        foyers=foyers,
        ids_du_lot=ids or [f.id for f in foyers],
        resultats=resultats,
        en_cours=en_cours,
        aides=set(aides),
        traces=traces,
        sensibles={},
        repris={},
        catalogue=catalogue,
        existants=decision.existants_par_foyer(existants),
        mois=MOIS,
        execution_id=7,
        maintenant=MAINTENANT,
    ), traces


def test_un_droit_probable_nouveau_devient_une_ligne_a_inserer():
    f = foyer_seul()
    d, traces = decider([f], {1: estimations(rsa=573.49, aide_logement=308.0)})
    assert [(n["prestation_id"], n["montant_estime"]) for n in d.nouveaux] == [
        ("rsa", Decimal("573.49")),
        ("aide_logement", Decimal("308.0")),
    ]
    rsa = d.nouveaux[0]
    assert (rsa["foyer_id"], rsa["execution_id"], rsa["empreinte"]) == (1, 7, traces[1])
    assert rsa["explication"]["mois"] == "10/2026"
    assert (d.revus, d.perdus) == ([], [])
    assert d.comptes == {"rsa": 1, "aide_logement": 1}
    assert d.bilan == {"nouveaux": 2}
    [etat] = d.etats
    assert etat == {
        "foyer_id": 1,
        "simule_le": MAINTENANT,
        "empreinte": traces[1],
        "execution_id": 7,
        "mois_cible": MOIS,
        "estimations": {"rsa": 573.49, "aide_logement": 308.0},
    }


def test_deja_demande_ou_hors_catalogue_est_compte_sans_signalement():
    f = foyer_seul()
    d, _ = decider(
        [f],
        {1: estimations(rsa=573.49, prime_inconnue=12.0)},
        en_cours={1: {"rsa"}},
    )
    assert d.nouveaux == []
    assert d.comptes == {"rsa": 1, "prime_inconnue": 1}
    assert d.bilan == {"deja_demandes": 1, "hors_catalogue": 1}


def test_un_signalement_ouvert_inchange_n_est_pas_reecrit_un_change_est_revu():
    f = foyer_seul()
    resultats = {1: estimations(rsa=573.49)}
    _, traces = decider([f], resultats)
    premier, _ = decider([f], resultats)
    explique = premier.nouveaux[0]["explication"]
    meme = lu(1, 1, "rsa", empreinte=traces[1], explication=explique)
    d, _ = decider([f], resultats, existants=[meme])
    assert (d.nouveaux, d.revus, d.bilan) == ([], [], {"deja_signales": 1})
    # Autre montant : revu, avec les nouvelles valeurs.
    d, _ = decider([f], {1: estimations(rsa=600.0)}, existants=[meme])
    assert [(r.pk, r.montant_estime) for r in d.revus] == [(1, Decimal("600.0"))]
    assert d.bilan == {"deja_signales": 1}
    # Inchangé mais marqué « plus détecté » : revu (de nouveau détecté).
    perdu = lu(1, 1, "rsa", empreinte=traces[1], explication=explique, toujours_detecte=False)
    d, _ = decider([f], resultats, existants=[perdu])
    assert [r.pk for r in d.revus] == [1]


def test_un_clos_sur_les_memes_faits_ne_renait_pas_sur_d_autres_faits_si():
    f = foyer_seul()
    resultats = {1: estimations(rsa=573.49)}
    _, traces = decider([f], resultats)
    clos = lu(3, 1, "rsa", etat="non_eligible", empreinte=traces[1])
    d, _ = decider([f], resultats, existants=[clos])
    assert (d.nouveaux, d.bilan) == ([], {"clos_memes_faits": 1})
    ancien = lu(3, 1, "rsa", etat="refus_personne", empreinte="d'autres faits")
    d, _ = decider([f], resultats, existants=[ancien])
    assert [n["prestation_id"] for n in d.nouveaux] == ["rsa"]
    assert d.bilan == {"nouveaux": 1}


def test_un_ouvert_que_le_foyer_n_a_plus_est_marque_perdu_une_fois():
    f = foyer_seul()
    ouvert = lu(4, 1, "aide_logement")
    deja_perdu = lu(5, 1, "css_gratuite", toujours_detecte=False)
    d, _ = decider([f], {1: estimations(rsa=573.49)}, existants=[ouvert, deja_perdu])
    assert d.perdus == [4]
    assert d.bilan == {"nouveaux": 1, "plus_detectes": 1}


def test_un_foyer_incomplet_est_note_vu_sans_empreinte():
    complet, incomplet = foyer_seul(1), foyer_seul(2, naissance=None)
    d, _ = decider([complet, incomplet], {1: estimations(rsa=573.49)}, ids=[1, 2, 3])
    assert [e["foyer_id"] for e in d.etats] == [1, 2]  # 3 : pas chargé, pas vu
    assert d.etats[1] == {
        "foyer_id": 2,
        "simule_le": MAINTENANT,
        "empreinte": "",
        "execution_id": 7,
    }


def test_les_regles_locales_prennent_le_montant_du_catalogue_et_l_aide_a_domicile():
    jeune = foyer_seul(1, naissance=date(2004, 3, 1))
    aine = foyer_seul(
        2, naissance=date(1948, 2, 1), ressources=[("retraite", 1900.0, date(2010, 1, 1), None)]
    )
    d, _ = decider([jeune, aine], {1: [], 2: []})
    assert {(n["foyer_id"], n["prestation_id"], n["montant_estime"]) for n in d.nouveaux} == {
        (1, "aide_facultative_jeunes", Decimal("250.00")),
        (2, "aide_domicile", Decimal("0")),
    }
    raison = next(n for n in d.nouveaux if n["foyer_id"] == 2)["explication"]["raison"]
    assert "78 ans" in raison
    # Une aide à domicile en place, ou une prestation absente du catalogue : rien.
    d, _ = decider([jeune, aine], {1: [], 2: []}, aides={2}, catalogue={"rsa": None})
    assert (d.nouveaux, d.comptes) == ([], {})


def test_l_empreinte_garde_son_texte():
    """Les empreintes rangées en base restent comparables d'une version à l'autre : le texte
    haché est toujours celui de `json.dumps(…, sort_keys=True, default=str)` des faits du foyer
    (sinon chaque signalement clos renaîtrait à la première exécution suivante)."""
    import hashlib
    import json

    f = foyer_seul(
        ressources=[
            ("salaire_net", 1234.5, date(2025, 3, 1), None),
            ("chomage", 600.0, date(2024, 1, 1), date(2024, 12, 31)),
        ]
    )
    f.personnes[0].taux_incapacite = 80
    contenu = {
        "logement": ["38185", "locataire_parc_prive", 450.0],
        "personnes": [
            [
                10,
                "1991-01-01",
                "demandeur",
                80,
                [
                    ["chomage", 600.0, "2024-01-01", "2024-12-31"],
                    ["salaire_net", 1234.5, "2025-03-01", None],
                ],
            ]
        ],
        "prestations": ["css_gratuite", "rsa"],
        "aide_a_domicile": True,
    }
    texte = json.dumps(contenu, sort_keys=True, default=str)
    attendue = hashlib.sha256(texte.encode()).hexdigest()
    assert decision.empreinte(f, {"rsa", "css_gratuite"}, True) == attendue


def test_l_empreinte_change_avec_les_faits_pas_avec_l_ordre():
    f = foyer_seul()
    base = decision.empreinte(f, {"rsa", "css_gratuite"}, False)
    assert decision.empreinte(f, {"css_gratuite", "rsa"}, False) == base
    assert decision.empreinte(f, {"rsa", "css_gratuite"}, True) != base
    assert decision.empreinte(f, {"rsa"}, False) != base
    assert (
        decision.empreinte(foyer_seul(naissance=date(1990, 1, 1)), {"rsa", "css_gratuite"}, False)
        != base
    )


def test_a_re_simuler_reprend_le_seuil_d_un_signalement_inchange():
    f, g = foyer_seul(1), foyer_seul(2)
    resultats = {1: estimations(rsa=573.49), 2: estimations(rsa=573.49)}
    traces = decision.empreintes([f, g], resultats, {}, set())
    x = {"mois": "10/2026", "sensibilite": 5, "seuil": {"cas": "perte", "facteur": 1.02}}
    lus = [
        lu(1, 1, "rsa", empreinte=traces[1], explication=x),  # inchangé : repris
        lu(2, 2, "rsa", empreinte=traces[2], montant="500", explication=x),  # changé
    ]
    a_faire, repris = decision.a_re_simuler([f, g], resultats, {}, traces, MOIS, lus, 0.05)
    assert [h.id for h in a_faire] == [2]
    assert repris == {(1, "rsa"): {"sensibilite": 5, "seuil": {"cas": "perte", "facteur": 1.02}}}
    # Sans seuil proche, repris aussi ; un seuil rangé avant sa localisation (sans facteur)
    # est recalculé.
    sans_seuil = {"mois": "10/2026", "sensibilite": 5}
    ancien = {"mois": "10/2026", "sensibilite": 5, "seuil": {"cas": "perte"}}
    for explique, attendu in ((sans_seuil, []), (ancien, [1])):
        lus = [lu(1, 1, "rsa", empreinte=traces[1], explication=explique)]
        a_faire, _ = decision.a_re_simuler([f], resultats, {}, traces, MOIS, lus, 0.05)
        assert [h.id for h in a_faire] == attendu
    # Autre écart, ou pas d'écart du tout.
    a_faire, repris = decision.a_re_simuler([f, g], resultats, {}, traces, MOIS, lus, 0.10)
    assert ([h.id for h in a_faire], repris) == ([1, 2], {})
    assert decision.a_re_simuler([f, g], resultats, {}, traces, MOIS, lus, 0) == ([], {})


def test_existants_par_foyer_garde_l_ouvert_et_le_dernier_clos():
    lus = [
        lu(1, 1, "rsa", etat="non_eligible"),
        lu(2, 1, "rsa", etat="refus_personne"),
        lu(3, 1, "rsa", etat="a_traiter"),
        lu(4, 2, "css_gratuite", etat="droit_ouvert"),
    ]
    existants = decision.existants_par_foyer(lus)
    assert {
        f: {c: (o and o.pk, c_ and c_.pk) for c, (o, c_) in d.items()} for f, d in existants.items()
    } == {
        1: {"rsa": (3, 2)},
        2: {"css_gratuite": (None, 4)},
    }
