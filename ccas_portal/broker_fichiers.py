"""Le broker sur fichiers de `make run` (kombu « filesystem »), sans message lu à moitié écrit.

kombu crée le fichier d'un message sous son nom définitif puis y écrit : un worker qui parcourt
le dossier à cet instant peut le déplacer et le lire vide, et meurt sur « JSONDecodeError »
(vu sous charge, deux cœurs occupés). Ici le message est écrit sous un nom que les workers ne
lisent pas (il ne finit pas par `<file>.msg`), puis renommé d'un coup (`os.replace`, atomique
dans un même dossier) : un worker voit le fichier complet ou ne le voit pas.
"""

import os
import uuid

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        nom = f"{round(filesystem.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, nom)
        provisoire = os.path.join(self.data_folder_out, f".ecriture-{uuid.uuid4()}")
        try:
            with open(provisoire, "wb", buffering=0) as fichier:
                fichier.write(str_to_bytes(dumps(payload)))
            os.replace(provisoire, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
