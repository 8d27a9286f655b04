"""Tenant isolation and the creditor switch, seen from outside through the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.ledger.models import ImportRun, Invoice
from tact.tenancy.middleware import SESSION_KEY
from tests.factories import MembershipFactory

from .conftest import build_portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def rival_records(other_creditor):
    """Ids of another creditor's debtor, item and import run."""
    with scope(creditor=other_creditor):
        item = Invoice.objects.select_related("debtor").first()
        run = ImportRun.objects.create(
            creditor=other_creditor,
            filename="rival.csv",
            sha256="0" * 64,
            file_format="csv",
            status="previewed",
        )
    return {"debtor": item.debtor_id, "invoice": item.pk, "run": run.pk}


@pytest.mark.parametrize(
    ("name", "key"),
    [("workbench:debtor", "debtor"), ("workbench:invoice", "invoice"), ("workbench:import_run", "run")],
)
def test_a_record_of_another_creditor_is_not_found(signed_in, portfolio, rival_records, name, key):
    response = signed_in.get(reverse(name, args=[rival_records[key]]))

    assert response.status_code == 404


def test_confirming_another_creditors_import_is_not_found(signed_in, rival_records, other_creditor):
    response = signed_in.post(reverse("workbench:import_decide", args=[rival_records["run"], "confirm"]))

    assert response.status_code == 404
    with scope(creditor=other_creditor):
        assert ImportRun.objects.get(pk=rival_records["run"]).status == "previewed"


def test_list_search_and_totals_show_only_the_own_creditor(signed_in, portfolio, other_creditor):
    with scope(creditor=other_creditor):
        rival_number = Invoice.objects.first().number

    listing = signed_in.get(reverse("workbench:debtors"))
    search = signed_in.get(reverse("workbench:debtors"), {"q": rival_number})

    assert listing.content.decode().count('<td class="primary">') == 3
    assert "€2,035.00" in listing.content.decode()
    assert search.content.decode().count('<td class="primary">') == 0


def test_creditor_switch_shows_the_other_creditors_debtors(client, member, creditor, other_creditor):
    user = member("credit_manager")
    MembershipFactory(user=user, creditor=other_creditor, role="read_only")
    build_portfolio(creditor)
    client.force_login(user)

    response = client.post(reverse("workbench:creditor_switch"), {"creditor": other_creditor.pk}, follow=True)

    html = response.content.decode()
    assert client.session[SESSION_KEY] == other_creditor.pk
    assert "Rival B.V." in html
    assert "Müller Maschinenbau GmbH" not in html


def test_creditor_switch_refuses_a_creditor_the_user_is_not_member_of(signed_in, creditor, other_creditor):
    response = signed_in.post(reverse("workbench:creditor_switch"), {"creditor": other_creditor.pk})

    assert response.status_code == 404
    assert signed_in.session.get(SESSION_KEY) is None


@pytest.mark.parametrize("value", ["", "abc", "-1", "999999"])
def test_creditor_switch_refuses_forged_values(signed_in, value):
    assert signed_in.post(reverse("workbench:creditor_switch"), {"creditor": value}).status_code == 404


def test_creditor_switch_needs_post(signed_in):
    assert signed_in.get(reverse("workbench:creditor_switch")).status_code == 405


def test_read_only_role_in_one_creditor_may_not_import_there(client, member, creditor, other_creditor):
    user = member("credit_manager")
    MembershipFactory(user=user, creditor=other_creditor, role="read_only")
    client.force_login(user)
    client.post(reverse("workbench:creditor_switch"), {"creditor": other_creditor.pk})

    response = client.post(reverse("workbench:import"), {})

    assert response.status_code == 403
