"""A small ledger that the sample statements pay into (tests/banking/samples)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tact.ledger.models import Debtor, Invoice
from tact.ledger.services import AllocationRequest, payment_record
from tests.factories import DebtorFactory, InvoiceFactory

SAMPLES = Path(__file__).parent / "samples"


@dataclass
class Ledger:
    mueller: Debtor
    schmidt: Debtor
    kiosk: Debtor
    re42: Invoice
    schmidt_old: Invoice
    schmidt_new: Invoice
    re815: Invoice
    re17: Invoice


def invoice(debtor, number, amount, issued=date(2025, 9, 1)):
    return InvoiceFactory(creditor=debtor.creditor, debtor=debtor, number=number, issued_on=issued,
                          gross_amount=Decimal(amount), open_amount=Decimal(amount))  # fmt: skip


@pytest.fixture
def ledger(in_scope, other_creditor):
    creditor = in_scope
    mueller = DebtorFactory(creditor=creditor, pk=1000, number="K10001", name="Bäckerei Müller GmbH")
    # The samples' structured references carry debtor ids 1001 (RF40…1001, Schmidt) and 1002 (nobody).
    schmidt = DebtorFactory(creditor=creditor, pk=1001, number="K10002", name="Schmidt und Partner OHG")
    kiosk = DebtorFactory(creditor=creditor, pk=1003, number="K10007", name="Kiosk am Eck")
    re17 = invoice(kiosk, "RE-2025-00017", "89.25", date(2025, 8, 1))
    payment_record(creditor=creditor, debtor=kiosk, amount=Decimal("89.25"), currency="EUR",
                   value_on=date(2025, 9, 2), method="direct_debit",
                   allocations=[AllocationRequest(invoice=re17, amount=Decimal("89.25"))], by=None)  # fmt: skip
    return Ledger(
        mueller=mueller,
        schmidt=schmidt,
        kiosk=kiosk,
        re42=invoice(mueller, "RE-2025-00042", "1190.00"),
        schmidt_old=invoice(schmidt, "RE-2025-00050", "300.00", date(2025, 8, 15)),
        schmidt_new=invoice(schmidt, "RE-2025-00051", "250.00", date(2025, 10, 1)),
        re815=invoice(kiosk, "RE-815", "300.00"),
        re17=re17,
    )
