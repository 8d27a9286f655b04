"""Hooks higher apps register to react to money booked from the bank.

Banking may not import dunning (DESIGN.md: imports point down). The cycle already skips an
item whose open amount is zero, so a paid item is never dunned again without any hook;
a hook is for what the ledger facts alone do not say (ending a promise hold at once, say).
Each hook is called after the commit with the creditor's id and the ids of the items that
money was applied to (or reopened, for a returned payment).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

ItemsHook = Callable[[int, list[int]], None]
ITEMS_PAID: list[ItemsHook] = []
ITEMS_REOPENED: list[ItemsHook] = []


def on_items_paid(hook: ItemsHook) -> ItemsHook:
    ITEMS_PAID.append(hook)
    return hook


def on_items_reopened(hook: ItemsHook) -> ItemsHook:
    ITEMS_REOPENED.append(hook)
    return hook


def notify(hooks: list[ItemsHook], *, creditor_id: int, item_ids: Iterable[int]) -> None:
    ids = sorted(set(item_ids))
    if not ids or not hooks:
        return
    for hook in list(hooks):
        transaction.on_commit(lambda hook=hook: hook(creditor_id, ids))
