from django.apps import AppConfig


class LawConfig(AppConfig):
    name = "tact.law"
    label = "law"
    verbose_name = "Law"
