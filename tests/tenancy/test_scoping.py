"""Tenant data cannot be read without naming the creditor: the scope fails closed."""

import pytest
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from tact.ledger.models import Invoice
from tact.tenancy.services import token_authenticate, token_create, token_revoke
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


def test_an_unscoped_query_of_tenant_data_raises(creditor):
    with pytest.raises(ScopeError):
        list(Invoice.objects.all())


def test_a_scope_shows_only_its_creditors_items(creditor, other_creditor):
    with scope(creditor=creditor):
        InvoiceFactory(creditor=creditor, number="MINE-1")
        assert list(Invoice.objects.values_list("number", flat=True)) == ["MINE-1"]
    with scope(creditor=other_creditor):
        assert Invoice.objects.count() == 2
        assert not Invoice.objects.filter(number="MINE-1").exists()


def test_a_token_authenticates_until_it_is_revoked(creditor):
    issued = token_create(creditor=creditor, name="ERP sync")

    token = token_authenticate(plaintext=issued.plaintext)
    assert token is not None and token.creditor == creditor and token.last_used_at is not None
    assert issued.token.secret_hash not in issued.plaintext  # only a hash is stored

    token_revoke(token=issued.token)
    assert token_authenticate(plaintext=issued.plaintext) is None


def test_a_token_with_a_wrong_secret_is_refused(creditor):
    issued = token_create(creditor=creditor, name="ERP sync")
    prefix = issued.plaintext.split("_")[1]

    assert token_authenticate(plaintext=f"tact_{prefix}_wrong") is None
    assert token_authenticate(plaintext="garbage") is None


def test_a_person_cannot_issue_a_token_stronger_than_their_role(creditor):
    from tact.tenancy.errors import InvalidUserField
    from tests.factories import MembershipFactory

    agent = MembershipFactory(creditor=creditor, role="agent").user

    with pytest.raises(InvalidUserField, match="may not issue"):
        token_create(creditor=creditor, name="sneaky", role="admin", by=agent)
    assert (
        token_create(creditor=creditor, name="reader", role="read_only", by=agent).token.role == "read_only"
    )
