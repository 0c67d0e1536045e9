from django.apps import AppConfig


class DroitsConfig(AppConfig):
    name = "droits"
    verbose_name = "Droits et non-recours"
