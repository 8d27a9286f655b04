"""Banking settings, each overridable in Django settings (and so by environment in settings.py)."""

from django.conf import settings

# A match at or above this confidence (percent) is booked at once; below it waits as a suggestion.
AUTO_APPLY_CONFIDENCE = 90
# A statement file larger than this is refused before it is parsed.
MAX_BYTES = 20 * 1024 * 1024
# Combination search: at most this many of a debtor's open items, at most this many in a set.
COMBINATION_MAX_ITEMS = 20
COMBINATION_MAX_SIZE = 4


def auto_apply_confidence() -> int:
    return int(getattr(settings, "TACT_BANK_AUTO_APPLY_CONFIDENCE", AUTO_APPLY_CONFIDENCE))


def max_bytes() -> int:
    return int(getattr(settings, "TACT_BANK_MAX_BYTES", MAX_BYTES))
