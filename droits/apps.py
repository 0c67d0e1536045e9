from django.apps import AppConfig


class DroitsConfig(AppConfig):
    name = "droits"
    verbose_name = "Droits et non-recours"

    def ready(self):
        # Les tâches de la détection s'enregistrent auprès de Celery dans chaque processus
        # (web compris) : `droits.detection.execution` les enfile par leur nom (ADR 0031).
        from droits import tasks  # noqa: F401, PLC0415 (AppConfig.ready : enregistrer les tâches)
