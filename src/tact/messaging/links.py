"""Links and tokens printed in messages: the portal, the payment page, the reply address.

The portal does not exist yet; its base URL comes from ``TACT_PORTAL_BASE_URL`` (default: the
local server). Tokens are an id plus a truncated HMAC, lower-case hex only, because some
mail servers lower-case the local part of an address and SMS links should stay short.

TODO(issue portal): the portal issue replaces ``portal_token`` with its own signed,
expiring link; the reply token stays.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

DEFAULT_PORTAL_BASE = "http://127.0.0.1:8000/p/"
DEFAULT_REPLY_DOMAIN = "reply.tact.localhost"
DEFAULT_MESSAGE_ID_DOMAIN = "tact.localhost"
_MAC_CHARS = 16


def _mac(purpose: str, value: str) -> str:
    return salted_hmac(f"tact.messaging.{purpose}", value).hexdigest()[:_MAC_CHARS]


def portal_base() -> str:
    base = getattr(settings, "TACT_PORTAL_BASE_URL", DEFAULT_PORTAL_BASE)
    return base if base.endswith("/") else base + "/"


def portal_token(*, debtor_id: int) -> str:
    return f"{debtor_id}-{_mac('portal', str(debtor_id))}"


def portal_url(*, debtor_id: int) -> str:
    return f"{portal_base()}{portal_token(debtor_id=debtor_id)}/"


def pay_url(*, debtor_id: int) -> str:
    return f"{portal_url(debtor_id=debtor_id)}pay/"


def short_url(*, debtor_id: int) -> str:
    """The link an SMS carries: as short as the configured base allows."""
    base = getattr(settings, "TACT_SHORT_LINK_BASE_URL", "") or portal_base()
    base = base if base.endswith("/") else base + "/"
    return f"{base}{portal_token(debtor_id=debtor_id)}"


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
