"""The dunning pages read a fixed number of queries, whatever the number of actions or holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from tact.dunning.services import hold_place

from .conftest import TODAY
from .dunning_fixtures import final_notices

pytestmark = pytest.mark.django_db


def queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("dunning_plan", {}),
        (
            "dunning_plan",
            {"q": "debtor", "status": "awaiting_approval", "channel": "letter", "country": "DE"},
        ),
        ("dunning_approvals", {}),
        ("dunning_policies", {}),
    ],
)
def test_dunning_pages_do_not_grow_with_the_actions(signed_in, creditor, name, params):
    final_notices(creditor, 2, prefix="A")
    few = queries(signed_in, reverse(f"workbench:{name}"), params)
    final_notices(creditor, 30, prefix="B")
    many = queries(signed_in, reverse(f"workbench:{name}"), params)

    assert many == few
    assert many <= 14  # auth and tenancy 5, then the page's own reads


def test_the_holds_panel_does_not_grow_with_the_holds(signed_in, creditor, portfolio):
    url = reverse("workbench:debtor", args=[portfolio.mueller.pk])
    with scope(creditor=creditor):
        hold_place(debtor=portfolio.mueller, reason="manual", starts_on=TODAY)
    few = queries(signed_in, url)
    with scope(creditor=creditor):
        for n in range(15):
            hold_place(
                debtor=portfolio.mueller,
                invoice=portfolio.overdue,
                reason="dispute",
                starts_on=TODAY,
                note=f"n{n}",
            )
    many = queries(signed_in, url)

    assert many == few
