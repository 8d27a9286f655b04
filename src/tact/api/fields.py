"""Field types of the API's schemas.

Money is a JSON string (``"1190.00"``), never a number: a float cannot hold 0.10 exactly.
Strings refuse NUL characters and lone surrogates (the database would refuse them later,
as a server error); ids are bounded to 64-bit integers for the same reason.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from tact.core.money import quantize
from tact.tenancy.models import COUNTRIES, LANGUAGES

MAX_ID = 2**63 - 1
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
AMOUNT_PATTERN = r"^-?[0-9]{1,14}(\.[0-9]{1,4})?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
NO_NUL = r"^[^\x00]*$"
_AMOUNT_RE = re.compile(AMOUNT_PATTERN)


def _valid_unicode(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("contains characters that are not valid Unicode.") from exc
    return value


def text(max_length: int, *, required: bool = False) -> Any:
    """A string type: at most ``max_length`` characters, no NUL; ``required`` ones are stripped and non-empty."""
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=required, min_length=1 if required else 0, max_length=max_length, pattern=NO_NUL
        ),
        AfterValidator(_valid_unicode),
    ]


def _amount_in(value: Any) -> Decimal:
    if isinstance(value, str) and _AMOUNT_RE.match(value):
        return Decimal(value)
    raise ValueError('must be a decimal string like "1190.00" (up to 14 digits, at most 4 decimal places).')


def _amount_out(value: Decimal) -> str:
    return format(value, "f")


Amount = Annotated[
    Decimal,
    PlainValidator(_amount_in),
    PlainSerializer(_amount_out, return_type=str),
    WithJsonSchema({"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["1190.00"]}),
]
# In responses the value comes from the database, already a Decimal.
AmountOut = Annotated[
    Decimal,
    PlainSerializer(_amount_out, return_type=str),
    WithJsonSchema({"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["1190.00"]}),
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Currency = Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN)]
Country = Literal[tuple(code for code, _ in COUNTRIES)]
Language = Literal[tuple(code for code, _ in LANGUAGES)]
Number = text(64, required=True)
Name = text(200, required=True)
Tag = text(50, required=True)
Text20 = text(20)
Text30 = text(30)
Text34 = text(34)
Text40 = text(40)
Text64 = text(64)
Text100 = text(100)
Text140 = text(140)
Text200 = text(200)
Text254 = text(254)
Text500 = text(500)


def display_amount(value: Decimal, currency: str) -> Decimal:
    """The amount at the currency's minor unit ("1190.00"), unless that would drop digits."""
    shown = quantize(value, currency)
    return shown if shown == value else value.normalize()


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def optional(**kwargs: Any) -> Any:
    """A field that may be left out but, when sent, must not be null (PATCH bodies, defaults)."""
    return Field(default=None, json_schema_extra=_drop_default, **kwargs)


class StrictIn(Schema):
    """Request bodies: unknown keys are refused, so a typo is an error and not silently ignored."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class MoneyOut(Schema):
    """Responses: amounts shown at the currency's minor unit."""

    money_fields: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _display_money(self) -> MoneyOut:
        currency = getattr(self, "currency", "EUR")
        for name in self.money_fields:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, display_amount(value, currency))
        return self
