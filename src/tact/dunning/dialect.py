"""The few SQL differences between PostgreSQL and SQLite the cycle's hand-written SQL meets:
JSON building, date arithmetic, how values come back. Everything else is plain SQL.

Fragments here are inlined into statements that always carry parameters, so a literal
``%`` is written ``%%``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import get_currency_precision, list_currencies
from django.db import connection

FOUR_PLACES = Decimal("0.0001")


class Sql:
    """SQL text with its parameters, appended in textual order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, text: str, *params: Any) -> Sql:
        self.parts.append(text)
        self.params.extend(params)
        return self

    def text(self) -> str:
        return "".join(self.parts)


def is_pg() -> bool:
    return connection.vendor == "postgresql"


def day(value: date) -> Any:
    """A date parameter: PostgreSQL takes the date, SQLite stores ISO text."""
    return value if is_pg() else value.isoformat()


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def amount(value: Any) -> Decimal:
    """PostgreSQL gives Decimal; SQLite stores numerics as REAL and gives floats, read back
    through their shortest repr at storage precision, as Django's own converter does."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value)).quantize(FOUR_PLACES)


def literal(value: str) -> str:
    # Only our own enum values are inlined (channels, kinds, reasons); the rest are parameters.
    if not value.replace("_", "").isalnum():
        raise ValueError(f"not an identifier-like value: {value!r}")
    return f"'{value}'"


@lru_cache(maxsize=1)
def _odd_precisions() -> dict[str, int]:
    """Currencies whose minor unit is not the cent (JPY 0, KWD 3, …)."""
    return {c: p for c in list_currencies() if (p := get_currency_precision(c)) != 2}


def money_text(value: str, currency: str) -> str:
    """An amount as text rounded half up to its currency's minor unit, e.g. '1190.00'.

    Almost every amount is in a two-decimal currency; the others are tested by one hashed
    IN list before their own CASE, so the common case costs one lookup, not fifty."""
    odd = _odd_precisions()
    codes = ", ".join(f"'{c}'" for c in sorted(odd))
    places = f"CASE {currency} " + " ".join(f"WHEN '{c}' THEN {p}" for c, p in sorted(odd.items())) + " END"
    if is_pg():
        return f"CASE WHEN {currency} IN ({codes}) THEN ROUND({value}, {places})::text ELSE ROUND({value}, 2)::text END"
    return f"CASE WHEN {currency} IN ({codes}) THEN printf('%%.' || ({places}) || 'f', {value}) ELSE printf('%%.2f', {value}) END"


def json_object(
    pairs: list[tuple[str, str]],
    *,
    strip_nulls: bool = False,
    optional: list[tuple[str, list[tuple[str, str]]]] = (),
) -> str:
    """A JSON object (jsonb on PostgreSQL: stored as is, never parsed again).

    ``optional`` adds members only when their condition holds — ``[(condition, pairs)]`` —
    cheaper than building nulls and stripping them.
    """
    if optional:
        if is_pg():
            built = json_object(pairs, strip_nulls=strip_nulls)
            for condition, extra in optional:
                built += f" || CASE WHEN {condition} THEN {json_object(extra, strip_nulls=True)} ELSE '{{}}'::jsonb END"
            return f"({built})"
        # SQLite: nulls, then a merge patch that drops them (small data, simple SQL).
        nulls = [
            (
                k,
                f"json(CASE WHEN {condition} THEN 'true' END)"
                if v == JSON_TRUE
                else f"CASE WHEN {condition} THEN {v} END",
            )
            for condition, extra in optional
            for k, v in extra
        ]
        return json_object([*pairs, *nulls], strip_nulls=True)
    body = ", ".join(f"'{key}', {value}" for key, value in pairs)
    if is_pg():
        built = f"jsonb_build_object({body})"
        return f"jsonb_strip_nulls({built})" if strip_nulls else built
    built = f"json_object({body})"
    return f"json_patch('{{}}', {built})" if strip_nulls else built  # a merge patch drops null members


def json_value(expr: str) -> str:
    """JSON text (or a JSON column) embedded as JSON, not as a string, in a built object.
    SQLite loses the JSON mark of a value that passes through CASE or COALESCE."""
    return expr if is_pg() else f"json({expr})"


def json_bool(condition: str) -> str:
    if is_pg():
        return f"({condition})"
    return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"


JSON_TRUE = "json('true')"


def json_true() -> str:
    return "true" if is_pg() else JSON_TRUE


def add_days(date_expr: str, days_expr: str) -> str:
    return (
        f"({date_expr} + {days_expr})" if is_pg() else f"date({date_expr}, printf('%%+d days', {days_expr}))"
    )


def days_since(sql: Sql, run_on: date, date_expr: str) -> None:
    if is_pg():
        sql.add(f"(%s::date - {date_expr})", run_on)
    else:
        sql.add(f"CAST(julianday(%s) - julianday({date_expr}) AS INTEGER)", run_on.isoformat())


def boolean(condition: str) -> str:
    """A value for a boolean column."""
    return f"({condition})" if is_pg() else f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def stamp(value: Any) -> Any:
    """A datetime parameter."""
    return value if is_pg() else connection.ops.adapt_datetimefield_value(value)
