import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from ccas_portal.demo import COMPTES_DEMO, MOT_DE_PASSE_DEMO
from ccas_portal.lanceur import Superviseur, port_ouvert, programmes_du_portail
from ccas_portal.models import Agent


class Command(BaseCommand):
    help = "Démarre le portail : serveur web, worker Celery et beat ensemble (Ctrl-C arrête tout)."

    def add_arguments(self, parser):
        parser.add_argument("--adresse", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sans-beat", action="store_true", help="ne pas lancer beat")

    def handle(self, *args, adresse, port, sans_beat, **options):
        self.stdout.write("Démarrage du serveur web, du worker et de beat…")
        programmes = programmes_du_portail(adresse=adresse, port=port, beat=not sans_beat)
        code = Superviseur(
            programmes,
            annonce=self.annonce(adresse, port),
            pret=lambda: port_ouvert(adresse, port),
        ).executer()
        if code:
            sys.exit(code)

    def annonce(self, adresse: str, port: int) -> str:
        """Affichée quand le serveur web répond : l'adresse, puis les comptes."""
        base = settings.DATABASES["default"]
        broker = settings.CELERY_BROKER_URL.split("@")[-1]
        lignes = [
            "",
            f"Portail du CCAS : http://{adresse}:{port}/",
            "  (serveur de développement de Django ; en production : waitress, voir README)",
            f"  base : {base['ENGINE'].rsplit('.', 1)[-1]} {base.get('NAME')}",
            f"  broker Celery : {broker}",
        ]
        demo = Agent.objects.filter(username__in=[c[0] for c in COMPTES_DEMO])
        if settings.DEBUG and demo.exists():
            lignes.append(f"Comptes de démonstration (mot de passe : {MOT_DE_PASSE_DEMO}) :")
            lignes += [
                f"  {agent.username:<12} {agent.get_role_display()}"
                for agent in demo.order_by("username")
            ]
            lignes.append(
                "  admin et responsable : à la première connexion, activer la double "
                "authentification (QR code ou clé pour une application TOTP ; voir le README)."
            )
        lignes += [
            "Le worker prépare OpenFisca-France à son démarrage (une vingtaine de secondes) :",
            "la détection du non-recours et « Simuler maintenant » répondent dès qu'il est prêt",
            "(« portail@… ready. »).",
            "Ctrl-C arrête le serveur, le worker et beat.\n",
        ]
        return "\n".join(lignes)
