from django.apps import AppConfig


class ArrangementsConfig(AppConfig):
    name = "tact.arrangements"
    label = "arrangements"
    verbose_name = "Arrangements"
