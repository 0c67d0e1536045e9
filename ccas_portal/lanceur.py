"""Lance ensemble le serveur web, un worker Celery et le planificateur beat ; Ctrl-C arrête tout.

Chaque programme tourne dans son propre groupe de processus : le lanceur seul reçoit Ctrl-C
et arrête proprement les autres (SIGTERM, puis SIGKILL après un délai).

La console reste lisible : sans bannières de démarrage (celle du serveur de développement, celles
de Celery), l'annonce du lanceur (adresse, comptes) vient quand le serveur web répond ; ensuite
défilent les requêtes et les journaux des programmes.
"""

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Programme:
    nom: str
    commande: list[str]
    #: Sortie standard écartée (la bannière du serveur de développement) ; les journaux, sur la
    #: sortie d'erreur, restent affichés.
    sans_banniere: bool = False


def programmes_du_portail(*, adresse: str, port: int, beat: bool = True) -> list[Programme]:
    python = sys.executable
    programmes = [
        Programme(
            "web",
            [python, "manage.py", "runserver", f"{adresse}:{port}", "--noreload"],
            sans_banniere=True,
        ),
        Programme(
            "worker",
            [
                python,
                "-m",
                "celery",
                "-A",
                "ccas_portal",
                "--quiet",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--hostname",
                "portail@%h",
                "--queues",
                "celery,detection",
            ],
        ),
    ]
    if beat:
        programmes.append(
            Programme(
                "beat",
                [
                    python,
                    *("-m", "celery", "-A", "ccas_portal", "--quiet", "beat", "--loglevel", "INFO"),
                ],
            )
        )
    return programmes


def port_ouvert(adresse: str, port: int) -> bool:
    """Vrai si un serveur accepte les connexions à cette adresse."""
    try:
        with socket.create_connection((adresse, port), timeout=0.5):
            return True
    except OSError:
        return False


class Superviseur:
    def __init__(
        self,
        programmes: list[Programme],
        *,
        delai_arret: float = 15.0,
        sortie=None,
        annonce: str = "",
        pret: Callable[[], bool] = lambda: True,
    ):
        """`annonce` s'affiche une fois, dès que `pret()` (le serveur web répond)."""
        self.programmes = programmes
        self.delai_arret = delai_arret
        self.sortie = sortie or sys.stdout
        self.annonce = annonce
        self.pret = pret
        self.processus: dict[str, subprocess.Popen] = {}
        self._arret_demande = False

    def _dire(self, message: str) -> None:
        print(message, file=self.sortie, flush=True)

    def _demander_arret(self, signum, _frame) -> None:
        self._arret_demande = True

    def demarrer(self) -> None:
        for programme in self.programmes:
            self.processus[programme.nom] = subprocess.Popen(
                programme.commande,
                start_new_session=True,
                stdout=subprocess.DEVNULL if programme.sans_banniere else None,
            )

    def arreter(self) -> None:
        vivants = {nom: p for nom, p in self.processus.items() if p.poll() is None}
        for processus in vivants.values():
            processus.send_signal(signal.SIGTERM)
        limite = time.monotonic() + self.delai_arret
        for nom, processus in vivants.items():
            try:
                processus.wait(timeout=max(0.1, limite - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._dire(f"{nom} ne s'arrête pas : arrêt forcé.")
                processus.kill()
                processus.wait()

    def executer(self) -> int:
        """Démarre tout, attend Ctrl-C ou la fin d'un programme, arrête tout ; code de sortie."""
        anciens = {
            sig: signal.signal(sig, self._demander_arret) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        code = 0
        try:
            self.demarrer()
            a_annoncer = bool(self.annonce)
            while not self._arret_demande:
                if a_annoncer and self.pret():
                    self._dire(self.annonce)
                    a_annoncer = False
                termines = [
                    (n, p.returncode) for n, p in self.processus.items() if p.poll() is not None
                ]
                if termines:
                    nom, code = termines[0]
                    self._dire(
                        f"Le programme « {nom} » s'est arrêté (code {code}) : arrêt du portail."
                    )
                    code = code or 1
                    break
                time.sleep(0.3)
            else:
                self._dire("Arrêt demandé : arrêt du serveur web, du worker et de beat…")
        finally:
            self.arreter()
            for sig, ancien in anciens.items():
                signal.signal(sig, ancien)
        return code
