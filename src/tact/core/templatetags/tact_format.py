"""Display helpers: money, dates and sortable table headers in the active language.

Amounts and dates are formatted with babel in the active UI language, so a German user
reads "1.190,00 €" and "31.12.2025", a Dutch one "€ 1.190,00" and "31 dec 2025".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from django import template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, ngettext

from tact.core.money import quantize

register = template.Library()

# The UI languages mapped to the babel locale whose conventions we show. "en" means the
# European English our users read (31 Dec 2025), not the American default.
BABEL_LOCALES = {"de": "de_DE", "nl": "nl_NL", "en": "en_GB", "fr": "fr_FR"}
DASH = "—"
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def babel_locale() -> str:
    return BABEL_LOCALES.get((get_language() or "en")[:2], "en_GB")


@register.filter
def money(value: Decimal | None, currency: str = "EUR") -> str:
    """``{{ item.open_amount|money:item.currency }}`` → "1.190,00 €" in German."""
    if value is None or value == "":
        return DASH
    return format_currency(quantize(Decimal(value), currency), currency, locale=babel_locale())


@register.filter
def number(value: int | Decimal | None) -> str:
    if value is None:
        return DASH
    return format_decimal(value, locale=babel_locale())


@register.filter
def days_overdue(value: int | None) -> str:
    """Days past the due date; an item not yet due reads "due in 2 days", not "-2"."""
    if value is None or value == "":
        return DASH
    value = int(value)
    if value >= 0:
        return format_decimal(value, locale=babel_locale())
    return ngettext("due in %(days)d day", "due in %(days)d days", -value) % {"days": -value}


@register.filter
def ldate(value: date | None) -> str:
    if not value:
        return DASH
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "medium", locale=babel_locale())


@register.filter
def ldatetime(value: datetime | None, tz_name: str = "") -> str:
    """A moment in the creditor's timezone: date and hours:minutes."""
    if not value:
        return DASH
    if tz_name:
        value = value.astimezone(ZoneInfo(tz_name))
    locale = babel_locale()
    return f"{format_date(value, 'medium', locale=locale)} {format_time(value, 'short', locale=locale)}"


@register.filter
def css_color(value: str | None, fallback: str = "#1f6f5c") -> str:
    """A colour safe to put into a style block: #rrggbb or the fallback."""
    return value if value and COLOR.match(value) else fallback


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str, css_class: str = "") -> str:
    """A table header cell whose link sorts by ``key``; a second click reverses the order.

    Money and date columns sort descending first (the largest debt is the interesting one).
    """
    request = context["request"]
    current = context.get("sort", "")
    descending_first = css_class == "num"
    if current == key:
        target, state = f"-{key}", "ascending"
    elif current == f"-{key}":
        target, state = key, "descending"
    else:
        target, state = (f"-{key}" if descending_first else key), "none"
    params: QueryDict = request.GET.copy()
    params["sort"] = target
    params.pop("page", None)
    href = "?" + params.urlencode()
    arrow = {"ascending": "▲", "descending": "▼"}.get(state, "")
    return format_html(
        '<th class="{}" aria-sort="{}"><a href="{}" hx-get="{}" title="{}">{} <span aria-hidden="true">{}</span></a></th>',
        css_class,
        state,
        href,
        href,
        gettext("Sort by %(column)s") % {"column": label},
        label,
        arrow,
    )


@register.simple_tag(takes_context=True)
def page_url(context, param: str, number: int) -> str:
    """The current address with one page parameter changed (other filters kept)."""
    params: QueryDict = context["request"].GET.copy()
    params[param] = str(number)
    return "?" + params.urlencode()
