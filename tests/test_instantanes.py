"""La normalisation du SQL des instantanés (tests/instantanes.py) : ce qui varie d'une
exécution à l'autre disparaît, ce qui dit la forme de la requête reste."""

from tests.instantanes import normaliser_sql


def _une_ligne(sql):
    return " ".join(normaliser_sql(sql).split())


def test_savepoints_et_curseurs_serveur_sans_leur_nom():
    assert _une_ligne('SAVEPOINT "s140234_x12"') == 'SAVEPOINT "<savepoint>"'
    assert _une_ligne('RELEASE SAVEPOINT "s99_x3"') == 'RELEASE SAVEPOINT "<savepoint>"'
    assert "<curseur>" in _une_ligne(
        'DECLARE "_django_curs_1402_sync_7" NO SCROLL CURSOR WITH HOLD FOR SELECT 1'
    )


def test_listes_de_longueur_variable_ramenees_a_une_forme():
    un = _une_ligne('SELECT "a" FROM "t" WHERE "id" IN (%s)')
    trois = _une_ligne('SELECT "a" FROM "t" WHERE "id" IN (%s, %s, %s)')
    assert un == trois
    assert "IN (%s, …)" in un
    deux_lignes = _une_ligne('INSERT INTO "t" ("a", "b") VALUES (NOW(), %s), (NOW(), %s)')
    cinq_lignes = _une_ligne('INSERT INTO "t" ("a", "b") VALUES ' + ", ".join(["(NOW(), %s)"] * 5))
    assert deux_lignes == cinq_lignes
    assert "VALUES (NOW(), %s), …" in deux_lignes


def test_litteraux_d_un_ensemble_tries_uuid_et_dates_masques():
    assert _une_ligne("SELECT 1 WHERE x IN ('true','null','false')") == _une_ligne(
        "SELECT 1 WHERE x IN ('false','true','null')"
    )
    assert _une_ligne("SELECT 1 WHERE u = '3f2b8c1e-0d4a-4b6e-9c1d-2a7e5f9b0c3d'") == (
        "SELECT 1 WHERE u = '<uuid>'"
    )
    assert _une_ligne("SELECT 1 WHERE d > '2026-12-05 10:27:23.1+00:00'") == (
        "SELECT 1 WHERE d > '<date>'"
    )


def test_la_forme_de_la_requete_reste():
    """Une colonne, une jointure ou une limite de plus changent l'instantané."""
    base = 'SELECT "a" FROM "t" WHERE "id" = %s LIMIT 21'
    assert _une_ligne(base) != _une_ligne(base.replace('"a"', '"a", "b"'))
    assert _une_ligne(base) != _une_ligne(base.replace("LIMIT 21", "LIMIT 25"))
