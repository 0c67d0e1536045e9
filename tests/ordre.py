"""L'ordre dans lequel la suite distribue ses tests : les plus longs d'abord (make test).

Avec `--dist loadgroup`, pytest-xdist donne les tests aux processus un à un, dans l'ordre de la
collecte (les groupes `xdist_group` en premier). Un test long donné en dernier fait finir un
processus seul pendant que l'autre attend : ici, les tests les plus longs passent en tête, et la
fin de la file n'a plus que des tests courts, qui équilibrent les deux processus.

L'ordre de Django est gardé (pytest-django : tests en transaction, puis tests transactionnels
qui vident la base, puis tests sans base) ; seul l'ordre à l'intérieur de chacune de ces trois
parts change. Rien d'autre ne change : un test ne dépend pas de l'ordre de la suite (xdist les
mélange déjà entre processus). Une durée oubliée ou périmée ne coûte que de l'équilibre.
"""

from __future__ import annotations

import pytest

#: Durées relevées (s, `--durations`, deux processus, machine chargée : seul leur ordre compte)
#: des tests les plus longs ; les autres prennent l'estimation de leur marqueur.
DUREES = {
    "tests/ccas_portal/test_entrees_invalides.py::test_aucune_url_ne_repond_500_a_une_mauvaise_valeur[travailleur_social]": 183,
    "tests/navigateur/test_dossier_social.py::test_dossier_social_de_l_inscription_aux_ressources": 43,
    "tests/droits/test_requetes_du_lot.py::test_le_nombre_de_requetes_d_un_lot_ne_depend_pas_de_sa_taille": 40,
    "tests/droits/test_lots_perdus.py::test_une_execution_echouee_dont_les_lots_finissent_quand_meme_est_terminee": 37,
    "tests/droits/test_detection.py::test_clos_non_eligible_ne_renait_que_si_les_faits_changent": 37,
    "tests/droits/test_detection.py::test_un_vrai_worker_fait_toute_l_execution": 29,
    "tests/droits/test_lots_perdus.py::test_a_bout_de_relances_l_execution_echoue_puis_reprendre_finit_les_lots_manquants": 27,
    "tests/navigateur/test_detection.py::test_une_execution_aux_lots_perdus_se_reprend_depuis_la_page": 26,
    "tests/droits/test_lots_perdus.py::test_les_lots_non_faits_sont_renvoyes_apres_le_delai_et_pas_avant": 25,
    "tests/accompagnement/test_demo.py::test_demo_data_ajouter_accompagne_la_nouvelle_population": 21,
    "tests/ccas_portal/test_entrees_invalides.py::test_aucune_url_ne_repond_500_a_une_mauvaise_valeur[admin]": 20,
    "tests/navigateur/test_instruction_legale_logement.py::test_aide_sociale_legale_puis_logement_social": 15,
    "tests/navigateur/test_entonnoir.py::test_du_signalement_nouveau_a_l_entonnoir_du_responsable": 15,
    "tests/navigateur/test_instruction.py::test_de_la_demande_au_budget": 14,
    "tests/navigateur/test_detection.py::test_lancer_une_detection_et_suivre_sa_progression": 14,
    "tests/droits/test_libelles.py::test_le_bilan_d_une_execution_somme_les_droits_probables": 14,
    "tests/droits/test_moteur.py::test_le_calcul_vectorise_egale_le_calcul_foyer_par_foyer": 13,
    "tests/habitants/test_migration_consentement.py::test_reprise_des_consentements_existants": 11,
    "tests/ccas_portal/test_pilotage_agregats.py::test_agregats_et_bords_donnent_les_chiffres_du_calcul_sur_les_lignes": 10,
    "tests/ccas_portal/test_entrees_invalides.py::test_le_tableau_de_bord_ne_repond_pas_500_a_une_mauvaise_valeur": 9,
}
#: L'estimation d'un test absent de DUREES, d'après ses marqueurs (le plus long l'emporte).
PAR_MARQUEUR = {"navigateur": 8, "lent": 8, "moteur": 5}


def estimation(item: pytest.Item) -> float:
    nodeid = item.nodeid.split("@", 1)[0]  # sans le groupe que pytest-xdist y ajoute
    if nodeid in DUREES:
        return DUREES[nodeid]
    return max((s for nom, s in PAR_MARQUEUR.items() if item.get_closest_marker(nom)), default=0)


def part_django(item: pytest.Item) -> int:
    """La part de pytest-django : 0 en transaction, 1 transactionnel, 2 sans base."""
    marqueur = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    options = marqueur.kwargs if marqueur else {}
    if (
        options.get("transaction")
        or options.get("reset_sequences")
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    ):
        return 1
    return 0 if marqueur or "db" in fixtures else 2


def groupe(item: pytest.Item) -> str | None:
    marqueur = item.get_closest_marker("xdist_group")
    if marqueur is None:
        return None
    return marqueur.args[0] if marqueur.args else marqueur.kwargs.get("name")


@pytest.hookimpl(trylast=True)  # après le tri de pytest-django, qu'il garde
def pytest_collection_modifyitems(items):
    estimations = {id(item): estimation(item) for item in items}
    # Un groupe `xdist_group` garde ses tests d'un seul tenant (ses fixtures de module ne sont
    # construites qu'une fois, même en un seul processus) : tous prennent l'estimation du plus long.
    par_groupe: dict[str, float] = {}
    for item in items:
        if (nom := groupe(item)) is not None:
            par_groupe[nom] = max(par_groupe.get(nom, 0), estimations[id(item)])
    for item in items:
        if (nom := groupe(item)) is not None:
            estimations[id(item)] = par_groupe[nom]
    items.sort(key=lambda item: (part_django(item), -estimations[id(item)]))
