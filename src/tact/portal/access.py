"""Who may see a debtor's portal: a genuine, fresh, unrevoked link, and for consumers (or
every debtor, as the creditor chooses) a second factor — the postcode on file or the
customer number.

Every refusal looks the same to the visitor (``views.neutral``): a forged, expired,
revoked or guessed link reveals nothing, not even whether the debtor exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django_scopes import scope

from tact.audit.services import audit_record
from tact.ledger.models import Contact, Debtor, DebtorKind
from tact.messaging.links import PortalLink, portal_token_read
from tact.tenancy.models import Creditor

from .models import LinkRevocation, PortalSettings, SecondFactor

CLOCK_SKEW = timedelta(minutes=5)  # a link "issued" later than this ahead is not ours
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")

# Rate limits: (attempts, window in seconds).
BAD_LINKS_PER_ADDRESS = (20, 15 * 60)
FACTOR_FAILURES_PER_LINK = (5, 15 * 60)
FACTOR_FAILURES_PER_ADDRESS = (20, 15 * 60)
REQUESTS_PER_LINK = (300, 10 * 60)


@dataclass(frozen=True)
class Access:
    token: str
    link: PortalLink
    creditor: Creditor
    debtor: Debtor
    config: PortalSettings

    @property
    def needs_second_factor(self) -> bool:
        return self.debtor.kind == DebtorKind.CONSUMER or self.config.second_factor_for_business


@dataclass(frozen=True)
class Refusal:
    why: str  # forged | unknown_debtor | expired | revoked (never shown to the visitor)
    debtor: Debtor | None = None  # known when the link was genuine
    link_id: str = ""


def portal_settings_for(*, creditor: Creditor) -> PortalSettings:
    """The creditor's portal settings; the defaults (unsaved) when it has none. In scope."""
    return PortalSettings.objects.filter(creditor=creditor).first() or PortalSettings(creditor=creditor)


def max_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "TACT_PORTAL_LINK_MAX_AGE_DAYS", 90)))


def access_resolve(*, token: str, now: datetime) -> Access | Refusal:
    """What a token opens. Enters the creditor's scope only to read; the caller enters it
    again for the rest of the request."""
    link = portal_token_read(token)
    if link is None:
        return Refusal(why="forged")
    # Creditors are not tenant data; the join finds whose debtor the genuine link names.
    creditor = Creditor.objects.filter(debtors__pk=link.debtor_id).first()
    if creditor is None:
        return Refusal(why="unknown_debtor")
    with scope(creditor=creditor):
        debtor = Debtor.objects.get(pk=link.debtor_id)
        if link.issued_at > now + CLOCK_SKEW:
            return Refusal(why="forged", debtor=debtor, link_id=link.link_id)
        if now - link.issued_at > max_age():
            return Refusal(why="expired", debtor=debtor, link_id=link.link_id)
        revoked = LinkRevocation.objects.filter(
            Q(link_id=link.link_id) | Q(link_id="", created_at__gt=link.issued_at), debtor=debtor
        ).exists()
        if revoked:
            return Refusal(why="revoked", debtor=debtor, link_id=link.link_id)
        config = portal_settings_for(creditor=creditor)
    return Access(token=token, link=link, creditor=creditor, debtor=debtor, config=config)


def _normal(value: str) -> str:
    return _NOT_ALNUM.sub("", (value or "").upper())


def second_factor_expected(*, access: Access) -> tuple[str, set[str]]:
    """The factor asked for and the answers that pass it. A debtor without a postcode on
    file is asked for the customer number instead."""
    if access.config.second_factor == SecondFactor.POSTAL_CODE:
        codes = {
            _normal(code)
            for code in Contact.objects.filter(debtor=access.debtor).values_list("postal_code", flat=True)
            if _normal(code)
        }
        if codes:
            return SecondFactor.POSTAL_CODE, codes
    return SecondFactor.DEBTOR_NUMBER, {_normal(access.debtor.number)}


def second_factor_check(*, access: Access, answer: str) -> bool:
    _, expected = second_factor_expected(access=access)
    given = _normal(answer)
    return bool(given) and given in expected


@transaction.atomic
def link_revoke(
    *, debtor: Debtor, now: datetime, by: Any, link_id: str = "", reason: str = ""
) -> LinkRevocation:
    """Revoke one link (``link_id``), or every link of ``debtor`` issued until ``now``.
    Revoking a revoked link changes nothing."""
    try:
        with transaction.atomic():
            revocation = LinkRevocation.objects.create(
                creditor_id=debtor.creditor_id, debtor=debtor, link_id=link_id, reason=reason, created_at=now
            )
    except IntegrityError:
        return LinkRevocation.objects.get(debtor=debtor, link_id=link_id)
    audit_record(
        creditor=debtor.creditor, actor=by, action="portal_link_revoked", subject=debtor,
        after={"link": link_id or "all", "reason": reason},
    )  # fmt: skip
    return revocation
