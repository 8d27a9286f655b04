from decimal import Decimal

from django.db import models
from django_scopes import ScopedManager

from .money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS


class AmountField(models.DecimalField):
    """A money amount at storage precision; its currency lives in a sibling field."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", AMOUNT_MAX_DIGITS)
        kwargs.setdefault("decimal_places", AMOUNT_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)


def currency_field(**kwargs) -> models.CharField:
    kwargs.setdefault("max_length", 3)
    kwargs.setdefault("default", "EUR")
    return models.CharField(**kwargs)


ZERO = Decimal("0")


class DocumentField(models.JSONField):
    """A JSON document written once and read whole (an action's items and explanation).

    On PostgreSQL the column is ``json``, JSON text checked on the way in, rather than
    ``jsonb``: a bulk insert that builds its documents in SQL pays for no binary conversion
    (about a quarter of the daily cycle's writing), and the text is what Python parses anyway.
    What ``json`` lacks are jsonb's containment and key-existence operators and indexes:
    use this field only for documents nobody queries inside. ``->`` and ``->>`` work on both.
    """

    def db_type(self, connection):
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # psycopg parses a json column itself (Django asks it for jsonb as text only).
        if value is None or not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)


class SavedLayout(models.Model):
    """A creditor's saved column layout of a file its systems export (ledger files, bank
    CSV): our field -> their header, the per-file conventions the data cannot tell, and
    at most one default (each concrete model names its constraints)."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(max_length=100)
    columns = models.JSONField(default=dict)  # {"due_date": "Zahlbar bis", ...}
    options = models.JSONField(default=dict, blank=True)  # {"decimal": ",", "date_order": "dmy", ...}
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name
