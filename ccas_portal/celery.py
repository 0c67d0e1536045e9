"""L'application Celery du portail (recette officielle Celery + Django).

Les tâches de chaque application (`<app>/tasks.py`) sont découvertes automatiquement, et celle
du tableau de bord (`ccas_portal/pilotage/tasks.py`) ; le
calendrier des tâches périodiques est en base (django-celery-beat), modifiable par un admin.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccas_portal.settings.dev")

app = Celery("ccas_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Le tableau de bord n'est pas une application Django : sa tâche nocturne est déclarée ici.
app.autodiscover_tasks(["ccas_portal.pilotage"])


@app.on_after_configure.connect
def _creer_dossiers_embarques(sender, **kwargs):
    """Le broker sur fichiers exige que ses dossiers existent avant le premier message."""
    options = sender.conf.broker_transport_options or {}
    for cle in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(cle):
            os.makedirs(options[cle], exist_ok=True)
    backend = sender.conf.result_backend or ""
    if "file://" in backend:
        os.makedirs(backend.partition("file://")[2], exist_ok=True)
