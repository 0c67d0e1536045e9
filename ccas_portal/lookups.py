"""Recherche `__parmi` : comme `__in`, mais la liste part en un seul paramètre sur PostgreSQL.

`foyer_id__in=ids` compose `IN (%s, %s, …)` : pour les lots de la détection (5 000 foyers,
12 000 personnes), Django compile puis psycopg découpe et convertit des requêtes de milliers
de paramètres — ≈ 0,5 s par lot mesurées. `foyer_id__parmi=ids` écrit `= ANY(%s)` avec un
tableau : une requête courte, le même plan (index). Des `Identifiants` (le chemin chaud de la
détection) passent par une sous-requête que le planificateur ne lit pas (ADR 0042) ; s'ils
couvrent un intervalle à quelques trous près (les foyers d'un lot « tous »), par cet intervalle
(ADR 0047). Ailleurs (SQLite) : `IN` ordinaire.
"""

import copy

from django.db.models import Field, ForeignObject
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In

#: Colonnes dont la préparation laisse un entier tel quel.
ENTIERS = frozenset({"AutoField", "BigAutoField", "IntegerField", "BigIntegerField"})

#: Des `Identifiants` qui couvrent un intervalle à au plus ce nombre de trous près sont lus
#: par l'intervalle, les trous exclus (ADR 0047).
TROUS_MAX = 32


class Identifiants:
    """Des identifiants entiers pour `__parmi`, sur le chemin chaud de la détection (des lots
    de 10 000 foyers, 23 000 personnes) : `foyer_id__parmi=Identifiants(ids)`.

    Une liste, l'ORM la parcourt élément par élément avant même la recherche (résolution de
    chaque valeur, contrôle des objets liés d'une clé étrangère), puis psycopg convertit
    chaque entier : ≈ 0,1 s par lot de la détection, mesuré. Cet objet passe tel quel (il n'a
    exprès pas de `__iter__`, que l'ORM suit partout) ; PostgreSQL reçoit un seul texte de
    tableau (« {1,2,3} »), qu'il lit lui-même ; SQLite, un seul texte JSON (« [1,2,3] »),
    qu'il déplie par `json_each`."""

    __slots__ = ("_plage", "_texte", "valeurs")

    def __init__(self, valeurs):
        self.valeurs = [int(v) for v in valeurs]  # des entiers : le texte ne contient qu'eux
        self._texte = None
        self._plage = False  # pas encore cherchée

    def plage(self) -> tuple[int, int, list[int]] | None:
        """(premier, dernier, trous) quand ces identifiants sont les entiers de premier à
        dernier, à au plus `TROUS_MAX` trous près ; sinon None (ADR 0047)."""
        if self._plage is False:
            self._plage = None
            if self.valeurs:
                distincts = set(self.valeurs)
                premier, dernier = min(distincts), max(distincts)
                if dernier - premier + 1 - len(distincts) <= TROUS_MAX:
                    trous = sorted(set(range(premier, dernier + 1)) - distincts)
                    self._plage = (premier, dernier, trous)
        return self._plage

    def __len__(self) -> int:
        return len(self.valeurs)

    def __repr__(self) -> str:
        return f"Identifiants({len(self.valeurs)})"

    def _entre(self, ouvrant: str, fermant: str) -> str:
        # Les nombres écrits une fois (les personnes d'un lot : quatre lectures, 23 000 nombres).
        if self._texte is None:
            self._texte = ",".join(map(str, self.valeurs))
        return ouvrant + self._texte + fermant

    def en_tableau(self) -> str:
        return self._entre("{", "}")

    def en_json(self) -> str:
        return self._entre("[", "]")


def _identifiants(lookup) -> bool:
    """Des entiers comparés à une colonne entière : la préparation de l'ORM ne les changerait
    pas."""
    champ = getattr(lookup.lhs, "output_field", None)
    colonne = champ.target_field if champ is not None and champ.is_relation else champ
    return (
        colonne is not None
        and colonne.get_internal_type() in ENTIERS
        and isinstance(lookup.rhs, list | tuple | set | frozenset)
        and all(type(v) is int for v in lookup.rhs)
    )


class _EnTableau:
    lookup_name = "parmi"

    def get_prep_lookup(self):
        if isinstance(self.rhs, Identifiants):
            return self.rhs
        # Le chemin chaud : des identifiants entiers, rien à préparer un par un (l'ORM le fait
        # pour chacun, ≈ 10 µs : 0,1 s pour les 12 000 personnes d'un lot de la détection).
        if _identifiants(self):
            return list(self.rhs)
        return super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        if isinstance(self.rhs, Identifiants):  # ailleurs : une liste, `IN` ordinaire
            en_liste = copy.copy(self)
            en_liste.rhs = list(self.rhs.valeurs)
            return super(_EnTableau, en_liste).as_sql(compiler, connection)
        return super().as_sql(compiler, connection)

    def as_sqlite(self, compiler, connection):
        if not isinstance(self.rhs, Identifiants):
            return self.as_sql(compiler, connection)
        # Un seul paramètre aussi : un texte JSON, que SQLite déplie lui-même (une liste de
        # dizaines de milliers de paramètres dépasserait sa limite selon sa compilation).
        lhs, params_lhs = self.process_lhs(compiler, connection)
        return f"{lhs} IN (SELECT value FROM json_each(%s))", (*params_lhs, self.rhs.en_json())

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value() or isinstance(self.lhs, ColPairs):
            return self.as_sql(compiler, connection)
        lhs, params_lhs = self.process_lhs(compiler, connection)
        champ = self.lhs.output_field
        if isinstance(self.rhs, Identifiants):
            valeurs = self.rhs.en_tableau()
        elif _identifiants(self):
            valeurs = self.rhs
        else:
            valeurs = [
                champ.get_db_prep_value(v, connection, prepared=True)
                for v in self.rhs
                if v is not None
            ]
        type_sql = champ.db_type(connection)  # le tableau est du type de la colonne
        tableau = f"%s::{type_sql}[]" if type_sql else "%s"
        plage = self.rhs.plage() if isinstance(self.rhs, Identifiants) else None
        if plage is not None and type_sql:
            # Un intervalle, quelques trous exclus : un parcours de l'index par bornes, où
            # `= ANY` en fait un par identifiant (10 000 à 23 000 descentes) ; ADR 0047. Les
            # bornes sont visibles : le planificateur estime l'intervalle, justement.
            premier, dernier, trous = plage
            sql = f"{lhs} BETWEEN %s AND %s"
            params = (*params_lhs, premier, dernier)
            if trous:
                sql = f"({sql} AND {lhs} <> ALL(%s::{type_sql}[]))"
                params = (*params, *params_lhs, trous)
            return sql, params
        if isinstance(self.rhs, Identifiants) and type_sql:
            # Le tableau passe par une sous-requête d'une ligne (un « InitPlan ») : le
            # planificateur ne le lit pas. Un tableau visible de 10 000 à 23 000 identifiants
            # coûte 3 à 10 ms de planification par requête (une estimation par élément) et lui
            # fait choisir un parcours complet de la table (80 ms pour les 234 000 habitants,
            # contre 27 ms par l'index) ; ADR 0042.
            tableau = f"(SELECT {tableau})::{type_sql}[]"
        return f"{lhs} = ANY({tableau})", (*params_lhs, valeurs)


@Field.register_lookup
class Parmi(_EnTableau, In):
    pass


@ForeignObject.register_lookup
class ParmiRelation(_EnTableau, RelatedIn):
    pass
