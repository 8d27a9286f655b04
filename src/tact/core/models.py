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
