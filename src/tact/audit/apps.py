from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tact.audit"
    label = "audit"
