from __future__ import annotations

from django_scopes import scope

from tact.ledger.models import Contact
from tests.factories import ContactFactory, DebtorFactory

from .conftest import assert_problem, fields_named


def test_create_contact_under_a_debtor_normalizes_the_phone(api, creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor, country="DE")

    response = api.post(
        f"/debtors/{debtor.pk}/contacts",
        {"name": "Anna Schmidt", "email": "ap@krause.example", "phone": "030 1234567", "role": "billing"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+49301234567"
    assert body["debtor_id"] == debtor.pk and body["debtor_number"] == debtor.number
    assert body["is_preferred"] is True  # the first contact


def test_contacts_nested_and_flat(api, creditor):
    with scope(creditor=creditor):
        first = ContactFactory(debtor__creditor=creditor)
        ContactFactory(debtor__creditor=creditor)

    nested = api.get(f"/debtors/{first.debtor_id}/contacts").json()["items"]
    flat = api.get("/contacts").json()["items"]
    by_number = api.get("/contacts", {"debtor_number": first.debtor.number}).json()["items"]

    assert [c["id"] for c in nested] == [first.pk]
    assert len(flat) == 2
    assert [c["id"] for c in by_number] == [first.pk]
    assert api.get(f"/contacts/{first.pk}").json()["email"] == first.email


def test_patch_and_delete_contact(api, creditor):
    with scope(creditor=creditor):
        contact = ContactFactory(debtor__creditor=creditor)

    patched = api.patch(f"/contacts/{contact.pk}", {"email": "new@debtor.example", "city": "Köln"})
    deleted = api.delete(f"/contacts/{contact.pk}")

    assert patched.status_code == 200, patched.content
    assert patched.json()["email"] == "new@debtor.example"
    assert patched.json()["city"] == "Köln"
    assert deleted.status_code == 204
    with scope(creditor=creditor):
        assert not Contact.objects.filter(pk=contact.pk).exists()


def test_contact_with_a_bad_email_names_the_field(api, creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor)

    body = assert_problem(api.post(f"/debtors/{debtor.pk}/contacts", {"email": "not-an-address"}), 422)

    assert fields_named(body) == {"email"}


def test_contact_without_name_email_or_phone_is_refused(api, creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor)

    body = assert_problem(api.post(f"/debtors/{debtor.pk}/contacts", {"city": "Berlin"}), 422)

    assert fields_named(body) == {"name"}
