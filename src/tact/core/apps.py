from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tact.core"
    label = "core"
