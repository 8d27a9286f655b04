"""Holds on the debtor and item pages: list, place (on the debtor or an item), end."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.dunning.models import Hold
from tact.dunning.services import hold_place

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def holds(creditor) -> list[Hold]:
    with scope(creditor=creditor):
        return list(Hold.objects.order_by("pk"))


def test_the_debtor_page_shows_its_holds_and_the_form(signed_in, creditor, portfolio):
    with scope(creditor=creditor):
        hold_place(debtor=portfolio.mueller, reason="promise", starts_on=TODAY, note="Pays on the 15th")

    html = signed_in.get(reverse("workbench:debtor", args=[portfolio.mueller.pk])).content.decode()

    assert 'id="holds"' in html
    assert "Promise to pay" in html and "Pays on the 15th" in html and "on the debtor (all items)" in html
    assert 'data-testid="place-hold"' in html and "Item RE-1001" in html


def test_placing_a_hold_on_an_item_goes_back_to_the_page(signed_in, creditor, manager, portfolio):
    page = reverse("workbench:invoice", args=[portfolio.overdue.pk])

    response = signed_in.post(
        reverse("workbench:dunning_hold_place", args=[portfolio.mueller.pk]),
        {"reason": "dispute", "target": portfolio.overdue.pk, "page_item": portfolio.overdue.pk,
         "starts_on": "2025-12-01", "ends_on": "2025-12-31", "note": "Damaged goods", "next": page},
    )  # fmt: skip

    assert response.status_code == 302 and response["Location"] == page
    [hold] = holds(creditor)
    assert (hold.reason, hold.invoice_id, hold.ends_on, hold.note, hold.created_by) == (
        "dispute", portfolio.overdue.pk, date(2025, 12, 31), "Damaged goods", manager,
    )  # fmt: skip
    html = signed_in.get(page).content.decode()
    assert "on item RE-1001" in html and "Damaged goods" in html and "1 Dec 2025 to 31 Dec 2025" in html


def test_an_htmx_hold_answers_the_panel(signed_in, creditor, portfolio):
    response = signed_in.post(
        reverse("workbench:dunning_hold_place", args=[portfolio.mueller.pk]),
        {"reason": "hardship", "target": "", "starts_on": "2025-12-01", "note": "Owner ill"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(
        '<section class="card holds-panel" id="holds"'
    )
    assert "Hardship" in html and 'class="hold is-active"' in html
    assert holds(creditor)[0].invoice_id is None


def test_an_end_before_the_start_is_refused_and_nothing_is_written(signed_in, creditor, portfolio):
    response = signed_in.post(
        reverse("workbench:dunning_hold_place", args=[portfolio.mueller.pk]),
        {"reason": "manual", "starts_on": "2025-12-10", "ends_on": "2025-12-01"},
        HTTP_HX_REQUEST="true",
    )

    assert "The last day cannot be before the first." in response.content.decode()
    assert holds(creditor) == []


def test_an_item_of_another_debtor_cannot_be_held_through_this_one(signed_in, creditor, portfolio):
    response = signed_in.post(
        reverse("workbench:dunning_hold_place", args=[portfolio.mueller.pk]),
        {"reason": "dispute", "target": portfolio.bakker_item.pk, "starts_on": "2025-12-01"},
        follow=True,
    )

    assert "The hold was not placed" in response.content.decode()
    assert holds(creditor) == []


def test_ending_a_hold_lets_todays_cycle_dun_again(signed_in, creditor, portfolio):
    with scope(creditor=creditor):
        hold = hold_place(debtor=portfolio.mueller, reason="manual", starts_on=date(2025, 11, 20))

    response = signed_in.post(reverse("workbench:dunning_hold_end", args=[hold.pk]), follow=True)

    assert "The hold was ended." in response.content.decode()
    [ended] = holds(creditor)
    assert ended.ended_at is not None and ended.ends_on == date(2025, 11, 30)
    assert 'class="hold is-ended"' in response.content.decode()
    assert "from 20 Nov 2025, ended on 1 Dec 2025" in response.content.decode()


def test_an_agent_may_place_a_hold(client, creditor, member, portfolio):
    client.force_login(member("agent"))

    client.post(
        reverse("workbench:dunning_hold_place", args=[portfolio.mueller.pk]),
        {"reason": "recent_contact", "starts_on": "2025-12-01"},
    )

    [hold] = holds(creditor)
    assert (hold.reason, hold.ends_on) == ("recent_contact", date(2025, 12, 8))  # 7 days by default


def test_a_reader_sees_holds_but_cannot_change_them(client, creditor, member, portfolio):
    with scope(creditor=creditor):
        hold = hold_place(debtor=portfolio.mueller, reason="manual", starts_on=TODAY)
    client.force_login(member("read_only"))

    html = client.get(reverse("workbench:debtor", args=[portfolio.mueller.pk])).content.decode()
    placed = client.post(
        reverse("workbench:dunning_hold_place", args=[portfolio.mueller.pk]),
        {"reason": "manual", "starts_on": "2025-12-01"},
    )
    ended = client.post(reverse("workbench:dunning_hold_end", args=[hold.pk]))

    assert "Manual pause" in html and "Place a hold" not in html and "End hold" not in html
    assert (placed.status_code, ended.status_code) == (403, 403)
    assert [h.ended_at for h in holds(creditor)] == [None]
