"""Column layouts in words: ``{{ key|field_label }}`` and ``{{ mapping.options|layout_options }}``."""

from __future__ import annotations

from django import template

from tact.ledger.imports.columns import FIELDS_BY_NAME, field_key

from ..forms import DATE_ORDER_CHOICES, DECIMAL_CHOICES
from ..forms import field_label as label_of

register = template.Library()


@register.filter
def field_label(key: str) -> str:
    """The label of our field for a key of a saved layout (``due_date`` or ``due_on``)."""
    name = field_key(str(key))
    return label_of(FIELDS_BY_NAME[name]) if name else str(key)


@register.filter
def layout_options(options: dict | None) -> list[str]:
    """The conventions a layout fixes, in the user's language."""
    options = options or {}
    shown = []
    for key, choices in (("decimal", DECIMAL_CHOICES), ("date_order", DATE_ORDER_CHOICES)):
        value = options.get(key)
        if value:
            shown.append(str(dict(choices).get(value, value)))
    return shown
