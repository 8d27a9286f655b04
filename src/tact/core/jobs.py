"""The one place where work may run across all creditors (system jobs, set-up commands)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django_scopes import scope, scopes_disabled


@contextmanager
def all_creditors() -> Iterator[None]:
    """For system jobs that must see every tenant: migrations, demo loading, admin commands."""
    with scopes_disabled():
        yield


@contextmanager
def creditor_scope(creditor) -> Iterator[None]:
    """Enter the scope of exactly one creditor. ``None`` is refused: it would mean no filter."""
    if creditor is None:
        raise ValueError("a creditor is required to enter a scope")
    with scope(creditor=creditor):
        yield
