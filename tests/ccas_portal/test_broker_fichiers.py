"""Le broker sur fichiers : un message n'apparaît sous son nom de file qu'une fois écrit."""

import json
import os

from kombu import Connection

from ccas_portal import broker_fichiers


def _connexion(dossier):
    options = {
        "data_folder_in": str(dossier),
        "data_folder_out": str(dossier),
        "control_folder": str(dossier / "controle"),
        "store_processed": False,
    }
    (dossier / "controle").mkdir()
    return Connection(
        "filesystem://localhost//",
        transport="ccas_portal.broker_fichiers:Transport",
        transport_options=options,
    )


def test_le_message_n_est_visible_qu_une_fois_ecrit(tmp_path, monkeypatch):
    visibles_pendant_l_ecriture = []
    vrai_open = open

    def open_espion(chemin, *args, **kwargs):
        visibles_pendant_l_ecriture.append([n for n in os.listdir(tmp_path) if n.endswith(".msg")])
        return vrai_open(chemin, *args, **kwargs)

    monkeypatch.setattr(broker_fichiers, "open", open_espion, raising=False)
    with _connexion(tmp_path) as connexion:
        file = connexion.SimpleQueue("essai")
        file.put({"bonjour": "monde"})
        assert visibles_pendant_l_ecriture == [[]]
        messages = [n for n in os.listdir(tmp_path) if n.endswith(".essai.msg")]
        assert len(messages) == 1
        assert json.loads((tmp_path / messages[0]).read_text())  # complet, lisible
        assert not [n for n in os.listdir(tmp_path) if n.startswith(".ecriture-")]
        recu = file.get(timeout=1)
        assert recu.payload == {"bonjour": "monde"}
        recu.ack()
        file.close()
