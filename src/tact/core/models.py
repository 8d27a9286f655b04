from decimal import Decimal

from django.db import models

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
