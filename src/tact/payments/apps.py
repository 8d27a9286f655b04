from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "tact.payments"
    label = "payments"
    verbose_name = "Online payments"
