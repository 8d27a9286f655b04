"""Factories for tests. Amounts are Decimal strings, never floats."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from tact.ledger.models import Contact, Debtor, Invoice
from tact.tenancy.models import Creditor, Membership, Role


class CreditorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creditor
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"creditor-{n}")
    legal_name = factory.Sequence(lambda n: f"Creditor {n} GmbH")
    country = "DE"
    currency = "EUR"
    language = "de"
    iban = "DE89370400440532013000"
    bic = "COBADEFFXXX"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.LazyAttribute(lambda u: u.username)
    password = factory.django.Password("correct-horse-battery")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    creditor = factory.SubFactory(CreditorFactory)
    role = Role.CREDIT_MANAGER


class DebtorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debtor

    creditor = factory.SubFactory(CreditorFactory)
    number = factory.Sequence(lambda n: f"K{10000 + n}")
    name = factory.Sequence(lambda n: f"Debtor {n} GmbH")
    kind = "business"
    country = factory.LazyAttribute(lambda d: d.creditor.country)
    language = factory.LazyAttribute(lambda d: d.creditor.language)
    currency = "EUR"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    debtor = factory.SubFactory(DebtorFactory)
    creditor = factory.LazyAttribute(lambda c: c.debtor.creditor)
    name = "Anna Schmidt"
    email = factory.Sequence(lambda n: f"ap{n}@debtor.example")
    is_preferred = True


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    creditor = factory.SubFactory(CreditorFactory)
    debtor = factory.SubFactory(DebtorFactory, creditor=factory.SelfAttribute("..creditor"))
    number = factory.Sequence(lambda n: f"RE-2025-{n:05d}")
    issued_on = date(2025, 10, 1)
    due_on = factory.LazyAttribute(lambda i: i.issued_on + timedelta(days=30))
    currency = "EUR"
    gross_amount = Decimal("1190.00")
    net_amount = Decimal("1000.00")
    vat_amount = Decimal("190.00")
    open_amount = factory.LazyAttribute(lambda i: i.gross_amount)
