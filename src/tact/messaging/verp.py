"""The envelope sender of our e-mails: one bounce address per message (VERP).

A bounce goes to the SMTP envelope sender (``MAIL FROM``), not to ``From`` or ``Reply-To``.
Giving every message its own envelope sender, ``bounce+<message id>-<mac>@<reply domain>``,
names the message in the address a bounce is delivered to, even when the report quotes
none of the original's headers (many servers send a bare text). The MAC keeps a guessed or
mistyped address from blaming another message. The header ``From`` stays the creditor's.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from . import links

_MAC_CHARS = 12


def _mac(message_pk: int) -> str:
    return salted_hmac("tact.messaging.verp", str(message_pk)).hexdigest()[:_MAC_CHARS]


def enabled() -> bool:
    """On unless ``TACT_VERP`` is off (a mail server that rewrites the envelope sender)."""
    return bool(getattr(settings, "TACT_VERP", True))


def bounce_address(*, message_pk: int) -> str:
    domain = getattr(settings, "TACT_REPLY_TO_DOMAIN", links.DEFAULT_REPLY_DOMAIN)
    return f"bounce+{message_pk}-{_mac(message_pk)}@{domain}"


def bounce_message_pk(addresses) -> int | None:
    """The message a bounce was delivered for, from the addresses it was delivered to (To,
    Delivered-To, X-Original-To, …); None when no valid bounce address is among them."""
    domain = str(getattr(settings, "TACT_REPLY_TO_DOMAIN", links.DEFAULT_REPLY_DOMAIN)).lower()
    pattern = re.compile(rf"^bounce\+(\d{{1,18}})-([0-9a-f]{{{_MAC_CHARS}}})@{re.escape(domain)}$")
    for address in addresses:
        match = pattern.match(address.strip().lower())
        if match and constant_time_compare(match.group(2), _mac(int(match.group(1)))):
            return int(match.group(1))
    return None
