"""Écritures en masse : COPY sur PostgreSQL, bulk_create / bulk_update ailleurs.

`bulk_create` et `bulk_update` composent des requêtes de plusieurs milliers de paramètres
(`bulk_update` : un CASE par colonne, évalué ligne à ligne) que PostgreSQL doit analyser ; pour
des dizaines de milliers de lignes, COPY est plusieurs fois plus rapide. Sur PostgreSQL :

- `inserer_en_masse` réserve d'abord les identifiants dans la séquence de la table (une
  requête), pour que les objets insérés servent de clés étrangères aux lignes suivantes, comme
  avec bulk_create ;
- `mettre_a_jour_en_masse` et `inserer_ou_remplacer` copient dans une table temporaire, puis
  un seul UPDATE … FROM ou INSERT … ON CONFLICT DO UPDATE.

Toujours dans une transaction (un point de sauvegarde dans celle de l'appelant) : en cas
d'erreur, rien n'est écrit et la table temporaire disparaît avec l'annulation.
"""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.db import connections, router, transaction


def _connexion(modele):
    alias = router.db_for_write(modele)
    return alias, connections[alias]


#: Valeurs que psycopg écrit telles quelles : la préparation de l'ORM ne les changerait pas.
SIMPLES = frozenset({int, str, bool, Decimal, date, type(None)})


def _copier(curseur, connexion, table: str, champs: list, objets: list, *, ajout=False):
    """COPY des `champs` de chaque objet dans `table`, valeurs préparées comme par l'ORM
    (sauf les simples, passées directement : c'est le chemin chaud)."""
    nom = connexion.ops.quote_name
    colonnes = ", ".join(nom(f.column) for f in champs)
    # pre_save seulement là où il fait quelque chose (dates automatiques) ; JSON toujours préparé.
    automatiques = [
        ajout and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        for f in champs
    ]
    a_preparer = [f.get_internal_type() == "JSONField" for f in champs]
    regles = list(zip(champs, automatiques, a_preparer, strict=True))
    # Le COPY passe par le curseur de psycopg : ses erreurs sont traduites comme celles de l'ORM
    # (IntegrityError de Django…).
    with (
        connexion.wrap_database_errors,
        curseur.cursor.copy(f"COPY {nom(table)} ({colonnes}) FROM STDIN") as copie,
    ):
        for objet in objets:
            ligne = []
            for f, automatique, preparer in regles:
                v = f.pre_save(objet, True) if automatique else getattr(objet, f.attname)
                if preparer or type(v) not in SIMPLES:
                    v = f.get_db_prep_save(v, connexion)
                ligne.append(v)
            copie.write_row(ligne)


def _table_temporaire(curseur, connexion, modele, champs: list) -> str:
    nom = connexion.ops.quote_name
    temporaire = f"tmp_{modele._meta.db_table}"
    colonnes = ", ".join(nom(f.column) for f in champs)
    curseur.execute(
        f"CREATE TEMP TABLE {nom(temporaire)} AS SELECT {colonnes} "
        f"FROM {nom(modele._meta.db_table)} WITH NO DATA"
    )
    return temporaire


def inserer_en_masse(modele, objets: list, *, lot: int = 2000) -> list:
    """Insère `objets` (instances non enregistrées de `modele`) et leur donne leur clé."""
    if not objets:
        return objets
    alias, connexion = _connexion(modele)
    if connexion.vendor != "postgresql":
        with transaction.atomic(using=alias):
            modele.objects.using(alias).bulk_create(objets, batch_size=lot)
        return objets
    meta = modele._meta
    with transaction.atomic(using=alias), connexion.cursor() as curseur:
        for objet, cle in zip(objets, _reserver_cles(curseur, meta, len(objets)), strict=True):
            objet.pk = cle
        _copier(curseur, connexion, meta.db_table, meta.concrete_fields, objets, ajout=True)
    for objet in objets:
        objet._state.adding = False
        objet._state.db = alias
    return objets


def _reserver_cles(curseur, meta, n: int) -> list[int]:
    """`n` clés prises d'un coup dans la séquence de la table."""
    curseur.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [meta.db_table, meta.pk.column, n],
    )
    return [cle for (cle,) in curseur.fetchall()]


def inserer_lignes(modele, lignes: list[dict], *, lot: int = 2000) -> list[int]:
    """Insère des lignes données en dictionnaires {nom de colonne de l'ORM (`attname`) :
    valeur}, sans instancier le modèle (≈ 40 µs par instance : 0,5 s pour les 11 000
    signalements d'un lot de la détection). Les champs absents prennent leur défaut, les dates
    automatiques sont remplies. Renvoie les clés des lignes, dans l'ordre."""
    if not lignes:
        return []
    alias, connexion = _connexion(modele)
    if connexion.vendor != "postgresql":
        with transaction.atomic(using=alias):
            objets = modele.objects.using(alias).bulk_create(
                [modele(**ligne) for ligne in lignes], batch_size=lot
            )
        return [o.pk for o in objets]
    meta = modele._meta
    with transaction.atomic(using=alias), connexion.cursor() as curseur:
        cles = _reserver_cles(curseur, meta, len(lignes))
        objets = _en_objets(
            modele,
            [{**ligne, meta.pk.attname: cle} for ligne, cle in zip(lignes, cles, strict=True)],
        )
        _copier(curseur, connexion, meta.db_table, meta.concrete_fields, objets, ajout=True)
    return cles


def mettre_a_jour_en_masse(modele, objets: list, champs, *, lot: int = 1000) -> int:
    """Enregistre les `champs` (noms) de chaque objet, déjà en base."""
    if not objets:
        return 0
    alias, connexion = _connexion(modele)
    if connexion.vendor != "postgresql":
        with transaction.atomic(using=alias):
            return modele.objects.using(alias).bulk_update(objets, champs, batch_size=lot)
    meta = modele._meta
    nom = connexion.ops.quote_name
    colonnes = [meta.pk, *(meta.get_field(c) for c in champs)]
    with transaction.atomic(using=alias), connexion.cursor() as curseur:
        temporaire = _table_temporaire(curseur, connexion, modele, colonnes)
        _copier(curseur, connexion, temporaire, colonnes, objets)
        cle = nom(meta.pk.column)
        affectations = ", ".join(f"{nom(f.column)} = t.{nom(f.column)}" for f in colonnes[1:])
        curseur.execute(
            f"UPDATE {nom(meta.db_table)} SET {affectations} FROM {nom(temporaire)} t "
            f"WHERE {nom(meta.db_table)}.{cle} = t.{cle}"
        )
        lignes = curseur.rowcount
        curseur.execute(f"DROP TABLE {nom(temporaire)}")
    return lignes


def _en_objets(modele, lignes: list) -> list:
    """Des lignes {attname: valeur} (ou des instances, laissées telles quelles) en objets pour
    `_copier` : les champs absents prennent leur défaut, sans instancier le modèle."""
    if not lignes or not isinstance(lignes[0], dict):
        return lignes
    defauts = {f.attname: f.get_default() for f in modele._meta.concrete_fields}
    return [SimpleNamespace(**{**defauts, **ligne}) for ligne in lignes]


def inserer_ou_remplacer(modele, objets: list, *, unique: list[str], champs: list[str]) -> None:
    """Insère chaque objet (instance, ou ligne {attname: valeur} comme pour `inserer_lignes`),
    ou, s'il existe déjà une ligne de mêmes `unique`, remplace ses `champs` (la clé de la ligne
    existante est gardée)."""
    if not objets:
        return
    alias, connexion = _connexion(modele)
    if isinstance(objets[0], dict) and connexion.vendor != "postgresql":
        objets = [modele(**ligne) for ligne in objets]
    if connexion.vendor != "postgresql":
        with transaction.atomic(using=alias):
            modele.objects.using(alias).bulk_create(
                objets, update_conflicts=True, unique_fields=unique, update_fields=champs
            )
        return
    meta = modele._meta
    nom = connexion.ops.quote_name
    # Toutes les colonnes sauf une clé générée par la base (AutoField).
    colonnes = [f for f in meta.concrete_fields if not f.db_returning]
    liste = ", ".join(nom(f.column) for f in colonnes)
    conflit = ", ".join(nom(meta.get_field(c).column) for c in unique)
    remplacements = ", ".join(
        f"{nom(meta.get_field(c).column)} = EXCLUDED.{nom(meta.get_field(c).column)}"
        for c in champs
    )
    with transaction.atomic(using=alias), connexion.cursor() as curseur:
        temporaire = _table_temporaire(curseur, connexion, modele, colonnes)
        _copier(curseur, connexion, temporaire, colonnes, _en_objets(modele, objets), ajout=True)
        curseur.execute(
            f"INSERT INTO {nom(meta.db_table)} ({liste}) SELECT {liste} "
            f"FROM {nom(temporaire)} ON CONFLICT ({conflit}) DO UPDATE SET {remplacements}"
        )
        curseur.execute(f"DROP TABLE {nom(temporaire)}")
