"""tact bench cycle: a generated portfolio, one cycle, the figures."""

from __future__ import annotations

import pytest
from django.db import connection

from tact.core.errors import ValidationFailed
from tact.dunning.bench import bench_cycle

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="generates its portfolio with PostgreSQL SQL")
def test_the_benchmark_prints_its_figures():
    figures = bench_cycle(debtors=200, invoices=2000)
    # the keys first, in its order; then how many parts planned and wrote at once
    assert list(figures) == ["invoices", "actions", "plan_s", "persist_s", "total_s", "queries", "parts"]
    assert figures["invoices"] == 2000
    assert 100 < figures["actions"] <= 200
    # a second run plans the same day from an empty history again
    assert bench_cycle(debtors=200, invoices=2000)["actions"] == figures["actions"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_the_benchmark_refuses_more_invoices_than_it_can_make():
    with pytest.raises(ValidationFailed, match="--invoices"):
        bench_cycle(debtors=200, invoices=100)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is for SQLite")
def test_the_benchmark_needs_postgresql():
    with pytest.raises(ValidationFailed, match="PostgreSQL"):
        bench_cycle(debtors=10, invoices=100)
