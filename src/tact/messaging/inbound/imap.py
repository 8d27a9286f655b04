"""Polling a mailbox over IMAP (``imaplib``) for replies and bounces.

Unseen messages are fetched with ``BODY.PEEK[]`` (reading does not mark them), handed to
``inbound_receive`` (its own transaction), and only then flagged ``\\Seen``. A crash between
the two leaves the mail unseen; the next poll fetches it again and ``inbound_receive``
recognises the same bytes, so nothing is lost and nothing is acted on twice. No network
I/O happens inside a database transaction.

Settings: ``TACT_IMAP_HOST``, ``TACT_IMAP_PORT`` (993), ``TACT_IMAP_USER``,
``TACT_IMAP_PASSWORD``, ``TACT_IMAP_FOLDER`` (INBOX), ``TACT_IMAP_SSL`` (true).
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from tact.core.errors import ValidationFailed
from tact.tenancy.models import Creditor

from .errors import MailboxError
from .services import inbound_receive

log = logging.getLogger(__name__)
TIMEOUT = 60


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    use_ssl: bool = True
    timeout: float = TIMEOUT


def mailbox_config() -> MailboxConfig:
    """The mailbox from the settings. Raises ValidationFailed naming a missing setting."""
    host = getattr(settings, "TACT_IMAP_HOST", "")
    if not host:
        raise ValidationFailed("TACT_IMAP_HOST: set the IMAP server to poll (and TACT_IMAP_USER, _PASSWORD).")
    user = getattr(settings, "TACT_IMAP_USER", "")
    if not user:
        raise ValidationFailed("TACT_IMAP_USER: set the mailbox's login name.")
    return MailboxConfig(
        host=host,
        port=int(getattr(settings, "TACT_IMAP_PORT", 993)),
        user=user,
        password=getattr(settings, "TACT_IMAP_PASSWORD", ""),
        folder=getattr(settings, "TACT_IMAP_FOLDER", "INBOX") or "INBOX",
        use_ssl=bool(getattr(settings, "TACT_IMAP_SSL", True)),
    )


@dataclass
class FetchReport:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    kinds: Counter = field(default_factory=Counter)
    unmatched: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "kinds": dict(self.kinds),
            "unmatched": self.unmatched,
            "errors": self.errors,
        }


def _check(host: str, what: str, result: tuple[str, list]) -> list:
    typ, data = result
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise MailboxError(host=host, detail=f"{what} refused: {detail or typ}")
    return data


def _connect(config: MailboxConfig) -> imaplib.IMAP4:
    if config.use_ssl:
        return imaplib.IMAP4_SSL(
            config.host, config.port, ssl_context=ssl.create_default_context(), timeout=config.timeout
        )
    return imaplib.IMAP4(config.host, config.port, timeout=config.timeout)


def _body(data: list) -> bytes | None:
    """The message bytes of a ``UID FETCH … (BODY.PEEK[])`` answer."""
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def inbox_fetch(
    *, creditor: Creditor | None = None, config: MailboxConfig | None = None, limit: int | None = None
) -> FetchReport:
    """Fetch the mailbox's unseen mail, receive each, then flag it seen.

    ``creditor``: the mailbox is that creditor's (see ``inbound_receive``).
    Raises MailboxError when the server cannot be reached or refuses the login or folder.
    """
    config = config or mailbox_config()
    report = FetchReport()
    try:
        conn = _connect(config)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(host=config.host, detail=f"cannot connect on port {config.port}: {exc}") from exc
    try:
        try:
            _check(config.host, "login", conn.login(config.user, config.password))
        except imaplib.IMAP4.error as exc:
            raise MailboxError(host=config.host, detail=f"login refused for {config.user}: {exc}") from exc
        _check(config.host, f"folder {config.folder!r}", conn.select(_quoted(config.folder)))
        data = _check(config.host, "search", conn.uid("SEARCH", None, "UNSEEN"))
        uids = [u for u in b" ".join(d for d in data if isinstance(d, bytes)).split() if u.isdigit()]
        for uid in uids[:limit] if limit else uids:
            raw = _body(_check(config.host, f"fetch {uid.decode()}", conn.uid("FETCH", uid, "(BODY.PEEK[])")))
            if raw is None:
                report.errors.append({"uid": uid.decode(), "error": "the server sent no message body"})
                continue
            report.fetched += 1
            received = inbound_receive(raw, source=f"imap:{config.folder}"[:80], creditor=creditor)
            if received.created:
                report.stored += 1
                report.kinds[received.inbound.kind] += 1
                report.unmatched += received.inbound.debtor_id is None
            else:
                report.duplicates += 1
            _check(config.host, f"flag {uid.decode()}", conn.uid("STORE", uid, "+FLAGS", "(\\Seen)"))
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(host=config.host, detail=f"connection failed: {exc}") from exc
    finally:
        try:
            conn.logout()
        except (OSError, imaplib.IMAP4.error) as exc:
            log.info("IMAP logout from %s failed: %s", config.host, exc)
    return report


def _quoted(folder: str) -> str:
    """A folder name as an IMAP quoted string (names with spaces: "Sent Items")."""
    if re.fullmatch(r"[A-Za-z0-9._/-]+", folder):
        return folder
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
