"""The three policies tact ships, installed per creditor by ``policy_presets_install``.

- ``customer_centric`` (the default): a friendly reminder before the due date, patience, a
  person on the phone for business debtors, a payment plan before any final notice, and a
  person approving the final notice and the handover proposal. It charges nothing.
- ``classic_three_step``: the familiar ladder for business debtors — reminder, second
  reminder with statutory interest and the EUR 40 flat compensation, final notice.
  Installed unassigned (assign it to a segment or to business debtors): a consumer owes no
  flat compensation, so the law check refuses it for consumers.
- ``b2c_webshop_nl_be``: consumers of a web shop in the Netherlands and Belgium. The first
  reminder is free (BE Book XIX); a formal reminder states the collection costs and gives
  14 days from the day after receipt (NL 14-day letter, art. 6:96(6) BW); costs and
  interest come only with the next stage, 25 days later, after both waiting periods (NL:
  receipt + 15 days; BE: 14 days from the 3rd business day after a paper reminder). It
  assumes the shop's terms provide for damages and interest, which Belgian consumers owe
  only then (``contract_clause``); untick that and the law check refuses the costs stage.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tact.tenancy.models import Creditor

from .models import Policy, PolicyAssignment
from .policies import policy_assign, policy_create

PRESETS: dict[str, dict[str, Any]] = {
    "customer_centric": {
        "name": "Customer-centric",
        "description": "Friendly and patient: remind before the due date, talk to business debtors, "
        "offer a payment plan before a final notice; a person approves the final notice and any handover.",
        "thresholds": {"EUR": "10.00"},
        "stages": [
            {"key": "pre_due", "name": "Friendly reminder before the due date", "offset_days": -3,
             "channels": ["preferred", "email", "letter"], "template_key": "pre_due_reminder", "tone": "friendly"},
            {"key": "friendly_reminder", "name": "Friendly reminder", "offset_days": 3,
             "channels": ["preferred", "email", "letter"], "template_key": "friendly_reminder", "tone": "friendly"},
            {"key": "personal_contact", "name": "Personal contact", "offset_days": 10, "min_days_since_contact": 5,
             "channels": ["phone", "email", "letter"], "consumer_channels": ["email", "letter"],
             "template_key": "personal_contact", "tone": "friendly"},
            {"key": "plan_offer", "name": "Payment plan offer", "offset_days": 17, "min_days_since_contact": 5,
             "channels": ["preferred", "email", "letter"], "template_key": "payment_plan_offer", "tone": "neutral"},
            {"key": "final_notice", "name": "Final notice", "offset_days": 28, "min_days_since_contact": 7,
             "channels": ["letter", "email"], "template_key": "final_notice", "tone": "firm",
             "needs_approval": True, "is_final_notice": True},
            {"key": "handover_proposal", "name": "Handover proposal", "offset_days": 42,
             "min_days_since_contact": 10, "channels": ["letter", "email"], "template_key": "handover_notice",
             "tone": "neutral", "needs_approval": True, "proposes_handover": True},
        ],
        "default": True,
        "assign": [],
    },
    "classic_three_step": {
        "name": "Classic three-step (business)",
        "description": "Reminder, second reminder with statutory interest and flat compensation, final notice. "
        "For business debtors: assign it to a segment or to business debtors.",
        "thresholds": {"EUR": "25.00"},
        "stages": [
            {"key": "reminder", "name": "Reminder", "offset_days": 7, "channels": ["email", "letter"],
             "template_key": "reminder", "tone": "neutral"},
            {"key": "second_reminder", "name": "Second reminder", "offset_days": 21, "min_days_since_contact": 10,
             "channels": ["letter", "email"], "template_key": "second_reminder", "tone": "firm",
             "charges_interest": True, "charges_flat_compensation": True},
            {"key": "final_notice", "name": "Final notice", "offset_days": 35, "min_days_since_contact": 10,
             "channels": ["letter"], "template_key": "final_notice", "tone": "firm", "charges_interest": True,
             "needs_approval": True, "is_final_notice": True},
        ],
        "default": False,
        "assign": [],
    },
    "b2c_webshop_nl_be": {
        "name": "B2C web shop NL/BE",
        "description": "Consumers in the Netherlands and Belgium: free first reminder, a formal reminder that "
        "states the collection costs (NL 14-day letter), costs and interest only after the waiting periods. "
        "Assumes the shop's terms provide for damages and interest (required for Belgian consumers).",
        "thresholds": {"EUR": "5.00"},
        "contract_clause": True,
        "stages": [
            {"key": "pre_due", "name": "Reminder before the due date", "offset_days": -2, "channels": ["email"],
             "template_key": "pre_due_reminder", "tone": "friendly"},
            {"key": "payment_reminder", "name": "Payment reminder (free)", "offset_days": 3,
             "channels": ["email", "sms", "letter"], "template_key": "payment_reminder", "tone": "friendly"},
            {"key": "formal_reminder", "name": "Formal reminder with 14 days (NL 14-day letter)", "offset_days": 10,
             "min_days_since_contact": 5, "channels": ["letter", "email"], "template_key": "formal_reminder_14_days",
             "tone": "neutral", "announces_costs": True},
            {"key": "costs_notice", "name": "Notice with collection costs and interest", "offset_days": 35,
             "min_days_since_contact": 14, "channels": ["letter", "email"], "template_key": "costs_notice",
             "tone": "firm", "charges_interest": True, "charges_fees": True, "needs_approval": True,
             "is_final_notice": True},
            {"key": "handover_proposal", "name": "Handover proposal", "offset_days": 56,
             "min_days_since_contact": 14, "channels": ["letter", "email"], "template_key": "handover_notice",
             "tone": "neutral", "needs_approval": True, "proposes_handover": True},
        ],
        "default": False,
        "assign": [{"country": "NL", "debtor_kind": "consumer"}, {"country": "BE", "debtor_kind": "consumer"}],
    },
}  # fmt: skip


# A new policy that starts from nothing: one friendly reminder a week after the due date,
# to build on in the editor (a policy needs at least one stage).
STARTER_STAGES: list[dict[str, Any]] = [
    {"key": "reminder", "name": "Reminder", "offset_days": 7, "channels": ["preferred", "email", "letter"],
     "template_key": "reminder", "tone": "friendly"},
]  # fmt: skip


@transaction.atomic
def policy_presets_install(*, creditor: Creditor, actor: Any = "presets") -> list[Policy]:
    """Create the shipped policies the creditor does not have yet (by preset key) and
    return the ones created. Idempotent. An assignment a creditor made already is kept;
    the default goes to the customer-centric policy only when there is no default yet.

    Raises PolicyInvalid if a preset's name is taken by a policy of the creditor's own.
    """
    have = set(Policy.objects.filter(creditor=creditor).values_list("preset", flat=True))
    has_default = Policy.objects.filter(creditor=creditor, is_default=True).exists()
    created = []
    for key, preset in PRESETS.items():
        if key in have:
            continue
        policy = policy_create(
            creditor=creditor,
            name=preset["name"],
            description=preset["description"],
            stages=preset["stages"],
            thresholds=preset["thresholds"],
            is_default=preset["default"] and not has_default,
            contract_clause=preset.get("contract_clause", False),
            preset=key,
            actor=actor,
        )
        for assignment in preset["assign"]:
            if not PolicyAssignment.objects.filter(creditor=creditor, segment="", **assignment).exists():
                policy_assign(policy=policy, actor=actor, **assignment)
        created.append(policy)
    return created
