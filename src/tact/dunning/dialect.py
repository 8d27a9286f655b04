"""The few SQL differences between PostgreSQL and SQLite the cycle's hand-written SQL meets:
JSON building, date arithmetic, how values come back. Everything else is plain SQL.

Fragments here are inlined into statements that always carry parameters, so a literal
``%`` is written ``%%``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

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


def _sqlite_object(
    pairs: list[tuple[str, str]], *, optional: list[tuple[str, list[tuple[str, str]]]] = ()
) -> str:
    """SQLite: json_object; ``optional`` members are nulls unless their condition holds, then
    a merge patch drops the nulls (small data, simple SQL)."""
    if not optional:
        body = ", ".join(f"'{key}', {value}" for key, value in pairs)
        return f"json_object({body})"
    nulls = [
        (key, f"json(CASE WHEN {condition} THEN 'true' END)" if value == _SQLITE_TRUE
         else f"CASE WHEN {condition} THEN {value} END")
        for condition, extra in optional
        for key, value in extra
    ]  # fmt: skip
    return f"json_patch('{{}}', {_sqlite_object([*pairs, *nulls])})"


_SQLITE_TRUE = "json('true')"


def add_days(date_expr: str, days_expr: str) -> str:
    return (
        f"({date_expr} + {days_expr})" if is_pg() else f"date({date_expr}, printf('%%+d days', {days_expr}))"
    )


def days_since(run_on: date, date_expr: str) -> str:
    """Days from ``date_expr`` to ``run_on`` (a date, inlined)."""
    if is_pg():
        return f"(DATE '{run_on.isoformat()}' - {date_expr})"
    return f"CAST(julianday('{run_on.isoformat()}') - julianday({date_expr}) AS INTEGER)"


def boolean(condition: str) -> str:
    """A value for a boolean column."""
    return f"({condition})" if is_pg() else f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def pick(sql: Sql, index: str, values: list[Any], *, cast: str) -> None:
    """SQL: ``values[index - 1]`` for a 1-based integer expression ``index``; null out of range.

    PostgreSQL subscripts a constant array: in constant time when the values are of a fixed
    width and none is null (an array of text is walked from its start, so keep long lookups
    numeric). SQLite has no arrays: a CASE."""
    if is_pg():
        sql.add(f"(ARRAY[{', '.join(['%s'] * len(values))}]::{cast}[])[{index}]", *values)
        return
    whens = [(n, value) for n, value in enumerate(values, 1) if value is not None]
    if not whens:
        sql.add("NULL")
        return
    sql.add(f"CASE {index}")
    for n, value in whens:
        sql.add(f" WHEN {n} THEN %s", value)
    sql.add(" END")


def group_concat(expr: str) -> str:
    """An aggregate: the group's values joined by commas."""
    return f"string_agg({expr}, ',')" if is_pg() else f"group_concat({expr}, ',')"


def fence() -> str:
    """Ends a subquery that PostgreSQL must compute as it is, rather than copy its expressions
    into each place the outer query uses them (each would be evaluated again)."""
    return " OFFSET 0" if is_pg() else ""


def stamp(value: Any) -> Any:
    """A datetime parameter."""
    return value if is_pg() else connection.ops.adapt_datetimefield_value(value)


# --- JSON documents built in one pass ---------------------------------------------------------
#
# A stored document (an action's items and explanation) is described once as typed members
# and rendered for the database: SQLite builds it with json_object; PostgreSQL writes it as
# text into a json column, which only checks it (``core.models.DocumentField``).
# jsonb_build_object looks up every argument's type and output function on every call and
# jsonb_agg copies each element again: for the 237,000 items and 92,000 explanations of
# ``tact bench cycle`` that took about 2.3 s of CPU, text parsed into jsonb about 1.3 s,
# text checked into json about half of that.
#
# Text members rely on ISO dates (``cycle_run`` sets DateStyle) and on amounts and our own
# codes needing no escaping; anything a person typed goes through ``string``.


class Value(NamedTuple):
    """A JSON value of a document: its kind and the SQL that computes it (see the helpers).
    The SQL takes no parameters: PostgreSQL writes an object's members in another order."""

    kind: str
    expr: Any


def string(expr: str) -> Value:
    """A string that may need escaping (a number a person or an import wrote)."""
    return Value("string", expr)


def plain(expr: str) -> Value:
    """A string that needs no escaping: an ISO date, an amount, one of our codes."""
    return Value("plain", expr)


def number(expr: str) -> Value:
    return Value("number", expr)


def flag(condition: str) -> Value:
    return Value("flag", condition)


def raw(expr: str) -> Value:
    """JSON already: a jsonb column (a JSON text column on SQLite), or JSON text."""
    return Value("raw", expr)


def obj(
    members: list[tuple[str, Value]], *, optional: list[tuple[str, list[tuple[str, Value]]]] = ()
) -> Value:
    """An object. ``optional``: ``[(condition, members)]``, each member present only when
    its condition holds and its value is not null."""
    return Value("object", (members, optional))


def when(condition: str, value: Value) -> Value:
    """``value`` when the condition holds, else null."""
    return Value("when", (condition, value))


def either(first: str, fallback: Value) -> Value:
    """The JSON text ``first`` unless it is null, else ``fallback``."""
    return Value("either", (first, fallback))


def _pg(value: Value) -> str:
    """PostgreSQL: SQL computing the value as JSON text; null when the value is SQL NULL."""
    kind, expr = value
    if kind == "string":
        return f"to_json({expr})::text"
    if kind == "plain":
        return f"""('"' || {expr} || '"')"""
    if kind == "number":
        return f"({expr})::text"
    if kind == "flag":
        return f"CASE WHEN {expr} THEN 'true' ELSE 'false' END"
    if kind == "raw":
        return f"({expr})::text"
    if kind == "when":
        condition, inner = expr
        return f"CASE WHEN {condition} THEN {_pg(inner)} END"
    if kind == "either":
        first, fallback = expr
        return f"COALESCE({first}, {_pg(fallback)})"
    members, optional = expr
    # One concat() per object: it skips nulls (an absent optional member) and builds the
    # text in one buffer, where a chain of || copies it once per member.
    flat = [(None, key, m) for key, m in members] + [(c, key, m) for c, extra in optional for key, m in extra]
    leading = flat[0][0] is None  # the first member is always there: it takes no comma
    parts = []
    for n, (condition, key, m) in enumerate(flat):
        head = "" if n == 0 and leading else ","
        if condition is None:
            parts.append(f"'{head}\"{key}\":', COALESCE({_pg(m)}, 'null')")
        else:
            # A null value leaves the member out (the concatenation is null).
            parts.append(f"CASE WHEN {condition} THEN '{head}\"{key}\":' || {_pg(m)} END")
    if leading:
        return "concat('{', " + ", ".join(parts) + ", '}')"
    # Every member may be absent: drop the comma of whichever comes first.
    return "('{' || substr(concat(" + ", ".join(parts) + "), 2) || '}')"


def _sqlite(value: Value) -> str:
    kind, expr = value
    if kind in ("string", "plain", "number"):
        return expr
    if kind == "flag":
        return f"json(CASE WHEN {expr} THEN 'true' ELSE 'false' END)"
    if kind == "raw":
        return f"json({expr})"
    if kind == "when":
        condition, inner = expr
        return f"json(CASE WHEN {condition} THEN {_sqlite(inner)} END)"
    if kind == "either":
        first, fallback = expr
        return f"json(COALESCE({first}, {_sqlite(fallback)}))"
    members, optional = expr
    return _sqlite_object(
        [(key, _sqlite(member)) for key, member in members],
        optional=[(condition, [(key, _sqlite(m)) for key, m in extra]) for condition, extra in optional],
    )


def document(value: Value) -> str:
    """SQL for a JSON document column (``core.models.DocumentField``: json on PostgreSQL,
    JSON text on SQLite)."""
    return f"({_pg(value)})::json" if is_pg() else _sqlite(value)


def document_agg(value: Value, *, order_by: str) -> str:
    """An aggregate: the JSON array of the group's values, in ``order_by`` order. SQLite has
    no ordered aggregate: callers there aggregate an ordered subquery (``sqlite_items``)."""
    if not is_pg():
        raise NotImplementedError("SQLite aggregates an ordered subquery")
    return f"('[' || string_agg({_pg(value)}, ',' ORDER BY {order_by}) || ']')::json"
