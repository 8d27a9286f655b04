from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tact.portal"
    label = "portal"
    verbose_name = "Debtor portal"
