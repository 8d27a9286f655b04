"""Money: a Decimal amount with an ISO 4217 currency. Never float, never two currencies mixed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision

# Storage precision: amounts are kept at 4 places and quantized to the currency's
# minor unit only when booked or shown.
AMOUNT_MAX_DIGITS = 18
AMOUNT_DECIMAL_PLACES = 4

ZERO = Decimal("0")


class CurrencyMismatch(ValueError):
    pass


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(currency))


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=rounding)


def to_decimal(value: object) -> Decimal:
    """A Decimal from a str/int/Decimal. Floats are refused: they carry binary noise."""
    if isinstance(value, float):
        raise TypeError("float is not accepted for money; pass a str or Decimal")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(ZERO, currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("float factor refused")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __truediv__(self, divisor: int | Decimal) -> Money:
        if isinstance(divisor, float):
            raise TypeError("float divisor refused")
        return Money(self.amount / divisor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def quantized(self) -> Money:
        return Money(quantize(self.amount, self.currency), self.currency)

    def quantize_down(self) -> Money:
        return Money(quantize(self.amount, self.currency, ROUND_DOWN), self.currency)

    def split(self, parts: int) -> list[Money]:
        """Split into equal parts at the currency's minor unit; the last part takes the rest."""
        if parts < 1:
            raise ValueError("parts must be at least 1")
        head = (self / parts).quantize_down()
        return [head] * (parts - 1) + [self - head * (parts - 1)]

    def format(self, locale: str = "en") -> str:
        return format_currency(quantize(self.amount, self.currency), self.currency, locale=locale)

    def __str__(self) -> str:
        return f"{quantize(self.amount, self.currency)} {self.currency}"
