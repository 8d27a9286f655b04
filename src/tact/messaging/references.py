"""Structured payment references printed on messages and in the EPC QR code.

ISO 11649 creditor reference (RF) for DE, NL and AT; the Belgian structured communication
(OGM/VCS, ``+++ddd/dddd/dddcc+++``) for BE. Both carry the same ten-digit base, the debtor's
id, so reconciliation can find the debtor from either form.

TODO(issue banking): move this module to ``tact.banking.references`` when the banking app
exists; matching incoming payments needs the same helpers.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum import iso11649
from stdnum.be import ogm_vcs
from stdnum.iso7064 import mod_97_10

from .errors import ContextIncomplete

BASE_DIGITS = 10


@dataclass(frozen=True, slots=True)
class StructuredReference:
    kind: str  # "rf" | "ogm"
    compact: str  # as it goes into the QR code and the bank's field: RF18539007547034, 010806817183
    display: str  # as printed: RF18 5390 0754 7034, +++010/8068/17183+++


def rf_make(base: str) -> str:
    """An ISO 11649 reference for ``base`` (1-21 letters or digits), compact: RF + check + base.

    The check digits make ``base + "RF" + check`` valid under ISO 7064 mod 97-10.
    >>> rf_make("539007547034")
    'RF18539007547034'
    """
    clean = base.replace(" ", "").upper()
    if not clean or len(clean) > 21 or not clean.isalnum() or not clean.isascii():
        raise ContextIncomplete(what="reference", detail=f"{base!r} is not 1-21 letters or digits")
    reference = f"RF{mod_97_10.calc_check_digits(clean + 'RF')}{clean}"
    iso11649.validate(reference)
    return reference


def rf_is_valid(reference: str) -> bool:
    return iso11649.is_valid(reference)


def rf_display(reference: str) -> str:
    return iso11649.format(reference)


def ogm_make(base: int | str) -> str:
    """A Belgian structured communication for a ten-digit ``base``, as printed.

    Check digits: base mod 97, or 97 when that is 0.
    >>> ogm_make("0108068171")
    '+++010/8068/17183+++'
    """
    digits = str(base).zfill(BASE_DIGITS)
    if len(digits) != BASE_DIGITS or not digits.isdigit():
        raise ContextIncomplete(what="reference", detail=f"{base!r} is not at most ten digits")
    number = digits + ogm_vcs.calc_check_digits(digits)
    return f"+++{number[:3]}/{number[3:7]}/{number[7:]}+++"


def ogm_is_valid(reference: str) -> bool:
    return ogm_vcs.is_valid(reference)


def structured_reference(*, country: str, debtor_id: int) -> StructuredReference:
    """The reference a debtor in ``country`` should quote when paying their open items."""
    base = str(debtor_id).zfill(BASE_DIGITS)
    if country == "BE":
        display = ogm_make(base)
        return StructuredReference(kind="ogm", compact=ogm_vcs.compact(display), display=display)
    compact = rf_make(base)
    return StructuredReference(kind="rf", compact=compact, display=rf_display(compact))
