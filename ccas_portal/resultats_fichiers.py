"""Résultats des tâches Celery sur fichiers (réglage embarqué de `make run` et `make test`).

Le backend « file:// » de Celery récrit le fichier d'une tâche sur place (`open(…, "wb")`
puis `write`) : deux écritures qui se croisent (état « commencée » et « réussie » d'une même
tâche) laissaient un fichier fait de la plus courte suivie de la fin de la plus longue, que la
lecture refusait (« Extra data », DecodeError). Ici, comme pour le broker sur fichiers
(`broker_fichiers.py`) : chaque écriture va dans un fichier provisoire renommé d'un coup (une
lecture voit l'ancien contenu ou le nouveau, jamais un mélange), sous un verrou du dossier ; et
un état final (réussie, échouée…) n'est jamais remplacé par un état d'avant (commencée).
"""

import fcntl
import json
import os
import threading

from celery import states
from celery.backends.filesystem import FilesystemBackend
from kombu.utils.encoding import ensure_bytes


def _etat(contenu: bytes | None) -> str | None:
    try:
        return json.loads(contenu).get("status") if contenu else None
    except (ValueError, AttributeError):
        return None


class Resultats(FilesystemBackend):
    """S'emploie par `CELERY_RESULT_BACKEND = "ccas_portal.resultats_fichiers:Resultats+file:///dossier"`."""

    def set(self, key, value):
        nom = self._filename(key)
        verrou = self.path + self.sep + b".verrou"
        with open(verrou, "ab") as fichier_verrou:
            fcntl.flock(fichier_verrou, fcntl.LOCK_EX)
            nouveau = ensure_bytes(value)
            if _etat(self.get(key)) in states.READY_STATES and (
                _etat(nouveau) not in states.READY_STATES
            ):
                return
            provisoire = b"%s.%d.%d.provisoire" % (nom, os.getpid(), threading.get_ident())
            with open(provisoire, "wb") as sortie:
                sortie.write(nouveau)
            os.replace(provisoire, nom)
