"""Policies: validation (structure and law), creation, assignment and per-debtor overrides.

A policy is refused before anything is written when its stages are out of order, share an
offset or key, use an unknown tone or channel, or would charge what the law forbids for a
country and debtor kind the policy serves (``law.charge_check``, with the facts the stage
would have when it runs as planned).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from babel.numbers import list_currencies
from django.db import transaction

from tact.audit.services import audit_record
from tact.core.money import minor_unit
from tact.law.selectors import COUNTRIES, charge_check, fees_for, notices_for
from tact.ledger.models import Debtor, DebtorKind
from tact.tenancy.models import Creditor

from .business_days import holiday_check
from .errors import ChargeForbidden, PolicyInvalid
from .models import DebtorPolicy, Policy, PolicyAssignment, Stage, StageChannel, Threshold, Tone

LAW_KINDS = {DebtorKind.BUSINESS.value: "b2b", DebtorKind.CONSUMER.value: "b2c"}
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_OFFSET, MIN_OFFSET = 365, -60
# A planned step can roll past a weekend and holidays (Easter: Friday to Tuesday); the law
# check assumes the previous letter went out that late, so a real run never finds the
# waiting period unfinished where the policy check passed.
ROLL_MARGIN = timedelta(days=4)
SAMPLE_DUE = date(2025, 3, 3)  # any Monday: only differences between dates matter
SAMPLE_PRINCIPAL = Decimal("1000.00")
MAX_THRESHOLD = Decimal("1000000000")  # far below the amount column's 14 integer digits
ISO_CURRENCIES = frozenset(list_currencies())
# Refusals that mean "the law gives no figure here", not "the law forbids this": the cycle
# then charges nothing and says why, so a policy is not refused for them.
NOT_BLOCKING = frozenset({"not_quantified", "not_owed"})
CHARGE_FIELDS = (
    ("interest", "charges_interest"),
    ("collection_costs", "charges_fees"),
    ("flat_compensation", "charges_flat_compensation"),
)


@dataclass
class StageSpec:
    """A stage as given to ``policy_create``; ``position`` follows the order of the list."""

    key: str
    name: str
    offset_days: int
    channels: list[str]
    template_key: str
    tone: str = Tone.NEUTRAL
    min_days_since_contact: int = 0
    consumer_channels: list[str] = field(default_factory=list)
    charges_interest: bool = False
    charges_fees: bool = False
    charges_flat_compensation: bool = False
    announces_costs: bool = False
    needs_approval: bool = False
    is_final_notice: bool = False
    proposes_handover: bool = False

    @classmethod
    def of(cls, value: StageSpec | dict[str, Any]) -> StageSpec:
        if isinstance(value, StageSpec):
            return value
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise PolicyInvalid(field=unknown[0], problem="is not a stage field", stage=value.get("key"))
        try:
            return cls(**value)
        except TypeError as exc:
            raise PolicyInvalid(field="stages", problem=str(exc), stage=value.get("key")) from exc

    def channels_for(self, kind: str) -> list[str]:
        if kind == DebtorKind.CONSUMER and self.consumer_channels:
            return list(self.consumer_channels)
        return list(self.channels)


def stage_spec_of(stage: Stage) -> StageSpec:
    return StageSpec(**{f.name: getattr(stage, f.name) for f in fields(StageSpec)})


# --- validation -----------------------------------------------------------------------------


def _check_channels(spec: StageSpec, name: str, values: Any, *, required: bool) -> None:
    if not isinstance(values, list) or (required and not values):
        raise PolicyInvalid(
            field=name, problem="needs a list of channels in order of preference", stage=spec.key
        )
    for value in values:
        if value not in StageChannel.values:
            raise PolicyInvalid(
                field=name,
                problem=f"{value!r} is not one of {', '.join(StageChannel.values)}",
                stage=spec.key,
            )
    if len(set(values)) != len(values):
        raise PolicyInvalid(field=name, problem="names a channel twice", stage=spec.key)


def _check_structure(stages: Sequence[StageSpec]) -> None:
    if not stages:
        raise PolicyInvalid(field="stages", problem="a policy needs at least one stage")
    keys: set[str] = set()
    offsets: dict[int, str] = {}
    previous: StageSpec | None = None
    for spec in stages:
        if not isinstance(spec.key, str) or not KEY.match(spec.key):
            raise PolicyInvalid(
                field="key", problem=f"{spec.key!r} is not a short lower-case key", stage=spec.key
            )
        if spec.key in keys:
            raise PolicyInvalid(
                field="key", problem="is used by another stage of this policy", stage=spec.key
            )
        keys.add(spec.key)
        if not spec.name or len(spec.name) > 100:
            raise PolicyInvalid(field="name", problem="needs 1 to 100 characters", stage=spec.key)
        if not isinstance(spec.offset_days, int) or not MIN_OFFSET <= spec.offset_days <= MAX_OFFSET:
            raise PolicyInvalid(
                field="offset_days",
                problem=f"must be a whole number from {MIN_OFFSET} to {MAX_OFFSET}",
                stage=spec.key,
            )
        if spec.offset_days in offsets:
            raise PolicyInvalid(
                field="offset_days",
                problem=f"{spec.offset_days:+d} is the offset of stage {offsets[spec.offset_days]!r} too",
                stage=spec.key,
            )
        offsets[spec.offset_days] = spec.key
        if previous is not None and spec.offset_days < previous.offset_days:
            raise PolicyInvalid(
                field="offset_days",
                problem=f"{spec.offset_days:+d} comes after stage {previous.key!r} at {previous.offset_days:+d}; "
                "stages must be in increasing order of offset",
                stage=spec.key,
            )
        previous = spec
        if spec.tone not in Tone.values:
            raise PolicyInvalid(
                field="tone", problem=f"{spec.tone!r} is not one of {', '.join(Tone.values)}", stage=spec.key
            )
        if not isinstance(spec.min_days_since_contact, int) or not 0 <= spec.min_days_since_contact <= 365:
            raise PolicyInvalid(
                field="min_days_since_contact", problem="must be from 0 to 365", stage=spec.key
            )
        _check_channels(spec, "channels", spec.channels, required=True)
        _check_channels(spec, "consumer_channels", spec.consumer_channels, required=False)
        if not spec.template_key or len(spec.template_key) > 60:
            raise PolicyInvalid(field="template_key", problem="needs 1 to 60 characters", stage=spec.key)
        if spec.offset_days < 0:
            for flag in ("charges_interest", "charges_fees", "charges_flat_compensation", "is_final_notice",
                         "proposes_handover", "announces_costs"):  # fmt: skip
                if getattr(spec, flag):
                    raise PolicyInvalid(
                        field=flag, problem="a reminder before the due date can only remind", stage=spec.key
                    )
        if spec.charges_fees and spec.charges_flat_compensation:
            raise PolicyInvalid(
                field="charges_flat_compensation",
                problem="the law allows the larger of collection costs and flat compensation, not both; "
                "choose one per stage",
                stage=spec.key,
            )


def planned_facts(
    stages: Sequence[StageSpec], index: int, *, country: str, kind: str, contract_clause: bool
) -> dict[str, Any]:
    """The facts a stage will have when it runs as planned, for ``law.charge_check``.

    Only reminders after the due date count as reminders; the previous one is assumed to
    have gone out as late as a holiday roll allows, and on paper if it may use a letter.
    """
    spec = stages[index]
    law_kind = LAW_KINDS[kind]
    earlier = [s for s in stages[:index] if s.offset_days > 0]
    default = notices_for(country, law_kind)["default"]
    in_default = spec.offset_days > 0 and (default["calendar_due_date_suffices"] or bool(earlier))
    facts: dict[str, Any] = {
        "principal": SAMPLE_PRINCIPAL,
        "today": SAMPLE_DUE + timedelta(days=spec.offset_days),
        "in_default": in_default,
        "reminders_sent": len(earlier),
        "reminders_in_default": len(earlier),
        "contract_clause": contract_clause,
        "obligation_on": SAMPLE_DUE - timedelta(days=30),
        "is_holiday": holiday_check(country),
    }
    if earlier:
        prev = earlier[-1]
        channels = prev.channels_for(kind)
        facts["letter_sent_on"] = SAMPLE_DUE + timedelta(days=prev.offset_days) + ROLL_MARGIN
        facts["letter_channel"] = "paper" if {"letter", "preferred"} & set(channels) else "electronic"
        facts["letter_states_costs"] = prev.announces_costs
    return facts


def _sample_amount(charge: str, country: str, law_kind: str) -> Decimal:
    """An amount the law would allow if the stage may charge at all: the statutory figure."""
    if charge == "interest":
        return Decimal("1.00")
    result = fees_for(country=country, kind=law_kind, principal=SAMPLE_PRINCIPAL)
    figure = result.collection_costs if charge == "collection_costs" else result.flat_compensation
    return figure if figure else Decimal("1.00")


def _check_law(stages: Sequence[StageSpec], scopes: Iterable[tuple[str, str]], contract_clause: bool) -> None:
    for country, kind in sorted(set(scopes)):
        law_kind = LAW_KINDS[kind]
        for index, spec in enumerate(stages):
            for charge, flag in CHARGE_FIELDS:
                if not getattr(spec, flag):
                    continue
                refusal = charge_check(
                    country=country,
                    kind=law_kind,
                    charge=charge,
                    amount=_sample_amount(charge, country, law_kind),
                    stage_facts=planned_facts(
                        stages, index, country=country, kind=kind, contract_clause=contract_clause
                    ),
                )
                if refusal is not None and refusal.code not in NOT_BLOCKING:
                    raise ChargeForbidden(
                        field=flag,
                        problem=f"for {kind} debtors in {country}: {refusal.message}",
                        stage=spec.key,
                        country=country,
                        kind=kind,
                        refusal=refusal.code,
                    )


def threshold_check(currency: Any, amount: Any) -> tuple[str, Decimal]:
    """One threshold as stored: an ISO 4217 code babel knows and an amount of zero or more
    with no more decimals than the currency has. Raises PolicyInvalid (field
    ``thresholds``; ``part`` says whether the currency or the amount is wrong, ``rule`` how:
    ``currency``, ``negative``, ``too_large`` or ``decimals``)."""
    if not (isinstance(currency, str) and len(currency) == 3 and currency in ISO_CURRENCIES):
        raise PolicyInvalid(
            field="thresholds", problem=f"{currency!r} is not an ISO 4217 currency code like EUR",
            part="currency", rule="currency", currency=currency,
        )  # fmt: skip
    try:
        value = None if isinstance(amount, float | bool) else Decimal(str(amount))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise PolicyInvalid(
            field="thresholds", problem=f"{currency} {amount} is not an amount of zero or more",
            part="minimum_amount", rule="negative", currency=currency,
        )  # fmt: skip
    if value >= MAX_THRESHOLD:
        raise PolicyInvalid(
            field="thresholds", problem=f"{currency} {amount} is not below {MAX_THRESHOLD}",
            part="minimum_amount", rule="too_large", currency=currency, maximum=MAX_THRESHOLD,
        )  # fmt: skip
    if value != value.quantize(minor_unit(currency), rounding=ROUND_DOWN):
        places = -minor_unit(currency).as_tuple().exponent
        raise PolicyInvalid(
            field="thresholds", problem=f"{currency} {amount} has more than {places} decimals",
            part="minimum_amount", rule="decimals", currency=currency, places=places,
        )  # fmt: skip
    return currency, value


def _check_thresholds(thresholds: dict[str, Any]) -> dict[str, Decimal]:
    return dict(threshold_check(currency, amount) for currency, amount in thresholds.items())


ALL_SCOPES = tuple((c, k) for c in COUNTRIES for k in LAW_KINDS)


def _expand(country: str, kind: str) -> list[tuple[str, str]]:
    return [(c, k) for c, k in ALL_SCOPES if country in ("", c) and kind in ("", k)]


def policy_scopes(policy: Policy) -> set[tuple[str, str]]:
    """The (country, debtor kind) pairs a saved policy serves: all for the default policy."""
    if policy.is_default:
        return set(ALL_SCOPES)
    scopes: set[tuple[str, str]] = set()
    for a in PolicyAssignment.objects.filter(policy=policy):
        scopes.update(_expand(a.country, a.debtor_kind))
    scopes.update(
        Debtor.objects.filter(pk__in=DebtorPolicy.objects.filter(policy=policy).values("debtor_id"))
        .values_list("country", "kind")
        .distinct()
    )
    return scopes


def policy_validate(
    *,
    stages: Sequence[StageSpec | dict[str, Any]],
    scopes: Iterable[tuple[str, str]] = (),
    contract_clause: bool = False,
    thresholds: dict[str, Any] | None = None,
) -> list[StageSpec]:
    """Check stages (in the order given) for structure and, for each (country, debtor kind)
    in ``scopes``, against the law. Returns the stages as specs.

    Raises PolicyInvalid naming the stage and field, or ChargeForbidden (a PolicyInvalid)
    with the law's refusal code, e.g. ``stage 'reminder': charges_fees: for consumer debtors
    in BE: The first reminder to a Belgian consumer is free of charge.``
    """
    specs = [StageSpec.of(s) for s in stages]
    _check_structure(specs)
    _check_thresholds(thresholds or {})
    _check_law(specs, scopes, contract_clause)
    return specs


# --- writes ---------------------------------------------------------------------------------


@transaction.atomic
def policy_create(
    *,
    creditor: Creditor,
    name: str,
    stages: Sequence[StageSpec | dict[str, Any]],
    thresholds: dict[str, Any] | None = None,
    is_default: bool = False,
    contract_clause: bool = False,
    preset: str = "",
    description: str = "",
    actor: Any = None,
) -> Policy:
    """Create a policy with its stages and thresholds, validated first (nothing is written
    when it fails). A default policy serves every country and kind, so the law is checked
    for all of them.

    Example: ``policy_create(creditor=c, name="Gentle", stages=[{"key": "r1", "name": "Reminder",
    "offset_days": 5, "channels": ["email"], "template_key": "reminder"}], thresholds={"EUR": "10.00"})``.
    Raises PolicyInvalid, ChargeForbidden.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise PolicyInvalid(field="name", problem="needs 1 to 100 characters")
    if Policy.objects.filter(creditor=creditor, name=name).exists():
        raise PolicyInvalid(
            field="name", problem=f"a policy named {name!r} exists already", rule="name_taken", name=name
        )
    if is_default and Policy.objects.filter(creditor=creditor, is_default=True).exists():
        raise PolicyInvalid(field="is_default", problem="the creditor has a default policy already")
    specs = policy_validate(
        stages=stages,
        scopes=ALL_SCOPES if is_default else (),
        contract_clause=contract_clause,
        thresholds=thresholds,
    )
    checked = _check_thresholds(thresholds or {})
    policy = Policy.objects.create(
        creditor=creditor, name=name, preset=preset, description=description, is_default=is_default,
        contract_clause=contract_clause,
    )  # fmt: skip
    Stage.objects.bulk_create(
        [Stage(creditor=creditor, policy=policy, position=i, **vars(spec)) for i, spec in enumerate(specs)]
    )
    Threshold.objects.bulk_create(
        [
            Threshold(creditor=creditor, policy=policy, currency=c, minimum_amount=a)
            for c, a in checked.items()
        ]
    )
    audit_record(
        creditor=creditor,
        actor=actor,
        action="policy_created",
        subject=policy,
        after={"name": name, "preset": preset, "is_default": is_default, "stages": [s.key for s in specs],
               "thresholds": checked},
    )  # fmt: skip
    return policy


def _assignment_fields(country: str, debtor_kind: str, segment: str) -> tuple[str, str, str]:
    country, debtor_kind, segment = country.strip().upper(), debtor_kind.strip().lower(), segment.strip()
    if country and country not in COUNTRIES:
        raise PolicyInvalid(field="country", problem=f"{country!r} is not one of {', '.join(COUNTRIES)}")
    if debtor_kind and debtor_kind not in LAW_KINDS:
        raise PolicyInvalid(field="debtor_kind", problem=f"{debtor_kind!r} is not business or consumer")
    if len(segment) > 60:
        raise PolicyInvalid(field="segment", problem="needs at most 60 characters")
    return country, debtor_kind, segment


def _stages_of(policy: Policy) -> list[StageSpec]:
    return [stage_spec_of(s) for s in Stage.objects.filter(policy=policy).order_by("position")]


@transaction.atomic
def policy_assign(
    *, policy: Policy, country: str = "", debtor_kind: str = "", segment: str = "", actor: Any = None
) -> PolicyAssignment:
    """Serve debtors of a segment (a debtor tag), country and kind with ``policy``; blank
    matches all. The policy's charges are checked against the law of the new scope first.

    Raises PolicyInvalid (bad field, or another policy has exactly this assignment) and
    ChargeForbidden.
    """
    country, debtor_kind, segment = _assignment_fields(country, debtor_kind, segment)
    taken = PolicyAssignment.objects.filter(
        creditor_id=policy.creditor_id, country=country, debtor_kind=debtor_kind, segment=segment
    ).first()
    if taken is not None:
        if taken.policy_id == policy.pk:
            return taken
        raise PolicyInvalid(field="country", problem="these debtors are assigned to another policy already")
    _check_law(_stages_of(policy), _expand(country, debtor_kind), policy.contract_clause)
    assignment = PolicyAssignment.objects.create(
        creditor_id=policy.creditor_id,
        policy=policy,
        country=country,
        debtor_kind=debtor_kind,
        segment=segment,
    )
    audit_record(
        creditor=policy.creditor, actor=actor, action="policy_assigned", subject=policy,
        after={"country": country, "debtor_kind": debtor_kind, "segment": segment},
    )  # fmt: skip
    return assignment


@transaction.atomic
def policy_override(*, debtor: Debtor, policy: Policy | None, actor: Any = None) -> DebtorPolicy | None:
    """Give one debtor its own policy (None removes the override). Law-checked for the
    debtor's country and kind. Raises ChargeForbidden."""
    existing = DebtorPolicy.objects.filter(debtor=debtor).first()
    before = {"policy": existing.policy_id if existing else None}
    if policy is None:
        if existing:
            existing.delete()
    else:
        _check_law(_stages_of(policy), [(debtor.country, debtor.kind)], policy.contract_clause)
        if existing:
            existing.policy = policy
            existing.save(update_fields=["policy"])
        else:
            existing = DebtorPolicy.objects.create(
                creditor_id=debtor.creditor_id, debtor=debtor, policy=policy
            )
    audit_record(
        creditor=debtor.creditor, actor=actor, action="policy_overridden", subject=debtor,
        before=before, after={"policy": policy.pk if policy else None},
    )  # fmt: skip
    return existing if policy is not None else None
