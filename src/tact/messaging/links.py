"""Links and tokens printed in messages: the portal, the payment page, the reply address.

The portal's base URL comes from ``TACT_PORTAL_BASE_URL`` (default: the local server). A
portal link carries a token that names the debtor, the message it was written for (``0``
when the caller does not know it) and the minute it was issued, plus an HMAC over these:

    <debtor id>-<message id>-<issued minute>-<mac>     (base 36 numbers, lower case)

The token is stateless: the portal checks the HMAC, its age (the portal's
``TACT_PORTAL_LINK_MAX_AGE_DAYS``) and its revocation list, and so each link can be
revoked on its own (by its ``link_id``) or all links of a debtor issued before a moment.
Lower-case letters and digits only, because SMS links should stay short and some mail
clients lower-case what they do not understand. Reply tokens are an id plus a truncated
HMAC, lower-case hex only, because some mail servers lower-case the local part.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare

DEFAULT_PORTAL_BASE = "http://127.0.0.1:8000/p/"
DEFAULT_REPLY_DOMAIN = "reply.tact.localhost"
DEFAULT_MESSAGE_ID_DOMAIN = "tact.localhost"
_MAC_CHARS = 16
_PORTAL_MAC_CHARS = 16  # base 32: 80 bits, and the portal limits the attempts per address
_PORTAL_SALT = "tact.messaging.portal.v2"
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_MAX_TOKEN_CHARS = 80


@lru_cache(maxsize=32)
def _hmac_key(salt: str, secret: str, algorithm: str) -> bytes:
    return getattr(hashlib, algorithm)(f"{salt}{secret}".encode()).digest()


def _salted_hmac(salt: str, value: str, *, algorithm: str = "sha1"):
    """Django's ``salted_hmac`` (the same MAC), its key derived once per salt and secret
    rather than for every link: every message signs three."""
    key = _hmac_key(salt, settings.SECRET_KEY, algorithm)
    return hmac.new(key, value.encode(), getattr(hashlib, algorithm))


def _mac(purpose: str, value: str) -> str:
    return _salted_hmac(f"tact.messaging.{purpose}", value).hexdigest()[:_MAC_CHARS]


def _b36(number: int) -> str:
    if number < 0:
        raise ValueError("only numbers from zero up have a link")
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = _ALPHABET[digit] + out
        if number == 0:
            return out


def _portal_mac(link_id: str) -> str:
    digest = _salted_hmac(_PORTAL_SALT, link_id, algorithm="sha256").digest()
    # Base 32 writes each 5 bytes as 8 characters on their own: the first 10 bytes give
    # the same 16 characters as the whole digest would, in a third of the time.
    return base64.b32encode(digest[: _PORTAL_MAC_CHARS * 5 // 8]).decode("ascii").lower()


@dataclass(frozen=True, slots=True)
class PortalLink:
    """What a genuine portal token says. ``link_id`` (the token without its MAC) names it
    for a revocation."""

    debtor_id: int
    message_id: int | None
    issued_at: datetime
    link_id: str


def portal_base() -> str:
    base = getattr(settings, "TACT_PORTAL_BASE_URL", DEFAULT_PORTAL_BASE)
    return base if base.endswith("/") else base + "/"


def portal_token(*, debtor_id: int, message_id: int | None = None, issued_at: datetime | None = None) -> str:
    """A signed token for ``debtor_id`` (and the message it goes into), issued now unless
    ``issued_at`` says when. Issued in the same minute, the same inputs give the same token.

    >>> portal_token(debtor_id=42, message_id=7, issued_at=datetime(2025, 12, 1, tzinfo=UTC)).split("-")[:3]
    ['16', '7', 'hic80']
    """
    moment = issued_at or timezone.now()
    minute = int(moment.timestamp()) // 60
    link_id = f"{_b36(debtor_id)}-{_b36(message_id or 0)}-{_b36(minute)}"
    return f"{link_id}-{_portal_mac(link_id)}"


def portal_token_read(token: str) -> PortalLink | None:
    """The link a token stands for, or None when it is forged, altered or malformed.
    Says nothing of its age or revocation: the portal decides those."""
    token = (token or "").strip().lower()
    if len(token) > _MAX_TOKEN_CHARS:
        return None
    parts = token.split("-")
    if len(parts) != 4 or not all(parts) or any(c not in _ALPHABET for c in "".join(parts[:3])):
        return None
    link_id = "-".join(parts[:3])
    if not constant_time_compare(parts[3], _portal_mac(link_id)):
        return None
    debtor_id, message_id, minute = (int(p, 36) for p in parts[:3])
    return PortalLink(
        debtor_id=debtor_id,
        message_id=message_id or None,
        issued_at=datetime.fromtimestamp(minute * 60, tz=UTC),
        link_id=link_id,
    )


def portal_url(*, debtor_id: int, message_id: int | None = None, issued_at: datetime | None = None) -> str:
    token = portal_token(debtor_id=debtor_id, message_id=message_id, issued_at=issued_at)
    return f"{portal_base()}{token}/"


def pay_url(*, debtor_id: int, message_id: int | None = None, issued_at: datetime | None = None) -> str:
    return f"{portal_url(debtor_id=debtor_id, message_id=message_id, issued_at=issued_at)}pay/"


def short_url(*, debtor_id: int, message_id: int | None = None, issued_at: datetime | None = None) -> str:
    """The link an SMS carries: as short as the configured base allows."""
    base = getattr(settings, "TACT_SHORT_LINK_BASE_URL", "") or portal_base()
    base = base if base.endswith("/") else base + "/"
    return f"{base}{portal_token(debtor_id=debtor_id, message_id=message_id, issued_at=issued_at)}"


@dataclass(frozen=True, slots=True)
class MessageLinks:
    """The three links a message prints, all on one token (signed once)."""

    portal: str
    pay: str
    short: str


def message_links(
    *, debtor_id: int, message_id: int | None = None, issued_at: datetime | None = None
) -> MessageLinks:
    """The portal, payment and SMS links of the message ``message_id`` to ``debtor_id``: the
    portal then knows which message a visitor came from (``PortalLink.message_id``)."""
    token = portal_token(debtor_id=debtor_id, message_id=message_id, issued_at=issued_at)
    portal = f"{portal_base()}{token}/"
    base = getattr(settings, "TACT_SHORT_LINK_BASE_URL", "") or portal_base()
    base = base if base.endswith("/") else base + "/"
    return MessageLinks(portal=portal, pay=f"{portal}pay/", short=f"{base}{token}")


def reply_token_make(*, creditor_id: int, debtor_id: int) -> str:
    value = f"{creditor_id}-{debtor_id}"
    return f"{value}-{_mac('reply', value)}"


def reply_token_read(token: str) -> tuple[int, int] | None:
    """(creditor_id, debtor_id) of a reply token, or None when it is forged or malformed."""
    parts = token.strip().lower().split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    value = f"{parts[0]}-{parts[1]}"
    if not constant_time_compare(parts[2], _mac("reply", value)):
        return None
    return int(parts[0]), int(parts[1])


def reply_address(*, token: str) -> str:
    domain = getattr(settings, "TACT_REPLY_TO_DOMAIN", DEFAULT_REPLY_DOMAIN)
    return f"reply+{token}@{domain}"


def message_id_domain() -> str:
    return getattr(settings, "TACT_MESSAGE_ID_DOMAIN", DEFAULT_MESSAGE_ID_DOMAIN)
