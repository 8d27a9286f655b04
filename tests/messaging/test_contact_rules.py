"""Contact rules: quiet hours in the debtor's time zone, the weekly cap, Sundays and public
holidays, consent and opt-out per channel, the preferred channel first."""

# ruff: noqa: F811  (the smtp_peer fixture is imported, then requested by name)
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from tact.dunning.models import Action
from tact.ledger.models import Contact
from tact.messaging.contact_rules import Rules, channel_order, contact_check
from tact.messaging.models import ChannelConsent, ContactRules, Message, MessageEvent
from tact.messaging.outbox import outbox_queue

from .outbox_support import RUN_ON, SEND_AT, clock_at, portfolio_with_actions, smtp_peer  # noqa: F401 (fixture)
from .test_outbox import send

RULES = Rules()


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def check(now, *, channel="email", country="DE", recent=(), rules=RULES):
    return contact_check(
        rules=rules, channel=channel, country=country, now=now, recent=recent, fallback_zone="Europe/Berlin"
    )


def test_a_weekday_afternoon_is_allowed():
    assert check(at(2025, 3, 6, 14)).allowed


def test_an_email_in_the_evening_waits_until_eight_the_next_morning_local_time():
    # 20:30 in Berlin (UTC+1 in March before the switch)
    verdict = check(at(2025, 3, 6, 19, 30))
    assert verdict.reason == "quiet_hours"
    assert verdict.not_before == at(2025, 3, 7, 7, 0)  # 08:00 CET
    assert verdict.facts["quiet_hours"]["local_time"] == "20:30"


def test_quiet_hours_follow_daylight_saving_time():
    # Monday 31 March 2025, after the switch to summer time: 07:30 CEST is 05:30 UTC
    verdict = check(at(2025, 3, 31, 5, 30))
    assert verdict.reason == "quiet_hours"
    assert verdict.not_before == at(2025, 3, 31, 6, 0)  # 08:00 CEST


def test_the_time_zone_comes_from_the_country_and_the_creditor_may_override_it():
    # 07:30 UTC is 08:30 in Amsterdam, but 07:30 in Lisbon
    assert check(at(2025, 3, 6, 7, 30), country="NL").allowed
    lisbon = Rules(timezones={"NL": "Europe/Lisbon"})  # an odd choice, but the creditor's
    verdict = check(at(2025, 3, 6, 7, 30), country="NL", rules=lisbon)
    assert (verdict.reason, verdict.not_before) == ("quiet_hours", at(2025, 3, 6, 8, 0))


def test_nothing_goes_out_on_a_sunday_or_a_public_holiday():
    sunday = check(at(2025, 3, 9, 10))
    assert (sunday.reason, sunday.not_before) == ("sunday", at(2025, 3, 10, 7, 0))
    easter_monday = check(at(2025, 4, 21, 10))  # a holiday in DE
    assert (easter_monday.reason, easter_monday.not_before) == ("public_holiday", at(2025, 4, 22, 6, 0))


def test_letters_ignore_quiet_hours_and_sundays_but_count_for_the_cap():
    assert check(at(2025, 3, 9, 22), channel="letter").allowed
    recent = [at(2025, 3, 3, 10), at(2025, 3, 4, 10), at(2025, 3, 5, 10)]
    assert check(at(2025, 3, 6, 10), channel="letter", recent=recent).reason == "weekly_cap"


def test_the_fourth_contact_in_seven_days_waits_until_the_oldest_is_a_week_old():
    recent = [at(2025, 3, 3, 10), at(2025, 3, 4, 10), at(2025, 3, 5, 10)]
    verdict = check(at(2025, 3, 6, 10), recent=recent)
    assert verdict.reason == "weekly_cap"
    assert verdict.not_before == at(2025, 3, 10, 10)  # Monday: 3 March + 7 days, a weekday, 11:00 CET
    assert check(at(2025, 3, 6, 10), recent=recent[1:]).allowed


def test_the_release_moment_satisfies_every_rule_at_once():
    # the cap frees on Sunday 9 March at 10:00 UTC; Sunday is off, so Monday 08:00 local
    recent = [at(2025, 3, 2, 10), at(2025, 3, 4, 10), at(2025, 3, 5, 10)]
    verdict = check(at(2025, 3, 6, 10), recent=recent)
    assert verdict.reason == "weekly_cap"
    assert verdict.not_before == at(2025, 3, 10, 7, 0)


def test_the_preferred_channel_comes_right_after_the_chosen_one():
    order = channel_order(chosen="email", wanted=["email", "letter", "sms"], preferred="sms", rules=RULES)
    assert order == ["email", "sms", "letter"]
    assert channel_order(chosen="letter", wanted=["preferred", "email", "letter"], preferred="portal",
                         rules=RULES) == ["letter", "email"]  # fmt: skip
    plain = Rules(preferred_first=False)
    assert channel_order(chosen="email", wanted=["email", "letter", "sms"], preferred="sms", rules=plain) == [
        "email", "letter", "sms"]  # fmt: skip


# --- in the sender ------------------------------------------------------------------------


def test_a_message_held_back_stays_queued_with_its_reason_and_counts_as_skipped(in_scope, smtp_peer):
    portfolio_with_actions(in_scope, debtors=1)
    evening = datetime.combine(RUN_ON, time(21, 0), tzinfo=UTC)  # 22:00 in Berlin
    report = send(at=evening)
    message = Message.objects.get()
    assert (report.skipped, report.sent, report.as_dict()["held"]) == (1, 0, {"quiet_hours": 1})
    assert (message.status, message.held_reason, message.claimed_by) == ("queued", "quiet_hours", "")
    assert message.next_attempt_at == datetime.combine(RUN_ON + timedelta(days=1), time(7, 0), tzinfo=UTC)
    held = MessageEvent.objects.get(message=message, kind="held")
    assert held.detail["rule"] == "quiet_hours"
    # at night nothing is due; in the morning it goes
    assert send(at=evening + timedelta(hours=5)).as_dict()["skipped"] == 0
    assert send(at=message.next_attempt_at).sent == 1
    assert len(smtp_peer.inbox.envelopes) == 1


def test_the_creditor_sets_its_own_cap(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    ContactRules.objects.create(creditor=in_scope, max_per_week=1)
    Message.objects.create(
        creditor=in_scope, debtor=debtor, key="earlier", channel="email", status="sent",
        next_attempt_at=SEND_AT, queued_at=SEND_AT, sent_at=SEND_AT - timedelta(days=2),
    )  # fmt: skip
    report = send()
    assert report.as_dict()["held"] == {"weekly_cap": 1}
    assert Message.objects.get(key__startswith="action:").next_attempt_at == SEND_AT + timedelta(days=5)


def test_an_email_opt_out_falls_back_to_the_next_channel(in_scope, smtp_peer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    ChannelConsent.objects.create(creditor=in_scope, debtor=debtor, channel="email", status="opted_out",
                                  source="portal", recorded_at=timezone.now())  # fmt: skip
    report = send()
    email, letter = Message.objects.order_by("id")
    assert (email.status, email.last_error_code) == ("failed", "opted_out")
    assert (letter.channel, letter.status) == ("letter", "sent")
    assert smtp_peer.inbox.envelopes == [] and report.fallbacks == 1


def _sms_action(creditor, settings, tmp_path):
    """A consumer whose action is to go out by SMS, then by letter."""
    settings.MEDIA_ROOT = tmp_path
    settings.TACT_SMS_PROVIDER = "log"
    [debtor] = portfolio_with_actions(creditor, debtors=1, kind="consumer")
    outbox_queue(now=SEND_AT)
    Message.objects.update(channel="sms", key="action:x:sms", fallbacks=["sms", "letter"])
    Action.objects.update(channel="sms")
    return debtor


def test_an_sms_to_a_consumer_without_consent_falls_back(in_scope, settings, tmp_path):
    _sms_action(in_scope, settings, tmp_path)
    send()
    sms, letter = Message.objects.order_by("id")
    assert (sms.status, sms.last_error_code) == ("failed", "no_consent")
    assert (letter.channel, letter.status) == ("letter", "sent")


def test_an_sms_with_consent_goes_out_and_is_recorded_without_a_provider_account(
    in_scope, settings, tmp_path
):
    debtor = _sms_action(in_scope, settings, tmp_path)
    contact = Contact.objects.get(debtor=debtor)
    ChannelConsent.objects.create(creditor=in_scope, debtor=debtor, contact=contact, channel="sms",
                                  status="opted_in", source="portal", recorded_at=timezone.now())  # fmt: skip
    assert send().sent == 1
    sms = Message.objects.get()
    assert (sms.status, sms.provider, sms.recipient) == ("sent", "log", contact.phone)
    assert sms.provider_id.startswith("log-") and sms.body_text
