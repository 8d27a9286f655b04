from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tact.api"
    label = "api"
