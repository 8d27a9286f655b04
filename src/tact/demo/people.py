"""Believable names, addresses, phone numbers, VAT ids, IBANs and contacts per country.

Every identifier is valid for its country: phone numbers pass phonenumbers, VAT ids pass
python-stdnum, IBANs are made by schwifty. Mail domains end in ".example" (RFC 2606).
"""

from __future__ import annotations

import unicodedata
from random import Random

from schwifty import IBAN
from stdnum.at import uid as at_uid
from stdnum.iso7064 import mod_11_10
from stdnum.nl import bsn as nl_bsn

from . import data
from .plans import ContactPlan

CALLING_CODE = {"DE": "49", "NL": "31", "BE": "32", "AT": "43"}
# First digit of a landline subscriber number; Belgian areas reserve most others.
SUBSCRIBER_FIRST = {"DE": "2345678", "NL": "2345678", "AT": "2345678", "BE": "23"}
ACCOUNTS_MAILBOX = {
    "DE": "buchhaltung",
    "AT": "buchhaltung",
    "NL": "administratie",
    "BE-nl": "boekhouding",
    "BE-fr": "comptabilite",
}


def weighted(r: Random, pairs: tuple[tuple[str, int], ...]) -> str:
    total = sum(w for _, w in pairs)
    draw = r.random() * total
    for value, weight in pairs:
        draw -= weight
        if draw < 0:
            return value
    return pairs[-1][0]


def digits(r: Random, n: int) -> str:
    return "".join(r.choice("0123456789") for _ in range(n))


def ascii_slug(text: str, sep: str = "-") -> str:
    """ "Müller & Söhne" -> "mueller-soehne": for mail addresses and domains."""
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = text.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return sep.join("".join(ch if ch.isalnum() else " " for ch in text).split())


def postal_code(r: Random, region: str, base: str) -> str:
    if region == "DE":
        return f"{int(base) + r.randint(0, 9):05d}"
    if region == "NL":
        letters = r.choice("ABCEGHJKLMNPRTVWXZ") + r.choice("ABCEGHJKLMNPRTVWXZ")
        return f"{int(base) + r.randint(0, 8)} {letters}"
    if region == "AT" and base == "1010":
        return f"1{r.randint(1, 23):02d}0"  # Vienna's 23 districts
    return base


def landline(r: Random, country: str, area: str) -> str:
    rest = data.LANDLINE_NSN[country] - len(area) - 1
    first = r.choice(SUBSCRIBER_FIRST[country])
    return f"+{CALLING_CODE[country]}{area}{first}{digits(r, rest)}"


def mobile(r: Random, country: str) -> str:
    prefix, length = r.choice(data.MOBILE[country])
    return f"+{CALLING_CODE[country]}{prefix}{r.choice('23456789')}{digits(r, length - 1)}"


def vat_id(r: Random, country: str) -> str:
    if country == "DE":
        body = str(r.randint(1, 9)) + digits(r, 7)
        return f"DE{body}{mod_11_10.calc_check_digit(body)}"
    if country == "AT":
        body = "U" + digits(r, 7)
        return f"AT{body}{at_uid.calc_check_digit(body)}"
    if country == "BE":
        body = "0" + str(r.randint(2, 9)) + digits(r, 6)
        return f"BE{body}{97 - int(body) % 97:02d}"
    while True:  # NL: a number passing the eleven-test, then the branch suffix B01
        body = str(r.randint(1, 9)) + digits(r, 7)
        check = sum((9 - i) * int(d) for i, d in enumerate(body)) % 11
        if check < 10 and nl_bsn.is_valid(body + str(check)):
            return f"NL{body}{check}B01"


def iban(r: Random, country: str) -> str:
    bank = r.choice(data.BANK_CODES[country])
    account = str(r.randint(1, 9)) + digits(r, data.ACCOUNT_DIGITS[country] - 1)
    return IBAN.generate(country, bank_code=bank, account_code=account).compact


def company_name(r: Random, region: str, first: str, last: str) -> tuple[str, str]:
    """A believable company name and the slug of its mail domain."""
    form = weighted(r, data.LEGAL_FORMS[region])
    trade = r.choice(data.TRADES[region])
    if form in ("e.K.", "e.U."):  # sole traders carry the owner's name
        core = f"{trade} {first} {last}"
    else:
        pattern = r.random()
        if pattern < 0.45:
            core = f"{trade} {last}" if region == "BE-fr" else f"{last} {trade}"
        elif pattern < 0.8:
            core = r.choice(data.BRAND_STEMS[region]) + r.choice(data.BRAND_ENDINGS)
        else:
            other = r.choice(data.LAST_NAMES[region])
            while other == last:
                other = r.choice(data.LAST_NAMES[region])
            core = f"{last} & {other}"
    return f"{core} {form}", ascii_slug(core)


def contacts(
    r: Random,
    *,
    region: str,
    country: str,
    is_business: bool,
    name: str,
    first: str,
    last: str,
    domain_slug: str,
    address: dict[str, str],
    area: str,
) -> list[ContactPlan]:
    """One contact for a consumer; the accounts mailbox and often a person for a business."""

    def status() -> str:
        return "bounced" if r.random() < 0.03 else "valid"

    if not is_business:
        local = f"{ascii_slug(first, '')}.{ascii_slug(last, '')}"
        if r.random() < 0.4:
            local += str(r.randint(1, 99))
        return [
            ContactPlan(
                name=name,
                role="private",
                email=f"{local}@{r.choice(data.MAIL_PROVIDERS[region])}",
                phone=mobile(r, country) if r.random() < 0.9 else "",
                is_preferred=True,
                email_status=status(),
                **address,
            )
        ]
    domain = f"{domain_slug}.example"
    found = [
        ContactPlan(
            name="",
            role="billing",
            email=f"{ACCOUNTS_MAILBOX[region]}@{domain}",
            phone=landline(r, country, area),
            is_preferred=True,
            email_status=status(),
            **address,
        )
    ]
    if r.random() < 0.55:
        # The owner of "Müller Metallbau GmbH" is most likely a Müller.
        person_first = r.choice(data.FIRST_NAMES[region])
        person_last = last if last in name else r.choice(data.LAST_NAMES[region])
        person_preferred = r.random() < 0.2
        found[0].is_preferred = not person_preferred
        found.append(
            ContactPlan(
                name=f"{person_first} {person_last}",
                role=r.choice(("owner", "purchasing")),
                email=f"{ascii_slug(person_first, '')}.{ascii_slug(person_last, '')}@{domain}",
                phone=mobile(r, country),
                is_preferred=person_preferred,
                email_status=status(),
                **address,
            )
        )
    return found
