from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "tact.ledger"
    label = "ledger"
