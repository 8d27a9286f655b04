"""Contact rules (issue 5, item 5): when tact may speak to a debtor, and on which channel.

- Quiet hours, in the debtor's local time: the zone comes from the debtor's country
  (``COUNTRY_TIMEZONES``, overridable per creditor in ``ContactRules.timezones``).
- At most ``max_per_week`` contacts per debtor in any 7 days (sent messages of any channel).
- Nothing on Sundays and the public holidays of the debtor's country.
- Consent and opt-out per channel: an opt-out closes the channel; an SMS to a consumer
  needs their consent (``sms_needs_consent``).
- The debtor's preferred channel first among the stage's channels.

Quiet hours and the Sunday rule apply to e-mail and SMS: a letter is handed to the print
batch (the post delivers it on a working day) and a phone task waits for an agent's working
hours anyway. The weekly cap counts every channel. A rule that holds a message back gives
the moment it lets go (``Verdict.not_before``); the message waits queued until then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .models import ChannelConsent, ConsentStatus, ContactRules, MessageChannel

COUNTRY_TIMEZONES = {
    "DE": "Europe/Berlin",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "AT": "Europe/Vienna",
}
WEEK = timedelta(days=7)
TIMED_CHANNELS = frozenset({MessageChannel.EMAIL, MessageChannel.SMS})
RULES_VERSION = "contact/1"


@dataclass(frozen=True, slots=True)
class Rules:
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    max_per_week: int = 3
    skip_sundays_and_holidays: bool = True
    sms_needs_consent: bool = True
    preferred_first: bool = True
    timezones: dict[str, str] = field(default_factory=dict)

    def zone(self, country: str, fallback: str) -> ZoneInfo:
        return ZoneInfo(self.timezones.get(country) or COUNTRY_TIMEZONES.get(country) or fallback)


def rules_for(*, creditor_id: int) -> Rules:
    """The creditor's rules, or the defaults when it has set none."""
    row = ContactRules.objects.filter(creditor_id=creditor_id).first()
    if row is None:
        return Rules()
    return Rules(
        quiet_start=_as_time(row.quiet_start),
        quiet_end=_as_time(row.quiet_end),
        max_per_week=row.max_per_week,
        skip_sundays_and_holidays=row.skip_sundays_and_holidays,
        sms_needs_consent=row.sms_needs_consent,
        preferred_first=row.preferred_first,
        timezones=dict(row.timezones or {}),
    )


def _as_time(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class Verdict:
    reason: str  # "" when the message may go now
    not_before: datetime | None = None
    facts: dict = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return not self.reason


def _in_quiet_hours(local: time, rules: Rules) -> bool:
    start, end = rules.quiet_start, rules.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # wraps midnight


def _quiet_release(local: datetime, rules: Rules) -> datetime:
    """The end of the quiet period ``local`` is in (a local, aware datetime)."""
    end_today = local.replace(
        hour=rules.quiet_end.hour, minute=rules.quiet_end.minute, second=0, microsecond=0
    )
    return end_today if end_today > local else end_today + timedelta(days=1)


def _is_day_off(country: str, local: datetime) -> bool:
    from tact.dunning.business_days import is_holiday

    return local.weekday() == 6 or is_holiday(country, local.date())


def contact_check(
    *, rules: Rules, channel: str, country: str, now: datetime, recent: Iterable[datetime], fallback_zone: str
) -> Verdict:
    """May a message on ``channel`` go to a debtor in ``country`` at ``now``?

    ``recent``: when this debtor was contacted (messages sent) in the 7 days before ``now``.
    The verdict names the first rule that holds it back and the earliest moment all rules
    let it go (looked for over the next 60 days).
    """
    sent = sorted(t for t in recent if t > now - WEEK)
    zone = rules.zone(country, fallback_zone)
    moment = now
    first_reason = ""
    facts: dict = {}
    for _ in range(120):
        reason = ""
        window = [t for t in sent if t > moment - WEEK]
        if rules.max_per_week and len(window) >= rules.max_per_week:
            reason = "weekly_cap"
            # Free again when the oldest of the last ``max_per_week`` contacts is 7 days old.
            release = window[-rules.max_per_week] + WEEK
            facts.setdefault("weekly_cap", {"max_per_week": rules.max_per_week, "contacts": len(window)})
        elif channel in TIMED_CHANNELS:
            local = moment.astimezone(zone)
            if rules.skip_sundays_and_holidays and _is_day_off(country, local):
                reason = "sunday" if local.weekday() == 6 else "public_holiday"
                start = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
                release = start.replace(hour=rules.quiet_end.hour, minute=rules.quiet_end.minute)
                facts.setdefault(reason, {"local_date": local.date().isoformat(), "zone": str(zone)})
            elif _in_quiet_hours(local.time(), rules):
                reason = "quiet_hours"
                release = _quiet_release(local, rules)
                facts.setdefault(
                    "quiet_hours",
                    {"local_time": local.strftime("%H:%M"), "zone": str(zone),
                     "from": rules.quiet_start.strftime("%H:%M"), "to": rules.quiet_end.strftime("%H:%M")},
                )  # fmt: skip
        if not reason:
            return Verdict("") if moment == now else Verdict(first_reason, moment, facts)
        first_reason = first_reason or reason
        moment = max(release, moment + timedelta(minutes=1))
    return Verdict(first_reason or "no_window", moment, facts)


def consents_of(*, debtor_ids: Iterable[int]) -> dict[tuple[int, int | None, str], str]:
    """The latest consent status per (debtor, contact or None, channel), one query."""
    out: dict[tuple[int, int | None, str], str] = {}
    rows = ChannelConsent.objects.filter(debtor_id__in=list(debtor_ids)).order_by("recorded_at", "id")
    for debtor_id, contact_id, channel, status in rows.values_list(
        "debtor_id", "contact_id", "channel", "status"
    ):
        out[(debtor_id, contact_id, channel)] = status
    return out


def consent_check(
    *,
    rules: Rules,
    consents: dict[tuple[int, int | None, str], str],
    debtor_id: int,
    contact_id: int | None,
    channel: str,
    is_consumer: bool,
) -> str:
    """ "" when the channel is open, else why not: ``opted_out`` or ``no_consent``.
    A contact's own statement wins over the debtor-wide one."""
    status = consents.get((debtor_id, contact_id, channel)) if contact_id else None
    status = status or consents.get((debtor_id, None, channel))
    if status == ConsentStatus.OPTED_OUT:
        return "opted_out"
    if (
        channel == MessageChannel.SMS
        and is_consumer
        and rules.sms_needs_consent
        and status != ConsentStatus.OPTED_IN
    ):
        return "no_consent"
    return ""


def channel_order(*, chosen: str, wanted: Iterable[str], preferred: str, rules: Rules) -> list[str]:
    """The channels to try for an action, best first: the chosen one, then — with
    ``preferred_first`` — the debtor's preferred channel when the stage allows it, then the
    stage's other channels in its order. ``preferred`` in the stage stands for the debtor's
    own; the portal is not a channel one sends on."""
    resolved = [preferred if c == "preferred" else c for c in wanted]
    allowed = [c for c in resolved if c in MessageChannel.values]
    order = [chosen]
    if rules.preferred_first and preferred in allowed:
        order.append(preferred)
    order += allowed
    return list(dict.fromkeys(c for c in order if c in MessageChannel.values))
