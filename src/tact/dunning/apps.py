from django.apps import AppConfig


class DunningConfig(AppConfig):
    name = "tact.dunning"
    label = "dunning"
    verbose_name = "Dunning"
