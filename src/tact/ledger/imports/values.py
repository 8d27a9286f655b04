"""Typed values from the text of ledger files: amounts, dates, countries, languages, kinds.

Each ``parse_*`` function takes the text of one cell and returns the value or raises
`BadValue`, whose message names the format that was expected. What a single value cannot
tell (is ``1,234`` one thousand or one point two? is ``01/02/2025`` the first of February?)
is decided once per file from the evidence of all values (`decimal_evidence`,
`date_evidence`) and the creditor's country, then passed in: never guessed row by row.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

import phonenumbers
from babel import Locale
from babel.numbers import list_currencies
from stdnum.eu import vat as eu_vat


class BadValue(ValueError):
    """A cell whose text is not what its column expects; ``message`` says what was."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------
# Folding: how header names and enumerated values are compared.

_SPECIAL = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th", "ł": "l"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """``"Fällig am"``, ``"faellig_am"`` and ``"FALLIG-AM"`` all fold to ``"falligam"``.

    Accents are dropped and the German transliterations ae/oe/ue collapse to a/o/u on both
    sides, so an export that wrote ``Waehrung`` for ``Währung`` still matches.
    """
    text = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NOT_ALNUM.sub("", text)
    return text.replace("ae", "a").replace("oe", "o").replace("ue", "u")


# ---------------------------------------------------------------------------------------
# Amounts.

# Countries whose own convention is a decimal comma: the fallback when a file's values
# do not settle it (DE, NL, BE, AT are the ones we serve; the others for their neighbours).
DECIMAL_COMMA_COUNTRIES = frozenset(
    "DE AT NL BE LU FR IT ES PT DK SE NO FI PL CZ SK HU SI HR RO BG GR EE LV LT IS TR BR".split()
)
# Countries that write dates month first: the fallback for ``01/02/2025``.
MONTH_FIRST_COUNTRIES = frozenset({"US", "PH", "FM", "MH", "PW"})

MAX_INTEGER_DIGITS = 14  # AmountField: 18 digits, 4 of them decimals
MAX_DECIMAL_PLACES = 4

FAST_AMOUNT = {
    ",": re.compile(r"-?\d{1,14}(?:,\d{1,4})?"),
    ".": re.compile(r"-?\d{1,14}(?:\.\d{1,4})?"),
}
_GROUPED_AMOUNT = {
    ",": re.compile(r"-?\d{1,3}(?:\.\d{3})+(?:,\d{1,4})?"),
    ".": re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d{1,4})?"),
}
_SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space (French grouping)
_GROUP = {",": r"[.'’" + _SPACES + "]", ".": r"[,'’" + _SPACES + "]"}
_BODY = {
    sep: re.compile(rf"(?:\d{{1,3}}(?:({grp})\d{{3}})(?:\1\d{{3}})*|\d+)(?:{re.escape(sep)}(\d+))?")
    for sep, grp in _GROUP.items()
}
_AMOUNT_PARTS = re.compile(
    r"""\s*(?P<open>\()?\s*
    (?P<sign1>[-+\u2212])?\s*
    (?:(?P<cur1>[A-Za-z]{3}|[€£$])\.?\s*)?
    (?P<sign2>[-+\u2212])?\s*
    (?P<body>\d(?:[\d.,'’\u00a0\u202f ]*\d)?)
    \s*(?P<sign3>[-\u2212])?\s*
    (?:(?P<cur2>[A-Za-z]{3}|[€£$])\s*)?
    (?P<sign4>[-\u2212])?\s*
    (?P<close>\))?\s*""",
    re.VERBOSE,
)
_SYMBOLS = {"€": "EUR", "£": "GBP"}
AMOUNT_EXAMPLE = {",": "1.234,56", ".": "1,234.56"}


def parse_amount(text: str, decimal: str, currency: str | None = None) -> Decimal:
    """``"1.234,56"`` → ``Decimal("1234.56")`` when ``decimal`` is ``","``.

    Accepts a sign in front, a trailing minus (``12,50-``), parentheses for a negative
    amount, thousands groups of three digits, and a currency code or symbol; a currency
    that differs from the row's ``currency`` is refused.
    """
    if FAST_AMOUNT[decimal].fullmatch(text):
        return Decimal(text.replace(",", ".")) if decimal == "," else Decimal(text)
    if _GROUPED_AMOUNT[decimal].fullmatch(text) and len(text) <= 24:
        if decimal == ",":
            return Decimal(text.replace(".", "").replace(",", "."))
        return Decimal(text.replace(",", ""))
    return _parse_amount_slow(text, decimal, currency)


def _parse_amount_slow(text: str, decimal: str, currency: str | None) -> Decimal:
    example = AMOUNT_EXAMPLE[decimal]
    parts = _AMOUNT_PARTS.fullmatch(text)
    if parts is None:
        raise BadValue(f"not an amount: expected a number like {example}")
    signs = [parts[k] for k in ("sign1", "sign2", "sign3", "sign4") if parts[k]]
    if bool(parts["open"]) != bool(parts["close"]) or len(signs) > 1:
        raise BadValue(f"not an amount: expected a number like {example} or -{example}")
    if (parts["open"] and signs) or (parts["sign3"] == "+" or parts["sign4"] == "+"):
        raise BadValue(f"not an amount: expected a number like {example} or -{example}")
    if parts["cur1"] and parts["cur2"]:
        raise BadValue(f"not an amount: expected a number like {example}")
    mark = parts["cur1"] or parts["cur2"]
    if mark:
        code = _SYMBOLS.get(mark, mark.upper())
        if mark != "$" and code not in currency_codes():
            raise BadValue(f"not an amount: expected a number like {example}")
        if currency and mark != "$" and code != currency:
            raise BadValue(f"the amount is in {code} but the row's currency is {currency}")
    body = _BODY[decimal].fullmatch(parts["body"])
    if body is None:
        other = "." if decimal == "," else ","
        if _BODY[other].fullmatch(parts["body"]):
            raise BadValue(
                f"not an amount in this file's format: expected a number like {example} "
                f"(the other amounts in this file use {_describe(decimal)})"
            )
        raise BadValue(f"not an amount: expected a number like {example}")
    grouping, fraction = body.group(1), body.group(2)
    integer = parts["body"]
    if fraction is not None:
        integer = integer[: -len(fraction) - 1]
    if grouping:
        integer = integer.replace(grouping, "")
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise BadValue(f"amount too large: expected at most {MAX_INTEGER_DIGITS} digits")
    if fraction is not None and len(fraction) > MAX_DECIMAL_PLACES:
        raise BadValue(f"too many decimal places: expected at most {MAX_DECIMAL_PLACES}, like {example}")
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    negative = bool(parts["open"]) or bool(signs and signs[0] != "+")
    return -value if negative else value


def _describe(decimal: str) -> str:
    return "a decimal comma" if decimal == "," else "a decimal point"


def decimal_evidence(text: str) -> str | None:
    """The decimal separator ``text`` proves by itself (``","`` or ``"."``), else None.

    ``1.234,56`` proves a comma; ``12,5`` too (a thousands group has three digits);
    ``1.234.567`` too (only a thousands separator repeats). ``1,234`` proves nothing.
    """
    commas, dots = text.count(","), text.count(".")
    if not commas and not dots:
        return None
    if commas and dots:
        return "," if text.rfind(",") > text.rfind(".") else "."
    sep = "," if commas else "."
    if commas + dots > 1:
        return "." if sep == "," else ","
    at = text.index(sep)
    after = 0
    while at + 1 + after < len(text) and text[at + 1 + after].isdigit():
        after += 1
    before = 0
    while at - 1 - before >= 0 and text[at - 1 - before].isdigit():
        before += 1
    if after != 3 or before == 0 or before > 3 or text[at - before] == "0":
        return sep
    return None


def float_to_decimal(value: float, decimal: str = ",") -> Decimal:
    """A spreadsheet's binary float as the decimal it displays: 0.1 → Decimal("0.1").

    Rounded to 6 places first: ``Decimal(0.1)`` would carry the binary noise.
    """
    if not math.isfinite(value):
        raise BadValue(f"not an amount: expected a number like {AMOUNT_EXAMPLE[decimal]}")
    return Decimal(str(round(value, 6))).normalize() + 0  # + 0 turns -0 and 1E+2 plain


# ---------------------------------------------------------------------------------------
# Dates.

MIN_YEAR, MAX_YEAR = 1900, 2199
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 after Excel's 1900 leap bug
SERIAL_MIN, SERIAL_MAX = 18264, 109574  # 1950-01-01 .. 2199-12-31: plausible invoice days

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_NUMERIC_DATE = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})\.?" + _TIME)
_YMD_SLASH = re.compile(r"(\d{4})([./])(\d{1,2})\2(\d{1,2})" + _TIME)
_COMPACT = re.compile(r"(19|20|21)(\d{2})(\d{2})(\d{2})")
_SERIAL = re.compile(r"(\d{5})(?:[.,]0+)?")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})\.?[\s-]*([^\W\d_]{3,})\.?[\s,-]*(\d{4}|\d{2})")
_MONTH_NAME_DAY = re.compile(r"([^\W\d_]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_DATE_EVIDENCE = re.compile(r"\s*(\d{1,2})[./-](\d{1,2})[./-]\d{2}")

_MONTH_NAMES = {
    1: "jan januar january janvier januari janv jänner janner",
    2: "feb februar february fevrier februari fev fevr",
    3: "mar marz maerz march mars maart mrt",
    4: "apr april avril avr",
    5: "mai may mei",
    6: "jun juni june juin",
    7: "jul juli july juillet juil",
    8: "aug august aout augustus",
    9: "sep sept september septembre",
    10: "okt oktober october octobre oct",
    11: "nov november novembre",
    12: "dez dezember december decembre dec",
}
MONTHS = {fold(name): number for number, names in _MONTH_NAMES.items() for name in names.split()}


def date_example(order: str) -> str:
    return "12/31/2025 or 2025-12-31" if order == "mdy" else "31.12.2025 or 2025-12-31"


def parse_date(text: str, order: str) -> date:
    """``"31.12.2025"`` → ``date(2025, 12, 31)``; ``order`` ("dmy"/"mdy") reads ``01/02/2025``.

    Also ISO ``2025-12-31`` (with an optional time), two-digit years (``31.12.25``),
    ``20251231``, Excel serial numbers (``45657``) and month names in de/nl/en/fr.
    """
    if len(text) == 10:
        # The two formats nearly every export uses; checked without a regex.
        if text[4] == "-" and text[7] == "-" and text[:4].isdigit():
            return _day(text[:4], text[5:7], text[8:10], order)
        if text[2] == "." and text[5] == "." and order == "dmy":
            return _day(text[6:], text[3:5], text[:2], order)
    text = text.strip()
    if m := _ISO.fullmatch(text):
        return _day(m[1], m[2], m[3], order)
    if m := _NUMERIC_DATE.fullmatch(text):
        first, second, year = m[1], m[3], m[4]
        if order == "mdy":
            first, second = second, first
        if int(second) > 12 and int(first) <= 12:
            raise BadValue(
                f"not a date in this file's order: expected a day like {date_example(order)} "
                f"(the other dates in this file are {_order_words(order)})"
            )
        return _day(year, second, first, order)
    if m := _YMD_SLASH.fullmatch(text):
        return _day(m[1], m[3], m[4], order)
    if m := _COMPACT.fullmatch(text):
        return _day(m[1] + m[2], m[3], m[4], order)
    if m := _SERIAL.fullmatch(text):
        return serial_to_date(int(m[1]), order)
    if m := _DAY_MONTH_NAME.fullmatch(text):
        return _day(m[3], _month(m[2], order), m[1], order)
    if m := _MONTH_NAME_DAY.fullmatch(text):
        return _day(m[3], _month(m[1], order), m[2], order)
    raise BadValue(f"not a date: expected a day like {date_example(order)}")


def _order_words(order: str) -> str:
    return "month first" if order == "mdy" else "day first"


def _month(name: str, order: str) -> str:
    number = MONTHS.get(fold(name))
    if number is None:
        raise BadValue(f"not a date: expected a day like {date_example(order)}")
    return str(number)


def _day(year: str, month: str, day: str, order: str) -> date:
    try:
        y = int(year)
        if len(year) == 2:
            y += 2000 if y < 70 else 1900
        value = date(y, int(month), int(day))
    except ValueError:
        raise BadValue(f"not a date: expected a day like {date_example(order)}") from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise BadValue(f"not a plausible date: expected a year between {MIN_YEAR} and {MAX_YEAR}")
    return value


def serial_to_date(serial: int | float, order: str = "dmy") -> date:
    """An Excel serial day number (1900 system, as Excel for Windows writes) as a date.

    A fraction is the time of day, which a due date does not need.
    """
    if not (math.isfinite(serial) and SERIAL_MIN <= serial < SERIAL_MAX + 1):
        raise BadValue(f"not a date: expected a day like {date_example(order)}")
    return EXCEL_EPOCH + timedelta(days=math.floor(serial))


def date_evidence(text: str) -> str | None:
    """``"dmy"`` for ``31/12/2025``, ``"mdy"`` for ``12/31/2025``, None when it cannot tell."""
    m = _DATE_EVIDENCE.match(text)
    if m is None:
        return None
    first, second = int(m[1]), int(m[2])
    if first > 12 >= second:
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return None


def as_date(value: object, order: str) -> date:
    """A spreadsheet cell (datetime, date, serial number or text) as a date."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise BadValue(f"not a plausible date: expected a year between {MIN_YEAR} and {MAX_YEAR}")
        return value
    if isinstance(value, bool):
        raise BadValue(f"not a date: expected a day like {date_example(order)}")
    if isinstance(value, int | float):
        return serial_to_date(value, order)
    return parse_date(str(value), order)


# ---------------------------------------------------------------------------------------
# Enumerations: kind, country, language, currency.

_KINDS = {
    "business": "b2b business company commercial corporate geschaftskunde gewerbekunde "
    "gewerblich firma firmenkunde unternehmen unternehmer zakelijk zakelijkeklant bedrijf "
    "entreprise professionnel pro societe clientprofessionnel",
    "consumer": "b2c consumer private privatkunde privat privatperson verbraucher "
    "particulier consument prive clientparticulier",
}
KINDS = {fold(word): kind for kind, words in _KINDS.items() for word in words.split()}

# ISO 3166 alpha-3 and everyday names babel does not list.
_COUNTRY_EXTRA = {
    "DE": "deu ger brd bundesrepublikdeutschland",
    "NL": "nld hol holland thenetherlands nederlanden",
    "BE": "bel belgie belgien",
    "AT": "aut osterreich",
    "FR": "fra",
    "LU": "lux",
    "CH": "che",
    "GB": "gbr uk unitedkingdom greatbritain england",
    "US": "usa unitedstatesofamerica",
    "IT": "ita",
    "ES": "esp",
    "PL": "pol",
    "DK": "dnk",
}
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ"})


@cache
def country_names() -> dict[str, str]:
    """Folded country name or code (de/nl/en/fr) → ISO 3166 alpha-2."""
    names: dict[str, str] = {}
    for language in ("en", "fr", "nl", "de"):
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                names.setdefault(fold(name), code)
                names[code.lower()] = code
    for code, words in _COUNTRY_EXTRA.items():
        for word in words.split():
            names[fold(word)] = code
    return names


LANGUAGES = ("de", "nl", "en", "fr")
_LANGUAGE_EXTRA = {
    "de": "ger deu deutsch german",
    "nl": "nld dut vlaams flemish flamand flamisch",
    "en": "eng englisch",
    "fr": "fra fre francais french",
}


@cache
def language_names() -> dict[str, str]:
    """Folded language name or code → one of de/nl/en/fr."""
    names: dict[str, str] = {}
    for locale in LANGUAGES:
        languages = Locale.parse(locale).languages
        for code in LANGUAGES:
            names[fold(languages[code])] = code
    for code in LANGUAGES:
        names[code] = code
        for word in _LANGUAGE_EXTRA[code].split():
            names[fold(word)] = code
    return names


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def parse_kind(text: str) -> str:
    kind = KINDS.get(fold(text))
    if kind is None:
        raise BadValue("unknown customer kind: expected B2B or B2C (business or consumer)")
    return kind


def parse_country(text: str) -> str:
    code = country_names().get(fold(text))
    if code is None:
        raise BadValue("unknown country: expected a code like DE or a name like Deutschland")
    return code


def parse_language(text: str) -> str:
    key = fold(text)
    code = language_names().get(key)
    if code is None and len(text) in (5, 6) and text[2] in "-_":
        code = language_names().get(fold(text[:2]))  # a locale such as de-AT or nl_BE
    if code is None:
        raise BadValue("unknown language: expected one of de, nl, en, fr (or Deutsch, Nederlands…)")
    return code


def parse_currency(text: str) -> str:
    code = _SYMBOLS.get(text, text.upper())
    if len(code) != 3 or code not in currency_codes():
        raise BadValue("unknown currency: expected an ISO 4217 code like EUR")
    return code


# ---------------------------------------------------------------------------------------
# Contact data.

_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def parse_email(text: str) -> str:
    if text[:7].lower() == "mailto:":
        text = text[7:]
    local, _, domain = text.rpartition("@")
    ascii_domain = domain
    if not domain.isascii():
        try:
            ascii_domain = domain.encode("idna").decode("ascii")  # müller.de → xn--mller-kva.de
        except UnicodeError:
            ascii_domain = ""
    checked = f"{local}@{ascii_domain}"
    if len(checked) > 254 or not _EMAIL.fullmatch(checked) or ".." in text or text.startswith("."):
        raise BadValue("not an e-mail address: expected one address like name@example.com")
    return f"{local}@{domain.lower()}"


_E164 = re.compile(r"\+[1-9]\d{7,14}")


def parse_phone(text: str, region: str) -> str:
    """A phone number in E.164 (``+4930123456``), read in ``region`` unless it has a +.

    A number already written in E.164 is taken as it is: parsing it again only costs time.
    """
    if _E164.fullmatch(text):
        return text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    # A number possible only as a local call (no area code) cannot be dialled by us.
    possible = phonenumbers.ValidationResult.IS_POSSIBLE
    if number is None or phonenumbers.is_possible_number_with_reason(number) != possible:
        raise BadValue("not a phone number: expected a number like +49 30 1234567")
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(formatted) > 16:
        raise BadValue("not a phone number: expected a number like +49 30 1234567")
    return formatted


_VAT_JUNK = re.compile(r"[\s.\-/]+")
_VAT_SHAPE = re.compile(r"[A-Z]{2}[0-9A-Z+*]{2,18}")


def parse_vat_id(text: str) -> str:
    """A VAT id in compact form (``DE136695976``); EU ids must pass their check digits."""
    compact = _VAT_JUNK.sub("", text).upper()
    if not _VAT_SHAPE.fullmatch(compact) or len(compact) > 20:
        raise BadValue("not a VAT id: expected a VAT id like DE123456789")
    prefix = compact[:2].lower()
    if (prefix in eu_vat.MEMBER_STATES or prefix == "el") and not eu_vat.is_valid(compact):
        raise BadValue(
            "not a valid VAT id (its check digits do not match): expected a VAT id like DE136695976"
        )
    return compact
