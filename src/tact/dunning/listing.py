"""How an action reads in listings (``tact actions list``, a dry run's plan, the UI)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tact.core.money import quantize

RULES = {
    "stage_due": "Each item's next stage has come (due date plus the stage's offset, on a business day of the "
    "debtor's country), with enough days since its last contact, no active hold and the debtor's overdue total at "
    "or above the policy's threshold; one action per debtor and currency a day, on the channel of the most "
    "advanced stage, listing all its items that advance.",
}
WHY_NOT = {
    "email": "no e-mail address that has not bounced",
    "letter": "no postal address",
    "sms": "no phone number",
    "phone": "no phone number",
}
REACH = {"email": "email", "letter": "address", "sms": "phone", "phone": "phone", "portal": None}


def channel_reasons(explanation: dict[str, Any]) -> list[dict[str, str]]:
    """The channels the stage preferred to the one chosen, and why each could not be used,
    from the facts the explanation keeps (wanted, preferred, reachable, chosen)."""
    channel = explanation.get("channel") or {}
    chosen, preferred = channel.get("chosen"), channel.get("preferred")
    reachable = channel.get("reachable") or {}
    reasons = []
    for option in channel.get("wanted") or []:
        resolved = preferred if option == "preferred" else option
        if resolved == chosen:
            break
        if resolved not in REACH:
            why = f"{resolved} is not a dunning channel"
        elif REACH[resolved] is not None and not reachable.get(REACH[resolved]):
            why = WHY_NOT[resolved]
        else:
            continue
        reasons.append({"channel": option if option == resolved else f"preferred ({resolved})", "why": why})
    return reasons


def action_listing(
    *,
    id: int | None,  # noqa: A002 - the action's id
    run_on: date,
    debtor_number: str,
    stage_key: str,
    channel: str,
    currency: str,
    status: str,
    open_amount: Decimal,
    interest_amount: Decimal,
    fees_amount: Decimal,
    flat_compensation_amount: Decimal,
    items: list[dict[str, Any]],
    explanation: dict[str, Any],
) -> dict[str, Any]:
    """One action: debtor number, item numbers, stage, channel, amounts, explanation."""
    return {
        "id": id,
        "run_on": run_on.isoformat(),
        "debtor": debtor_number,
        "items": [i["number"] for i in items],
        "stage": stage_key,
        "channel": channel,
        "currency": currency,
        "status": str(status),
        "open_amount": str(quantize(open_amount, currency)),
        "interest": str(quantize(interest_amount, currency)),
        "fees": str(quantize(fees_amount, currency)),
        "flat_compensation": str(quantize(flat_compensation_amount, currency)),
        "item_details": items,
        "explanation": explanation,
        "rule_text": RULES.get(explanation.get("rule", ""), ""),
        "channel_reasons": channel_reasons(explanation),
    }
