"""Structured payment references as they come back on bank lines.

tact prints one reference per debtor (``tact.messaging.references``): an ISO 11649 creditor
reference (RF) for DE, NL and AT, the Belgian structured communication (OGM/VCS) for BE.
Both carry the same ten-digit base, the debtor's id. Here they are found in a bank line's
structured field or free text, validated (python-stdnum) and read back to the debtor id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stdnum import iso11649
from stdnum.be import ogm_vcs

BASE_DIGITS = 10

# RF + 2 check digits + 1-21 letters/digits, possibly printed in groups of four.
_RF = re.compile(r"\bRF\s?\d\d(?:\s?[0-9A-Z]){1,21}\b", re.IGNORECASE)
# +++010/8068/17183+++ or ***010/8068/17183*** (slashes optional), or 010/8068/17183. Twelve
# bare digits are not taken from free text: one in 97 random numbers would pass the check.
_OGM = re.compile(
    r"(?:\+{3}|\*{3})\s*(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})\s*(?:\+{3}|\*{3})"
    r"|(?<![\d/])(\d{3})/(\d{4})/(\d{5})(?![\d/])"
)


@dataclass(frozen=True, slots=True)
class FoundReference:
    kind: str  # "rf" | "ogm"
    compact: str  # RF18539007547034 | 010806817183
    debtor_id: int | None  # the debtor the base names, when the base is ten digits


def _rf(candidate: str) -> FoundReference | None:
    compact = iso11649.compact(candidate)
    if not iso11649.is_valid(compact):
        return None
    base = compact[4:]
    debtor_id = int(base) if base.isdigit() and len(base) == BASE_DIGITS else None
    return FoundReference("rf", compact, debtor_id)


def _ogm(digits: str) -> FoundReference | None:
    if len(digits) != 12 or not ogm_vcs.is_valid(digits):
        return None
    return FoundReference("ogm", digits, int(digits[:BASE_DIGITS]))


# A statement repeats a debtor's reference on each of its lines, and checking one (ISO 11649,
# mod 97) cost more than the rest of the reference rule: the answers, frozen, are kept.
REFERENCES_KEPT = 16_384


@lru_cache(maxsize=REFERENCES_KEPT)
def reference_parse(value: str) -> FoundReference | None:
    """A structured reference given on its own (the bank's structured field): RF or OGM."""
    value = (value or "").strip().upper()
    if not value:
        return None
    if value.startswith("RF"):
        return _rf(value)
    digits = re.sub(r"[^0-9]", "", value)
    return _ogm(digits)


def references_find(text: str) -> list[FoundReference]:
    """Every valid structured reference in a free text, in order, without repeats."""
    if not text:
        return []
    found: dict[str, FoundReference] = {}
    for match in _RF.finditer(text):
        # The pattern runs on into the next word ("RF40 0000 0010 01 danke"): the longest
        # valid prefix is the reference.
        compact = "".join(match.group(0).split()).upper()
        for end in range(len(compact), 4, -1):
            ref = _rf(compact[:end])
            if ref is not None:
                found.setdefault(ref.compact, ref)
                break
    for match in _OGM.finditer(text):
        ref = _ogm("".join(g for g in match.groups() if g))
        if ref is not None:
            found.setdefault(ref.compact, ref)
    return list(found.values())
