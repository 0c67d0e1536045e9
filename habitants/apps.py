from django.apps import AppConfig
from django.db.backends.signals import connection_created

from habitants.normalisation import ressemblance

#: Seuil de ressemblance d'un mot de la recherche avec un mot des noms (pg_trgm, 0,6 par
#: défaut). Chaque mot devant ressembler, 0,5 tolère une faute de frappe (« lefevbre »).
SEUIL_MOT = 0.5


def _regler_pg_trgm(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as curseur:
            curseur.execute(f"SET pg_trgm.word_similarity_threshold = {SEUIL_MOT}")


def _ressemblance_sqlite(tapes: str, recherche: str) -> float:
    return ressemblance(tuple(tapes.split("\t")), recherche or "")


def _declarer_ressemblance(sender, connection, **kwargs):
    """SQLite : la comparaison tolérante des noms (selectors.Ressemblance) est en Python."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "habitants_ressemblance", 2, _ressemblance_sqlite, deterministic=True
        )


class HabitantsConfig(AppConfig):
    name = "habitants"
    verbose_name = "Habitants et accueil"

    def ready(self):
        connection_created.connect(_regler_pg_trgm, dispatch_uid="habitants_pg_trgm")
        connection_created.connect(
            _declarer_ressemblance, dispatch_uid="habitants_ressemblance_sqlite"
        )
