"""The staff pages through Django's test client: content, search, filters, sorting, roles."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def names_in(response) -> list[str]:
    """Debtor names in the order the list shows them."""
    html = response.content.decode()
    return re.findall(r'<td class="primary">\s*<a href="/debtors/\d+/">([^<]+)</a>', html)


def test_signed_out_visitor_is_sent_to_the_login(client):
    response = client.get(reverse("workbench:debtors"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_renders_a_form(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'href="/password-reset/"' in response.content


def test_login_with_the_right_password_leads_to_the_debtors(client, manager):
    response = client.post(
        reverse("login"), {"username": manager.username, "password": "correct-horse-battery"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("workbench:debtors")


def test_logout_ends_the_session(signed_in):
    response = signed_in.post(reverse("logout"))

    assert response.status_code == 302
    assert signed_in.get(reverse("workbench:debtors")).status_code == 302


def test_home_leads_to_the_debtor_list(signed_in):
    response = signed_in.get(reverse("workbench:home"))

    assert response.status_code == 302
    assert response.url == reverse("workbench:debtors")


def test_user_without_creditor_sees_an_explanation(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())

    response = client.get(reverse("workbench:debtors"))

    assert response.status_code == 403
    assert b"not a member of any creditor" in response.content


def test_debtor_list_shows_balances_and_totals_of_the_set(signed_in, portfolio):
    response = signed_in.get(reverse("workbench:debtors"))

    html = response.content.decode()
    assert response.status_code == 200
    assert names_in(response) == ["Bakker Groothandel B.V.", "Jan Jansen", "Müller Maschinenbau GmbH"]
    assert "€2,035.00" in html  # open: 1,190 + 595 + 250
    assert "€1,440.00" in html  # overdue: 1,190 + 250
    assert "15 Oct 2025" in html  # Müller's oldest due date


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("müller", ["Müller Maschinenbau GmbH"]),
        ("K20", ["Bakker Groothandel B.V."]),
        ("einkauf@mueller", ["Müller Maschinenbau GmbH"]),
        ("RE-2001", ["Bakker Groothandel B.V."]),
        ("nobody", []),
    ],
)
def test_search_finds_debtors_by_name_number_email_and_invoice_number(signed_in, portfolio, q, expected):
    response = signed_in.get(reverse("workbench:debtors"), {"q": q})

    assert names_in(response) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "NL"}, ["Bakker Groothandel B.V.", "Jan Jansen"]),
        ({"kind": "consumer"}, ["Jan Jansen"]),
        ({"overdue": "on"}, ["Bakker Groothandel B.V.", "Müller Maschinenbau GmbH"]),
        ({"tag": "vip"}, ["Müller Maschinenbau GmbH"]),
        ({"country": "XX"}, ["Bakker Groothandel B.V.", "Jan Jansen", "Müller Maschinenbau GmbH"]),
    ],
)
def test_filters_narrow_the_list(signed_in, portfolio, params, expected):
    response = signed_in.get(reverse("workbench:debtors"), params)

    assert response.status_code == 200
    assert names_in(response) == expected


def test_totals_follow_the_filter(signed_in, portfolio):
    response = signed_in.get(reverse("workbench:debtors"), {"country": "NL"})

    html = response.content.decode()
    assert "€250.00" in html
    assert "€2,035.00" not in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-open", ["Müller Maschinenbau GmbH", "Bakker Groothandel B.V.", "Jan Jansen"]),
        ("overdue", ["Jan Jansen", "Bakker Groothandel B.V.", "Müller Maschinenbau GmbH"]),
        ("-number", ["Jan Jansen", "Bakker Groothandel B.V.", "Müller Maschinenbau GmbH"]),
        ("due", ["Müller Maschinenbau GmbH", "Bakker Groothandel B.V.", "Jan Jansen"]),
        ("bogus", ["Bakker Groothandel B.V.", "Jan Jansen", "Müller Maschinenbau GmbH"]),
    ],
)
def test_sorting_orders_the_list(signed_in, portfolio, sort, expected):
    response = signed_in.get(reverse("workbench:debtors"), {"sort": sort})

    assert names_in(response) == expected


def test_htmx_search_returns_only_the_results(signed_in, portfolio):
    response = signed_in.get(
        reverse("workbench:debtors"), {"q": "bakker"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="debtor-results"
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="debtor-results"')
    assert "<html" not in html
    assert names_in(response) == ["Bakker Groothandel B.V."]
    assert "HX-Request" in response["Vary"]


def test_list_paginates(signed_in, creditor):
    from django_scopes import scope

    from tests.factories import DebtorFactory

    with scope(creditor=creditor):
        DebtorFactory.create_batch(55, creditor=creditor)

    first = signed_in.get(reverse("workbench:debtors"))
    second = signed_in.get(reverse("workbench:debtors"), {"page": 2})

    assert len(names_in(first)) == 50
    assert len(names_in(second)) == 5
    assert "1–50 of 55" in first.content.decode()


def test_debtor_page_shows_master_data_contacts_items_payments_and_timeline(signed_in, portfolio):
    response = signed_in.get(reverse("workbench:debtor", args=[portfolio.mueller.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Müller Maschinenbau GmbH" in html
    assert "einkauf@mueller.example" in html and "+49301234567" in html
    assert "RE-1001" in html and "47 days" in html  # due 15 Oct, today 1 Dec
    assert "RE-1002" in html and "not yet due" in html
    assert "1 settled item" in html and "RE-0999" in html
    assert "Payment received" in html and "Payment recorded" in html
    assert "Debtor created" in html and "Contact added" in html
    assert "Item RE-1001 recorded" in html and "Invoice RE-1001 issued" in html


def test_invoice_page_shows_facts_payments_and_history(signed_in, portfolio):
    response = signed_in.get(reverse("workbench:invoice", args=[portfolio.settled.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "RE-0999" in html and "settled" in html
    assert "€100.00" in html
    assert "Item RE-0999 recorded" in html and "Invoice RE-0999 issued" in html
    assert "Payment received" in html and "Payment recorded" in html


def test_amounts_and_dates_follow_the_language(signed_in, portfolio):
    signed_in.cookies["django_language"] = "de"

    response = signed_in.get(reverse("workbench:debtor", args=[portfolio.mueller.pk]))

    html = response.content.decode()
    assert "1.190,00\xa0€" in html
    assert "15.10.2025" in html


def test_read_only_member_sees_no_upload_and_may_not_post(client, member):
    client.force_login(member("read_only"))

    page = client.get(reverse("workbench:import"))
    post = client.post(reverse("workbench:import"), {})

    assert page.status_code == 200
    assert b'type="file"' not in page.content
    assert post.status_code == 403


def test_agent_may_not_import(client, member):
    client.force_login(member("agent"))

    assert client.post(reverse("workbench:import"), {}).status_code == 403


def test_import_form_without_file_names_the_field(signed_in):
    response = signed_in.post(reverse("workbench:import"), {})

    assert response.status_code == 400
    assert b"This field is required" in response.content


def test_unknown_import_decision_is_404(signed_in):
    assert signed_in.post("/import/1/explode/").status_code == 404
