"""Which of our messages, and which debtor, an inbound mail belongs to: pure reads of headers.

Two ways, the first one that works wins (``services`` looks the candidates up):

1. threading: ``In-Reply-To`` and ``References`` name the Message-IDs a mail answers. Ours
   are in our own domain (``TACT_MESSAGE_ID_DOMAIN``); the newest reference first.
2. the reply token: every e-mail says ``Reply-To: reply+<token>@<TACT_REPLY_TO_DOMAIN>``
   (``links.reply_address``). The token names creditor and debtor and carries an HMAC, so a
   forged or mistyped address matches nothing. Mail clients that drop threading headers keep
   the address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from .. import links
from .parsing import ParsedMail
from .reports import DeliveryReport


@dataclass(frozen=True)
class ReplyToken:
    creditor_id: int
    debtor_id: int
    address: str


def reply_domain() -> str:
    return str(getattr(settings, "TACT_REPLY_TO_DOMAIN", links.DEFAULT_REPLY_DOMAIN)).lower()


def referenced_ids(mail: ParsedMail, *, own_only: bool = True) -> list[str]:
    """Message-IDs ``mail`` answers, best first: In-Reply-To, then References newest first.

    With ``own_only`` only ids in our Message-ID domain (others cannot be ours).
    """
    ids = list(mail.in_reply_to) + list(reversed(mail.references))
    ids = list(dict.fromkeys(ids))
    if own_only:
        domain = "@" + links.message_id_domain().lower() + ">"
        ids = [i for i in ids if i.lower().endswith(domain)]
    return ids


def reply_tokens(mail: ParsedMail) -> list[ReplyToken]:
    """The valid reply tokens among the mail's recipients (To, Cc, Delivered-To, …)."""
    pattern = re.compile(r"^reply\+([0-9a-z-]{1,80})@" + re.escape(reply_domain()) + r"$")
    out: list[ReplyToken] = []
    for address in mail.recipients:
        match = pattern.match(address.lower())
        if not match:
            continue
        read = links.reply_token_read(match.group(1))
        if read is not None:
            out.append(ReplyToken(creditor_id=read[0], debtor_id=read[1], address=address))
    return out


def report_ids(report: DeliveryReport, mail: ParsedMail) -> list[str]:
    """Message-IDs a delivery report may be about: the quoted original, then threading."""
    ids = [report.original_message_id] if report.original_message_id else []
    return list(dict.fromkeys(ids + referenced_ids(mail, own_only=False)))
