"""Dunning: policies and their stages, holds, the stage history of items, and actions.

The daily cycle (``cycle.py``) reads these and the ledger, and *appends*: one
``StageHistory`` row per item that enters a stage, one ``Action`` per debtor, channel and
currency and day. It never updates the invoice table (DESIGN.md §3: appending is what
keeps the cycle fast at a million items).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tact.core.models import AmountField, DocumentField, currency_field
from tact.ledger.models import DebtorKind
from tact.tenancy.models import COUNTRIES


class Tone(models.TextChoices):
    # There is deliberately no threatening tone (DESIGN.md §1: never threaten).
    FRIENDLY = "friendly", _("Friendly")
    NEUTRAL = "neutral", _("Neutral")
    FIRM = "firm", _("Firm")


class StageChannel(models.TextChoices):
    """Channels a stage may use, in its order of preference. ``preferred`` stands for the
    debtor's own preferred channel."""

    PREFERRED = "preferred", _("Debtor's preferred channel")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone task")
    PORTAL = "portal", _("Portal notice")


class Policy(models.Model):
    """A dunning strategy of a creditor: an ordered list of stages."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(max_length=100)
    preset = models.CharField(max_length=40, blank=True)  # the preset it was installed from
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    # Belgian consumers owe damages and interest only if the contract provides for them
    # (Book XIX); the law check needs to know whether the creditor's terms do.
    contract_clause = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "policies"
        constraints = [
            models.UniqueConstraint(fields=["creditor", "name"], name="policy_name_unique"),
            models.UniqueConstraint(
                fields=["creditor"], condition=Q(is_default=True), name="policy_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One step of a policy. ``offset_days`` counts calendar days from the due date
    (negative: a friendly reminder before it); the step goes out on that day or, when it is
    a weekend or public holiday in the debtor's country, on the next business day."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    offset_days = models.IntegerField()
    min_days_since_contact = models.PositiveSmallIntegerField(default=0)
    channels = models.JSONField(default=list)  # e.g. ["preferred", "email", "letter"]
    consumer_channels = models.JSONField(default=list, blank=True)  # for consumers; empty: ``channels``
    template_key = models.CharField(max_length=60)
    tone = models.CharField(max_length=10, choices=Tone.choices, default=Tone.NEUTRAL)
    charges_interest = models.BooleanField(default=False)
    charges_fees = models.BooleanField(
        default=False
    )  # collection costs (NL WIK, BE Book XIX, DE dunning fee)
    charges_flat_compensation = models.BooleanField(default=False)  # EUR 40 per invoice, business debtors
    # The message states the collection costs that follow non-payment (NL 14-day letter).
    announces_costs = models.BooleanField(default=False)
    needs_approval = models.BooleanField(default=False)
    is_final_notice = models.BooleanField(default=False)
    proposes_handover = models.BooleanField(default=False)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["policy_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="stage_position_unique"),
            models.UniqueConstraint(fields=["policy", "key"], name="stage_key_unique"),
            models.UniqueConstraint(fields=["policy", "offset_days"], name="stage_offset_unique"),
            models.CheckConstraint(condition=Q(tone__in=Tone.values), name="stage_tone_allowed"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.offset_days:+d} d)"

    def channels_for(self, kind: str) -> list[str]:
        if kind == DebtorKind.CONSUMER and self.consumer_channels:
            return list(self.consumer_channels)
        return list(self.channels)


class PolicyAssignment(models.Model):
    """Which policy applies to debtors of a segment (a debtor tag), country and kind.

    Blank fields match everything; the most specific assignment wins (segment before
    country before kind), then the oldest. Debtors no assignment matches get the
    creditor's default policy; a ``DebtorPolicy`` overrides all of this for one debtor.
    """

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="assignments")
    segment = models.CharField(max_length=60, blank=True)
    country = models.CharField(max_length=2, choices=COUNTRIES, blank=True)
    debtor_kind = models.CharField(max_length=10, choices=DebtorKind.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "segment", "country", "debtor_kind"], name="assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment or '*'}/{self.country or '*'}/{self.debtor_kind or '*'} → {self.policy_id}"

    @property
    def specificity(self) -> int:
        return 4 * bool(self.segment) + 2 * bool(self.country) + bool(self.debtor_kind)


class DebtorPolicy(models.Model):
    """A per-debtor override of the policy (kept here: the ledger knows nothing of dunning)."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.OneToOneField("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="overrides")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    def __str__(self) -> str:
        return f"{self.debtor_id} → {self.policy_id}"


class Threshold(models.Model):
    """No dunning while a debtor's overdue amount in ``currency`` is below ``minimum_amount``."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="thresholds")
    currency = currency_field()
    minimum_amount = AmountField()

    objects = ScopedManager(creditor="creditor")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "currency"], name="threshold_currency_unique"),
            models.CheckConstraint(condition=Q(minimum_amount__gte=0), name="threshold_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.minimum_amount} {self.currency}"


class HoldReason(models.TextChoices):
    # The order is the priority in which the plan names a hold when several apply.
    HANDED_OVER = "handed_over", _("Handed over")
    DISPUTE = "dispute", _("Dispute")
    PLAN = "plan", _("Payment plan")
    PROMISE = "promise", _("Promise to pay")
    HARDSHIP = "hardship", _("Hardship")
    UNREACHABLE = "unreachable", _("Unreachable contact")
    MANUAL = "manual", _("Manual pause")
    RECENT_CONTACT = "recent_contact", _("Recent personal contact")


class Hold(models.Model):
    """A reason not to dun now: on a debtor (all its items) or on one item.

    Active on a day ``d`` when ``starts_on <= d`` and ``ends_on`` is empty or ``d <= ends_on``
    (the last day held). Ending a hold sets ``ended_at`` and moves ``ends_on`` back to the
    day before, so the history keeps when it applied.
    """

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(
        "ledger.Invoice", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=HoldReason.choices)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on"))
                | Q(ended_at__isnull=False),
                name="hold_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["creditor", "debtor"], name="hold_debtor")]

    def __str__(self) -> str:
        return f"{self.reason} from {self.starts_on}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    SKIPPED = "skipped", _("Skipped")
    SENT = "sent", _("Sent")


class Action(models.Model):
    """One step toward one debtor on one day: one message per debtor and currency, listing
    every item that advances a stage, on the channel the most advanced of their stages chose
    (so also one per debtor, channel and currency). Written by the daily cycle; messaging
    sends it.

    ``stage`` is the most advanced stage among the items (its tone and template apply).
    ``items`` lists each item, amounts as strings in full cents::

        {"id", "number", "due_on", "days_overdue", "stage", "scheduled_on", "open_amount",
         # only when they apply:
         "rolled_from_non_business_day": true, "from_stage", "previous_contacts",
         "last_contact_on", "interest", "flat_compensation"}

    ``open_amount`` is their total; ``interest_amount`` the statutory interest accrued on
    them to ``run_on``; ``fees_amount`` the collection costs (on their summed principal) and
    ``flat_compensation_amount`` the flat compensation — each only where the stage charges
    it and the law allows it; what the law refused is listed under ``law.refusals``.

    ``explanation`` (JSON) says why this step, why now; ``rule`` is a stable code whose
    sentence is ``cycle.RULES[rule]``::

        {"rule": "stage_due", "rule_version": "cycle/1",
         "policy": {"id", "name"},
         "stage": {"key", "position", "offset_days", "needs_approval", "is_final_notice",
                   "proposes_handover"},
         "channel": {"chosen", "wanted": [...], "passed_over": [{"channel", "why"}]},
         "debtor": {"number", "country", "kind"},
         "holds_checked": "none_active",
         "threshold": {"currency", "minimum", "overdue_total"} | null,
         "law": {"country", "kind": "b2b" | "b2c", "notices": "<rule of law.notices_for>",
                 # only when a stage charges something:
                 "interest": {"rule", "amount"} | null, "flat_compensation": {"rule", "amount"} | null,
                 "fees": {"rule", "principal", "amount", "conditions"} | null,
                 "refusals": [{"charge", "item", "code", "message"}]}}

    Statuses: ``planned`` (ready to send), ``awaiting_approval`` (a stage needs a person),
    ``approved``, ``skipped`` (with ``note``), ``sent`` (set by messaging).
    The unique key (creditor, debtor, currency, run_on) makes the cycle idempotent.
    """

    # No database-level foreign keys on the cycle's append-only tables (see StageHistory);
    # Django still applies on_delete. The unique key below indexes (creditor, debtor).
    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    debtor = models.ForeignKey(
        "ledger.Debtor", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    run_on = models.DateField()
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    channel = models.CharField(max_length=10)
    tone = models.CharField(max_length=10, choices=Tone.choices)
    template_key = models.CharField(max_length=60)
    currency = currency_field()
    item_count = models.PositiveIntegerField()
    items = DocumentField(default=list)
    open_amount = AmountField()
    interest_amount = AmountField(default=0)
    fees_amount = AmountField(default=0)
    flat_compensation_amount = AmountField(default=0)
    status = models.CharField(max_length=20, choices=ActionStatus.choices)
    needs_approval = models.BooleanField(default=False)
    explanation = DocumentField(default=dict)
    note = models.TextField(blank=True)
    # Empty when the cycle writes the row; no index or constraint (nothing reads actions by
    # who decided, and each would cost every appended action an index entry or a trigger event).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-run_on", "debtor_id", "channel", "currency"]
        constraints = [
            # One message per debtor and currency a day: the cycle's idempotency key.
            models.UniqueConstraint(
                fields=["creditor", "debtor", "currency", "run_on"], name="action_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["creditor", "run_on", "status"], name="action_day_status")]

    def __str__(self) -> str:
        return f"{self.run_on} {self.channel} to {self.debtor_id} ({self.status})"


class StageHistory(models.Model):
    """An item entered a stage on a day. Append-only: the current stage of an item is its
    latest row, so the invoice table is never touched by the cycle.

    A resolved dispute starts the item over (``holds.hold_end(outcome="resolved")``): a
    *reset row* (no stage, position -1) opens the next ``round``, and the cycle takes the
    current stage from the rows of the latest round only, so the item enters the first due
    stage again. Nothing is deleted: the earlier rounds stay as they were.

    Its foreign keys (and the action's) have no database constraint, on purpose:
    PostgreSQL checks one by locking the referenced row (``FOR KEY SHARE``), which writes to
    every invoice that advances — the very update of the large table that appending avoids
    — and the checks took 5 of 23 seconds for 241,000 items in ``tact bench cycle``. The
    cycle writes these rows only with ids it read in the same transaction; Django still
    applies on_delete.
    """

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    # Indexed by the unique (invoice, stage) below.
    invoice = models.ForeignKey(
        "ledger.Invoice", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    stage = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )  # None: a reset row
    position = models.SmallIntegerField()  # the stage's position, so "latest" needs no join; -1: reset
    round = models.PositiveSmallIntegerField(default=0, db_default=0)  # raised by each reset
    entered_on = models.DateField()
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["invoice_id", "entered_on", "id"]
        verbose_name_plural = "stage history"
        constraints = [
            # An item enters each stage once a round: the last line of defence against a second letter.
            models.UniqueConstraint(fields=["invoice", "round", "stage"], name="stage_entered_once"),
            models.UniqueConstraint(
                fields=["invoice", "round"], condition=Q(stage__isnull=True), name="stage_reset_once"
            ),
            models.CheckConstraint(
                condition=Q(stage__isnull=False, position__gte=0) | Q(stage__isnull=True, position=-1),
                name="stage_reset_has_no_stage",
            ),
        ]

    def __str__(self) -> str:
        if self.stage_id is None:
            return f"{self.invoice_id} started over on {self.entered_on}"
        return f"{self.invoice_id} entered {self.stage_id} on {self.entered_on}"


class Decision(models.Model):
    """An explained automatic decision (STYLE.md): the rule's stable code and its facts."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subject_type = models.CharField(max_length=50)  # "dunning.action", "dunning.hold"
    subject_id = models.CharField(max_length=64)
    reason = models.CharField(max_length=50)  # snake_case, never renamed
    facts = models.JSONField(default=dict)
    rule_version = models.CharField(max_length=20)
    decided_at = models.DateTimeField()

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["creditor", "subject_type", "subject_id"], name="decision_subject")]

    def __str__(self) -> str:
        return f"{self.reason} {self.subject_type}:{self.subject_id}"
