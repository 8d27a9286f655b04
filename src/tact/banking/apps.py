from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "tact.banking"
    label = "banking"
