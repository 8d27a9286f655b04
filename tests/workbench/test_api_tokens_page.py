"""The API tokens page: list, create (the secret shown once), revoke; roles and tenants."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.tenancy.models import ApiToken
from tact.tenancy.services import token_authenticate, token_create

pytestmark = pytest.mark.django_db

TOKENS = reverse("workbench:api_tokens")
SECRET = re.compile(r"tact_[0-9a-f]{12}_[A-Za-z0-9_\-]+")


def revoke_url(token: ApiToken) -> str:
    return reverse("workbench:api_token_revoke", args=[token.pk])


def test_tokens_are_listed_with_prefix_role_and_creator(signed_in, creditor, manager, other_creditor):
    issued = token_create(creditor=creditor, name="ERP export", role="agent", by=manager)
    token_create(creditor=other_creditor, name="Rival shop")

    html = signed_in.get(TOKENS).content.decode()

    assert "ERP export" in html and f"tact_{issued.token.prefix}_…" in html
    assert "Agent" in html and manager.username in html
    assert "never" in html  # last used
    assert "Rival shop" not in html


def test_creating_a_token_shows_its_secret_once(signed_in, creditor, manager):
    response = signed_in.post(TOKENS, {"name": "Shop", "role": "read_only"})

    html = response.content.decode()
    (plaintext,) = set(SECRET.findall(html))
    assert "It is shown only this once" in html
    assert "no-store" in response["Cache-Control"]
    token = token_authenticate(plaintext=plaintext)
    assert token.creditor == creditor and token.name == "Shop" and token.role == "read_only"
    assert token.created_by == manager
    assert plaintext not in signed_in.get(TOKENS).content.decode()
    with scope(creditor=creditor):
        assert AuditEvent.objects.filter(action="api_token_created").count() == 1


def test_a_token_needs_a_name(signed_in):
    response = signed_in.post(TOKENS, {"name": "", "role": "agent"})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_credit_manager_cannot_create_an_admin_token(signed_in):
    response = signed_in.post(TOKENS, {"name": "Escalate", "role": "admin"})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    assert 'value="admin"' not in signed_in.get(TOKENS).content.decode()


def test_an_admin_may_create_an_admin_token(client, member):
    client.force_login(member("admin"))

    client.post(TOKENS, {"name": "Ops", "role": "admin"})

    assert ApiToken.objects.get().role == "admin"


def test_revoking_asks_first_then_revokes(signed_in, creditor, manager):
    issued = token_create(creditor=creditor, name="ERP export", by=manager)

    question = signed_in.get(revoke_url(issued.token))
    assert token_authenticate(plaintext=issued.plaintext) is not None
    response = signed_in.post(revoke_url(issued.token), follow=True)

    assert "Revoke the token “ERP export”?" in question.content.decode()
    assert token_authenticate(plaintext=issued.plaintext) is None
    html = response.content.decode()
    assert "was revoked" in html and 'class="revoked"' in html
    assert revoke_url(issued.token) not in html


def test_revoking_another_creditors_token_is_not_found(signed_in, other_creditor):
    rival = token_create(creditor=other_creditor, name="Rival shop")

    asked = signed_in.get(revoke_url(rival.token))
    response = signed_in.post(revoke_url(rival.token))

    assert asked.status_code == 404 and response.status_code == 404
    assert token_authenticate(plaintext=rival.plaintext) is not None


@pytest.mark.parametrize("role", ["agent", "read_only"])
def test_other_roles_see_no_link_and_are_refused(client, member, creditor, role):
    token = token_create(creditor=creditor, name="ERP export").token
    client.force_login(member(role))

    home = client.get(reverse("workbench:debtors")).content.decode()

    assert TOKENS not in home
    assert client.get(TOKENS).status_code == 403
    assert client.post(TOKENS, {"name": "x", "role": "read_only"}).status_code == 403
    assert client.post(revoke_url(token)).status_code == 403
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize("role", ["admin", "credit_manager"])
def test_token_managers_see_the_link_in_the_settings_group(client, member, role):
    client.force_login(member(role))

    html = client.get(reverse("workbench:debtors")).content.decode()

    assert f'href="{TOKENS}"' in html
    assert 'id="nav-settings"' in html
