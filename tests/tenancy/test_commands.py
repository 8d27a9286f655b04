"""The set-up commands, as an operator runs them."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tact.tenancy.models import Creditor, Membership

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_creditor_add_validates_and_normalizes_the_iban():
    out = run("creditor", "add", "--slug", "acme", "--name", "Acme GmbH", "--country", "de",
              "--iban", "de89 3704 0044 0532 0130 00", "--json")  # fmt: skip

    data = json.loads(out)
    assert data["iban"] == "DE89370400440532013000"
    assert data["bic"] == "COBADEFFXXX"
    assert data["language"] == "de" and data["currency"] == "EUR"
    assert Creditor.objects.get(slug="acme").country == "DE"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--country", "FR"], "country"),
        (["--country", "DE", "--iban", "DE00 1234"], "iban"),
        (["--country", "DE", "--vat-id", "DE123"], "vat_id"),
        (["--country", "DE", "--email", "not-mail"], "email"),
        (["--country", "DE", "--language", "es"], "language"),
    ],
)
def test_creditor_add_refuses_bad_input_naming_the_field(args, field):
    with pytest.raises(CommandError) as raised:
        run("creditor", "add", "--slug", "acme", "--name", "Acme GmbH", *args)

    assert raised.value.returncode == 2
    assert str(raised.value).startswith(f"{field}:")
    assert not Creditor.objects.exists()


def test_creditor_add_refuses_a_taken_slug():
    run("creditor", "add", "--slug", "acme", "--name", "Acme GmbH", "--country", "DE")

    with pytest.raises(CommandError, match="exists already"):
        run("creditor", "add", "--slug", "acme", "--name", "Other", "--country", "NL")


def test_user_add_prints_a_one_time_password_that_signs_in(client):
    run("creditor", "add", "--slug", "acme", "--name", "Acme GmbH", "--country", "DE")

    data = json.loads(run("user", "add", "--creditor", "acme", "--email", "Anna@Acme.example",
                          "--role", "credit_manager", "--json"))  # fmt: skip

    assert data["email"] == "anna@acme.example" and data["password"]
    assert client.login(username="anna@acme.example", password=data["password"])
    assert Membership.objects.get(user__username="anna@acme.example").role == "credit_manager"


def test_user_add_refuses_an_unknown_role_and_creditor():
    run("creditor", "add", "--slug", "acme", "--name", "Acme GmbH", "--country", "DE")

    with pytest.raises(CommandError, match="^role:"):
        run("user", "add", "--creditor", "acme", "--email", "a@acme.example", "--role", "boss")
    with pytest.raises(CommandError, match="No creditor with slug 'nope'"):
        run("user", "add", "--creditor", "nope", "--email", "a@acme.example", "--role", "agent")
    assert not get_user_model().objects.exists()
