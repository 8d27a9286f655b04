from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tact.tenancy"
    label = "tenancy"
