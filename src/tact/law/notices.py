"""Waiting periods and mandatory content per country and debtor kind, as facts for the
messaging templates and the cycle.

Public holidays: the waiting periods skip them. This app knows no holiday calendar (it
imports nothing but core), so callers pass ``is_holiday`` for the debtor's country; without
one no day is a holiday, which can end a waiting period a day early around a holiday.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from .errors import LawInputError
from .jurisdictions import country_check, kind_check

Holiday = Callable[[date], bool]
CHANNELS = ("paper", "electronic")


def _no_holidays(day: date) -> bool:
    return False


def _notice(
    *,
    rule: str,
    default: dict[str, Any],
    first_reminder_free: bool,
    waiting: dict[str, Any] | None,
    content: list[tuple[str, str]],
    wording: dict[str, str] | None = None,
    sources: list[str],
) -> dict[str, Any]:
    return {
        "rule": rule,
        "default": default,
        "first_reminder_free": first_reminder_free,
        "fee_waiting_period": waiting,
        "mandatory_content": [code for code, _text in content],
        "mandatory_content_text": {code: text for code, text in content},
        "safe_wording": wording or {},
        "sources": sources,
    }


_DE_DEFAULT = {
    "by_reminder": True,
    "calendar_due_date_suffices": True,
    "without_reminder_after_days": 30,
    "note": "Default by a reminder after the due date; with a calendar due date from the next day (§ 286(2) no. 1 "
    "BGB); for a payment claim at the latest 30 days after due date and receipt of the invoice (§ 286(3)).",
}

_NOTICES: dict[tuple[str, str], dict[str, Any]] = {
    ("DE", "b2c"): _notice(
        rule="de_b2c_286_3: § 286(3) BGB",
        default={
            **_DE_DEFAULT,
            "note": _DE_DEFAULT["note"]
            + " Against a consumer the 30 days apply only if the invoice expressly "
            "pointed to this consequence.",
        },
        first_reminder_free=True,
        waiting=None,
        content=[
            (
                "invoice_points_to_30_day_default",
                "The invoice states that the consumer is in default if not paid within 30 days of due date and "
                "receipt (§ 286(3) sentence 1 BGB); without it, only a reminder puts a consumer in default.",
            ),
            (
                "no_schufa_threat_without_dispute_note",
                "A credit-bureau report may only be announced with the note that simply disputing the claim prevents "
                "it (BGH I ZR 157/13; § 31(2) no. 4 BDSG: two written reminders, the first at least 4 weeks ago).",
            ),
        ],  # fmt: skip
        sources=[
            "§ 286(3) BGB (BGH VIII ZR 215/15)",
            "lexikon.jura-basic.de Verzugsbeginn",
            "BGH I ZR 157/13",
        ],
    ),
    ("DE", "b2b"): _notice(
        rule="de_b2b_286: § 286 BGB",
        default=_DE_DEFAULT,
        first_reminder_free=True,
        waiting=None,
        content=[],
        sources=["§ 286 BGB", "§ 288(5) BGB"],
    ),
    ("NL", "b2c"): _notice(
        rule="nl_b2c_6_96_6: art. 6:96(6)-(7) BW (veertiendagenbrief)",
        default={
            "by_reminder": True,
            "calendar_due_date_suffices": True,
            "without_reminder_after_days": None,
            "note": "Interest from default (verzuim); collection costs only after the 14-day letter.",
        },
        first_reminder_free=True,
        waiting={
            "days": 14,
            "starts": "day_after_receipt",
            "delivery_presumed_on_counted_day": 2,
            "not_counted_for_delivery": ["sunday", "monday", "public_holiday"],
            "note": "14 days from the day after the letter is received (HR 25-11-2016, ECLI:NL:HR:2016:2704); "
            "a letter is presumed delivered on the 2nd day after sending, Sundays, Mondays and holidays not "
            "counted (bvvb.nl). tact takes an electronic letter as received on the day it is sent.",
        },
        content=[
            ("sent_after_default", "Sent after the consumer is in default."),
            ("free_of_charge", "The letter itself charges nothing."),
            ("consequences_of_non_payment", "States what happens if the consumer does not pay."),
            ("collection_costs_amount", "States the amount of collection costs that will be claimed."),
            (
                "fourteen_days_from_day_after_receipt",
                "Gives 14 days to pay, starting the day after receipt, with start and end stated correctly.",
            ),
            ("one_letter_for_all_claims", "Several claims against one consumer go in one letter."),
        ],  # fmt: skip
        wording={
            "nl": "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd",
            "nl_alternative": "binnen vijftien dagen nadat deze brief bij u is bezorgd",
        },
        sources=["art. 6:96(6)-(7) BW", "HR 25-11-2016, ECLI:NL:HR:2016:2704", "bvvb.nl", "hr-center.nl"],
    ),
    ("NL", "b2b"): _notice(
        rule="nl_b2b_6_119a: art. 6:119a BW",
        default={
            "by_reminder": False,
            "calendar_due_date_suffices": True,
            "without_reminder_after_days": 30,
            "note": "Interest from the day after the agreed payment day; without one, 30 days after the day "
            "after receipt of the invoice (art. 6:119a(2)). Collection costs (at least EUR 40) without a reminder.",
        },
        first_reminder_free=False,
        waiting=None,
        content=[],
        sources=["art. 6:119a BW", "art. 6:96(4) BW"],
    ),
    ("BE", "b2c"): _notice(
        rule="be_b2c_xix_2: Book XIX Code of Economic Law (law of 4 May 2023)",
        default={
            "by_reminder": True,
            "calendar_due_date_suffices": False,
            "without_reminder_after_days": None,
            "note": "Damages and interest only after the free first reminder and its waiting period.",
        },
        first_reminder_free=True,
        waiting={
            "days": 14,
            "starts": "third_business_day_after_sending_paper_or_day_after_sending_electronic",
            "note": "14 calendar days, starting on the 3rd business day after a paper reminder is sent, or on "
            "the day after an electronic one is sent.",
        },
        content=[
            ("creditor_name_and_enterprise_number", "The creditor's name and enterprise number."),
            (
                "balance_due_and_indemnity_claimed",
                "The balance due and the amount of damages claimed if it stays unpaid.",
            ),
            ("product_and_due_date", "The product or service concerned and its due date."),
            ("payment_term_at_least_14_days", "A payment term of at least 14 days before any costs."),
            ("free_of_charge", "The first reminder charges nothing."),
        ],  # fmt: skip
        sources=["daldewolf.com", "tilia.law", "villajuris.be", "quorumlaw.eu"],
    ),
    ("BE", "b2b"): _notice(
        rule="be_b2b_late_payment_act: Late Payment Act 2 Aug 2002",
        default={
            "by_reminder": False,
            "calendar_due_date_suffices": True,
            "without_reminder_after_days": 30,
            "note": "Interest and flat compensation from the day after the payment term, without notice; default "
            "term 30 days, agreed at most 60.",
        },
        first_reminder_free=False,
        waiting=None,
        content=[],
        sources=["schoups.be", "lexgo.be"],
    ),
    ("AT", "b2c"): _notice(
        rule="at_b2c_1333_abgb: §§ 1000, 1333 ABGB",
        default={
            "by_reminder": True,
            "calendar_due_date_suffices": True,
            "without_reminder_after_days": None,
            "note": "Default from the due date; collection costs must be proportionate to the claim.",
        },
        first_reminder_free=False,
        waiting=None,
        content=[("costs_proportionate", "Any collection costs named are proportionate to the claim.")],
        sources=["flotte.at", "ZIK 2019/196"],
    ),
    ("AT", "b2b"): _notice(
        rule="at_b2b_456_ugb: §§ 456, 458 UGB",
        default={
            "by_reminder": False,
            "calendar_due_date_suffices": True,
            "without_reminder_after_days": None,
            "note": "Interest only if the debtor is responsible for the delay (§ 456 UGB); EUR 40 per claim.",
        },
        first_reminder_free=False,
        waiting=None,
        content=[],
        sources=["e-justice.europa.eu", "360.lexisnexis.at"],
    ),
}


def notices_for(country: str, kind: str) -> dict[str, Any]:
    """Facts a message template must respect for this country and debtor kind."""
    country, kind = country_check(country), kind_check(kind)
    return {"country": country, "kind": kind, **_NOTICES[(country, kind)]}


def _add_counted(day: date, count: int, counts: Callable[[date], bool]) -> date:
    while count:
        day += timedelta(days=1)
        if counts(day):
            count -= 1
    return day


def fees_allowed_from(
    *,
    country: str,
    kind: str,
    sent_on: date,
    channel: str,
    is_holiday: Holiday | None = None,
) -> date | None:
    """The first day on which collection costs may be charged after the reminder sent on
    ``sent_on``; None where no waiting period applies.

    NL b2c: delivery on the 2nd counted day after sending (no Sundays, Mondays, holidays),
    then 14 days from the day after delivery: costs from delivery + 15.
    BE b2c: 14 days starting on the 3rd business day after sending on paper, or the day
    after sending electronically: costs from that start + 14.
    """
    country, kind = country_check(country), kind_check(kind)
    if channel not in CHANNELS:
        raise LawInputError(field="channel", detail=f"{channel!r} is not one of {', '.join(CHANNELS)}")
    holiday = is_holiday or _no_holidays
    if (country, kind) == ("NL", "b2c"):
        if channel == "electronic":
            received = sent_on
        else:
            # No post on Sundays and Mondays in the Netherlands; Saturdays count.
            received = _add_counted(sent_on, 2, lambda d: d.weekday() not in (0, 6) and not holiday(d))
        return received + timedelta(days=15)
    if (country, kind) == ("BE", "b2c"):
        if channel == "paper":
            start = _add_counted(sent_on, 3, lambda d: d.weekday() < 5 and not holiday(d))
        else:
            start = sent_on + timedelta(days=1)
        return start + timedelta(days=14)
    return None
