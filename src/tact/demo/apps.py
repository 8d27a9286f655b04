from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tact.demo"
    label = "demo"
