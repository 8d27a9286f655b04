"""A camt.053 statement that pays into the demo portfolio, for trying the bank import.

``demo_bank_statement`` reads the creditor's open items (and a few items paid lately) and
writes the money a creditor's bank would show for them, in the ways payers pay: the
structured reference of the letters (RF, or the Belgian OGM for debtors in Belgium),
invoice numbers in free text (with prefixes, spaces, lost leading zeros), one transfer for
three invoices, partial payments, a transfer naming no invoice from a payer known only by
name, a returned direct debit, unknown payers, and a few payments going out. The same
seed and the same ledger give the same file; importing it twice books nothing twice.

``StatementPlan.expected`` says what each kind of line should lead to, so a test (and a
person trying the demo) can check the import: which items are paid in full by sure
matches, which lines wait as suggestions, which stay unmatched.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from tact.ledger.models import Allocation, Debtor, Invoice, InvoiceKind
from tact.messaging.references import structured_reference
from tact.tenancy.models import Creditor

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
# Shares of the transactions by kind; what is left over goes to structured references.
MIX = {
    "invoice_number": 0.30,
    "three_invoices": 0.03,
    "partial": 0.06,
    "name_only": 0.06,
    "returned_direct_debit": 0.02,
    "unknown_payer": 0.05,
    "outgoing": 0.03,
}
_TEXTS = ["Rechnung {}", "RE {}", "Rg.-Nr. {} vielen Dank", "Factuur {}", "Invoice {}", "{}"]
_UNKNOWN = ["Förderverein Hafenfest e.V.", "M. Jansen", "Sportclub Blau-Weiss", "A. Dubois", "K. Novak"]


@dataclass
class StatementPlan:
    """The file and what its lines are: kind → count, and the items each kind names."""

    data: bytes
    counts: dict[str, int] = field(default_factory=dict)
    paid_in_full: list[str] = field(default_factory=list)  # items sure matches settle
    suggested: list[str] = field(default_factory=list)  # items of lines that wait for a person
    returned: list[str] = field(default_factory=list)  # paid items a returned debit reopens

    def as_dict(self) -> dict:
        return {"transactions": sum(self.counts.values()), "by_kind": self.counts,
                "paid_in_full": len(self.paid_in_full), "suggested": len(self.suggested),
                "returned": self.returned}  # fmt: skip


def _iban(rng: random.Random, country: str) -> str:
    """A syntactically valid IBAN (mod 97) of ``country`` for a made-up payer account."""
    length = {"DE": 18, "NL": 14, "BE": 12, "AT": 16}.get(country, 18)
    if country == "NL":
        bban = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + "".join(
            rng.choice("0123456789") for _ in range(10)
        )
    else:
        bban = "".join(rng.choice("0123456789") for _ in range(length))
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def demo_bank_statement(
    *, creditor: Creditor, transactions: int = 200, seed: int = 1, today: date
) -> StatementPlan:
    """A camt.053.001.08 of ``transactions`` lines booked ``today`` on the creditor's account,
    paying its open items (see the module). Call it in the creditor's scope."""
    rng = random.Random(seed)
    items: dict[int, list[Invoice]] = defaultdict(list)
    for invoice in (
        Invoice.objects.filter(kind=InvoiceKind.INVOICE, open_amount__gt=0, currency=creditor.currency,
                               debtor__currency=creditor.currency)
        .only("id", "number", "debtor_id", "open_amount", "due_on")
        .order_by("due_on", "id")
    ):  # fmt: skip
        items[invoice.debtor_id].append(invoice)
    debtors = {d.pk: d for d in Debtor.objects.filter(pk__in=items).only("id", "name", "country", "number")}
    order = sorted(items)
    rng.shuffle(order)
    counts = dict.fromkeys(["reference", *MIX], 0)
    wanted = {kind: round(share * transactions) for kind, share in MIX.items()}
    plan = StatementPlan(data=b"", counts=counts)
    entries: list[str] = []
    moved: list[Decimal] = []  # each entry's signed amount, for the closing balance

    def add(amount: Decimal, *facts: Any, **more: Any) -> None:
        entries.append(_entry(len(entries), amount, *facts, **more))
        moved.append(amount)

    ibans = {pk: _iban(rng, debtors[pk].country) for pk in order}
    returns = _returns(creditor=creditor, today=today, count=wanted["returned_direct_debit"])
    for number, amount, debtor_id in returns:
        debtor = debtors.get(debtor_id) or Debtor.objects.get(pk=debtor_id)
        add(-amount, debtor.name, ibans.get(debtor_id, ""), f"Lastschrift {number}", "", today,
            return_reason="MD06")  # fmt: skip
        counts["returned_direct_debit"] += 1
        plan.returned.append(number)
    for _ in range(wanted["unknown_payer"]):
        amount = Decimal(rng.randrange(1500, 50_000)) / 100
        add(amount, rng.choice(_UNKNOWN), _iban(rng, "DE"), "Spende Sommerfest", "", today)
        counts["unknown_payer"] += 1
    for _ in range(wanted["outgoing"]):
        amount = Decimal(rng.randrange(5000, 250_000)) / 100
        add(-amount, "Hafen Immobilien KG", _iban(rng, "DE"), "Miete Lager", "", today)
        counts["outgoing"] += 1
    paying = max(0, transactions - len(entries))
    kinds = [
        kind
        for kind in ("three_invoices", "partial", "name_only", "invoice_number")
        for _ in range(wanted[kind])
    ]
    kinds = kinds[:paying] + ["reference"] * (paying - len(kinds))
    rng.shuffle(kinds)
    names_seen: dict[str, int] = defaultdict(int)
    for pk in order:
        names_seen[debtors[pk].name] += 1

    def fits(kind: str, debtor: Debtor, open_items: list[Invoice]) -> bool:
        if kind == "three_invoices":
            return len(open_items) >= 3
        if kind == "name_only":  # a name alone is clear only for a debtor with one open item
            return len(open_items) == 1 and names_seen[debtor.name] == 1
        return True

    for debtor_id in order:
        if len(entries) >= transactions or not kinds:
            break
        debtor, open_items = debtors[debtor_id], items[debtor_id]
        kind = next((k for k in kinds if fits(k, debtor, open_items)), "reference")
        if kind in kinds:
            kinds.remove(kind)
        iban = ibans[debtor_id]
        if kind == "reference":
            total = sum((i.open_amount for i in open_items), Decimal(0))
            ref = structured_reference(country=debtor.country, debtor_id=debtor_id).compact
            add(total, debtor.name, iban, "", ref, today)
            plan.paid_in_full.extend(i.number for i in open_items)
        elif kind == "invoice_number":
            item = open_items[0]
            shown = rng.choice([item.number, item.number.replace("-", " "), item.number.replace("-0", "-")])
            add(item.open_amount, debtor.name, iban, rng.choice(_TEXTS).format(shown), "", today)
            plan.paid_in_full.append(item.number)
        elif kind == "three_invoices":
            three = open_items[:3]
            amount = sum((i.open_amount for i in three), Decimal(0))
            text = "Sammelzahlung " + ", ".join(i.number for i in three)
            add(amount, debtor.name, iban, text, "", today)
            plan.paid_in_full.extend(i.number for i in three)
        elif kind == "partial":
            item = open_items[0]
            amount = (item.open_amount / 2).quantize(Decimal("0.01"))
            add(amount, debtor.name, iban, f"Teilzahlung {item.number}", "", today)
            plan.suggested.append(item.number)
        else:  # name_only: the exact amount of the one open item, no reference at all
            item = open_items[0]
            add(item.open_amount, debtor.name, "", "Zahlung", "", today)
            plan.suggested.append(item.number)
        counts[kind] += 1
    rng.shuffle(entries)
    # The balances a bank prints around the day's lines: the opening one made up, the closing
    # one that plus the lines (the upload page shows the period and the closing balance).
    opening = Decimal(rng.randrange(2_500_000, 9_000_000)) / 100
    closing = opening + sum(moved, Decimal(0))
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NAMESPACE}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>DEMO-{today:%Y%m%d}-{seed}</MsgId><CreDtTm>{today}T06:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>DEMO-{today:%Y%m%d}-{seed}</Id><ElctrncSeqNb>{today.timetuple().tm_yday}</ElctrncSeqNb>"
        f"<CreDtTm>{today}T06:00:00</CreDtTm>"
        f"<FrToDt><FrDtTm>{today}T00:00:00</FrDtTm><ToDtTm>{today}T23:59:59</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{creditor.iban}</IBAN></Id><Ccy>{creditor.currency}</Ccy></Acct>"
        + _balance("OPBD", opening, creditor.currency, today - timedelta(days=1))
        + _balance("CLBD", closing, creditor.currency, today)
    )
    plan.data = (head + "\n".join(entries) + "</Stmt></BkToCstmrStmt></Document>\n").encode()
    return plan


def _balance(code: str, amount: Decimal, currency: str, day: date) -> str:
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">{abs(amount):.2f}</Amt>'
        f"<CdtDbtInd>{'CRDT' if amount >= 0 else 'DBIT'}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def _returns(*, creditor: Creditor, today: date, count: int) -> list[tuple[str, Decimal, int]]:
    """Items paid in full within the last 60 days by a single payment: (number, amount, debtor)."""
    found: list[tuple[str, Decimal, int]] = []
    seen: set[int] = set()
    for allocation in (
        Allocation.objects.filter(invoice__kind=InvoiceKind.INVOICE, invoice__open_amount=0, amount__gt=0,
                                  invoice__settled_on__gte=today - timedelta(days=60),
                                  invoice__currency=creditor.currency, payment__amount__gt=0)
        .select_related("invoice", "payment")
        .order_by("-invoice__settled_on", "id")[:200]
    ):  # fmt: skip
        invoice = allocation.invoice
        if invoice.pk in seen or allocation.amount != invoice.gross_amount:
            continue
        if allocation.payment.amount != allocation.amount:
            continue
        seen.add(invoice.pk)
        found.append((invoice.number, allocation.amount, invoice.debtor_id))
        if len(found) >= count:
            break
    return found


def _entry(
    n: int,
    amount: Decimal,
    name: str,
    iban: str,
    text: str,
    ref: str,
    day: date,
    *,
    return_reason: str = "",
    currency: str = "EUR",
) -> str:
    credit = amount > 0
    remittance = f"<Ustrd>{escape(text)}</Ustrd>" if text else ""
    if ref:
        remittance += f"<Strd><CdtrRefInf><Ref>{ref}</Ref></CdtrRefInf></Strd>"
    code = "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn></BkTxCd>"
    role = "Dbtr" if credit or return_reason else "Cdtr"
    account = f"<{role}Acct><Id><IBAN>{iban}</IBAN></Id></{role}Acct>" if iban else ""
    return (
        f'<Ntry><Amt Ccy="{currency}">{abs(amount):.2f}</Amt><CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd>'
        f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        f"<AcctSvcrRef>DEMO-{day:%Y%m%d}-{n:05d}</AcctSvcrRef>{code if return_reason else ''}"
        f"<NtryDtls><TxDtls><RltdPties><{role}><Pty><Nm>{escape(name)}</Nm></Pty></{role}>{account}</RltdPties>"
        f"<RmtInf>{remittance}</RmtInf>"
        + (f"<RtrInf><Rsn><Cd>{return_reason}</Cd></Rsn></RtrInf>" if return_reason else "")
        + "</TxDtls></NtryDtls></Ntry>"
    )
