"""A sample context with every fact filled in, built without the database.

The template editor checks a draft against it (syntax, unknown variables, tone) before a
creditor has picked a real debtor; the tests render every shipped text with it in every
country and debtor kind.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from tact.ledger.models import Debtor
from tact.tenancy.models import Creditor

from . import links
from .context import (
    FINAL_KEYS,
    HANDOVER_KEYS,
    Address,
    ChargeFact,
    ItemFact,
    MessageContext,
    PaymentFacts,
    deadline_for,
    epc_qr,
    law_facts,
)
from .references import structured_reference

SAMPLE_DEBTOR_ID = 4711
SAMPLE_NAMES = {
    "DE": ("Bäckerei Sommer GmbH", "Jana Sommer", "Lindenstraße 12", "50674", "Köln"),
    "AT": ("Tischlerei Gruber KG", "Martin Gruber", "Hauptplatz 3", "8010", "Graz"),
    "NL": ("Van Dijk Installatietechniek B.V.", "Sanne van Dijk", "Kerkstraat 45", "3511 LX", "Utrecht"),
    "BE": ("Boulangerie Lemaire SRL", "Claire Lemaire", "Rue de la Station 8", "4000", "Liège"),
}


@cache  # the same few contexts check every template; building one draws a QR code
def sample_context(
    *, country: str = "DE", kind: str = "business", key: str = "", today: date = date(2026, 3, 2)
) -> MessageContext:
    """A context for a fictional debtor in ``country`` with two items, one overdue, and
    statutory interest on the overdue one."""
    name, contact, street, postal_code, city = SAMPLE_NAMES[country]
    if kind == "consumer":
        name = contact
    creditor = Creditor(
        pk=1,
        legal_name="Nordlicht Handel GmbH",
        country="DE",
        language="de",
        street="Hafenstraße 7",
        postal_code="20457",
        city="Hamburg",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        vat_id="DE123456789",
        sender_email="buchhaltung@nordlicht.example",
    )
    debtor = Debtor(pk=SAMPLE_DEBTOR_ID, number="K-1042", name=name, kind=kind, country=country)
    items = (
        ItemFact(1, "RE-2026-0107", "invoice", today - timedelta(days=44), today - timedelta(days=14),
                 Decimal("1190.00"), Decimal("1190.00"), "EUR", 14, "PO 5521", ""),
        ItemFact(2, "RE-2026-0191", "invoice", today - timedelta(days=20), today + timedelta(days=10),
                 Decimal("238.00"), Decimal("238.00"), "EUR", 0, "", ""),
    )  # fmt: skip
    charges = (
        ChargeFact("interest", Decimal("3.77"), "EUR", "§ 288(2) BGB, Basiszinssatz + 9 Prozentpunkte"),
    )
    open_total = Decimal("1428.00")
    total = open_total + Decimal("3.77")
    law = law_facts(debtor=debtor, principal=Decimal("1190.00"), currency="EUR", today=today)
    reference = structured_reference(country=country, debtor_id=SAMPLE_DEBTOR_ID)
    payload, png = epc_qr(creditor=creditor, total=total, currency="EUR", reference=reference)
    return MessageContext(
        today=today,
        creditor_id=creditor.pk,
        creditor={
            "name": creditor.legal_name,
            "street": creditor.street,
            "postal_code": creditor.postal_code,
            "city": creditor.city,
            "country": creditor.country,
            "language": creditor.language,
            "email": creditor.sender_email,
            "phone": "+49 40 1234567",
            "website": "www.nordlicht.example",
            "iban": creditor.iban,
            "bic": creditor.bic,
            "vat_id": creditor.vat_id,
            "registration": "Amtsgericht Hamburg HRB 123456",
            "enterprise_number": "",
            "managing_directors": "Eva Nordmann",
            "signature_name": "Lea Hoffmann",
            "signature_role": {},
            "primary_color": "#1f6f5c",
            "accent_color": "#e8f3ef",
        },
        debtor_id=SAMPLE_DEBTOR_ID,
        debtor={
            "name": name,
            "number": "K-1042",
            "kind": kind,
            "country": country,
            "language": "de",
            "vat_id": "",
        },
        contact={"name": contact, "email": "jana@example.org", "phone": "+491701234567"},
        address=Address(name=name, street=street, postal_code=postal_code, city=city, country=country),
        items=items,
        charges=charges,
        currency="EUR",
        open_total=open_total,
        overdue_total=Decimal("1190.00"),
        charges_total=Decimal("3.77"),
        total_due=total,
        law=law,
        payment=PaymentFacts(
            method="transfer",
            reference=reference,
            portal_url=links.portal_url(debtor_id=SAMPLE_DEBTOR_ID),
            pay_url=links.pay_url(debtor_id=SAMPLE_DEBTOR_ID),
            short_url=links.short_url(debtor_id=SAMPLE_DEBTOR_ID),
            epc_payload=payload,
            qr_png_data_uri=png,
        ),
        stage={
            "key": key,
            "is_final": key in FINAL_KEYS,
            "is_handover": key in HANDOVER_KEYS,
            "deadline_on": deadline_for(today=today, days=10, law=law),
            "deadline_days": 10,
        },
        reply_token=links.reply_token_make(creditor_id=creditor.pk, debtor_id=SAMPLE_DEBTOR_ID),
    )
