import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from ccas_portal.demo import COMPTES_DEMO, MOT_DE_PASSE_DEMO
from ccas_portal.lanceur import Superviseur, programmes_du_portail
from ccas_portal.models import Agent


class Command(BaseCommand):
    help = "Démarre le portail : serveur web, worker Celery et beat ensemble (Ctrl-C arrête tout)."

    def add_arguments(self, parser):
        parser.add_argument("--adresse", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sans-beat", action="store_true", help="ne pas lancer beat")

    def handle(self, *args, adresse, port, sans_beat, **options):
        base = settings.DATABASES["default"]
        broker = settings.CELERY_BROKER_URL.split("@")[-1]
        self.stdout.write(
            f"\nPortail du CCAS : http://{adresse}:{port}/\n"
            f"  base : {base['ENGINE'].rsplit('.', 1)[-1]} {base.get('NAME')}\n"
            f"  broker Celery : {broker}\n"
        )
        demo = Agent.objects.filter(username__in=[c[0] for c in COMPTES_DEMO])
        if settings.DEBUG and demo.exists():
            self.stdout.write(f"Comptes de démonstration (mot de passe : {MOT_DE_PASSE_DEMO}) :")
            for agent in demo.order_by("username"):
                self.stdout.write(f"  {agent.username:<12} {agent.get_role_display()}")
        self.stdout.write("Ctrl-C arrête le serveur, le worker et beat.\n")
        programmes = programmes_du_portail(adresse=adresse, port=port, beat=not sans_beat)
        code = Superviseur(programmes).executer()
        if code:
            sys.exit(code)
