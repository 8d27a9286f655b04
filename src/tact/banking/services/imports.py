"""Writes of the banking app: importing statements, booking matches, deciding suggestions.

``statement_import`` is the one entry point of the command, the upload page and the API.
It parses and checks the whole file before it writes anything; then, in one transaction,
it stores the new lines (a line seen before is a duplicate and skipped), matches them
(``matching.py``), books the sure matches through the ledger's services (payments applied
in the legal order, the named items first) and leaves the unsure ones as suggestions.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from tact.audit.services import audit_record
from tact.core.bulk import insert_rows, rows_where_in, text_array
from tact.core.memory import gc_paused
from tact.ledger.allocation import OpenItem
from tact.ledger.models import Invoice, Payment, PaymentMethod, PaymentSource
from tact.ledger.services import (
    PaymentDraft,
    payment_reverse,
    payments_allocate,
    payments_record_bulk,
)
from tact.tenancy.models import Creditor

from .. import conf, hooks
from ..errors import StatementRefused
from ..matching import PAID_TWICE_AFTER, Line, Match, Matcher, text_keys
from ..models import (
    BankTransaction,
    CsvMapping,
    LineStatus,
    PayerAccount,
    Statement,
    Suggestion,
)
from ..parsers import ParsedStatement, statements_read
from ..parsers.base import iban_clean, line_fingerprint
from ..selectors import (
    Portfolio,
    last_payment_of_items,
    paid_items_by_key,
    paid_items_named,
    payer_accounts_of,
    payment_of_line,
    portfolio_load,
)
from .layouts import csv_mapping_for

ZERO = Decimal("0")
LEARN_FROM = {"reference", "invoice_number"}  # sure rules whose payer IBAN tact keeps
LEARN_CONFIDENCE = 95
# A return names an item paid at most this long ago (when the payer's account is not known).
RETURN_WINDOW = timedelta(days=180)


@dataclass
class ImportSummary:
    statements: int = 0
    transactions: int = 0
    matched: int = 0
    suggested: int = 0
    unmatched: int = 0
    duplicates: int = 0
    statement_ids: list[int] = field(default_factory=list)
    # Wall seconds of each phase (read, store, match, book, write, commit): not part of the
    # contract below; `tact bench matching` prints them.
    phases: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        """The contract of ``tact bank import --json``, the upload page and the API."""
        return {
            "statements": self.statements,
            "transactions": self.transactions,
            "matched": self.matched,
            "suggested": self.suggested,
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
        }


def _check(*, creditor: Creditor, statements: Sequence[ParsedStatement], filename: str) -> None:
    """Refuse a statement of another account or in another currency, before anything is written."""
    own = iban_clean(creditor.iban)
    if not own:
        raise StatementRefused(
            filename=filename,
            problem=f"{creditor.legal_name} has no IBAN in its settings; tact cannot tell whether "
            "this statement is of its account.",
        )
    for statement in statements:
        if statement.account_iban and statement.account_iban != own:
            raise StatementRefused(
                filename=filename,
                problem=f"the statement is of account {statement.account_iban}, not of "
                f"{creditor.legal_name}'s account {own}. Nothing was imported.",
            )
        currencies = {statement.currency} | {line.currency for line in statement.lines}
        other = sorted(c for c in currencies if c and c != creditor.currency)
        if other:
            raise StatementRefused(
                filename=filename,
                problem=f"amounts in {', '.join(other)}; {creditor.legal_name} books in {creditor.currency}. "
                "Nothing was imported.",
            )


def statement_import(
    *,
    creditor: Creditor,
    data: bytes,
    filename: str,
    by: Any,
    mapping: CsvMapping | None = None,
    use_default: bool = True,
    auto_confidence: int | None = None,
    max_bytes: int | None = None,
) -> ImportSummary:
    """Import a statement file (camt.053/054, MT940, CODA, CSV) and match its new lines.

    Raises StatementUnreadable (broken, cut off, unknown format) or StatementRefused
    (another account, another currency); then nothing is written. Example: a camt.053 with
    4 lines, one seen before → {"statements": 1, "transactions": 3, ..., "duplicates": 1}.
    ``max_bytes`` overrides the size limit of the settings (the benchmark's 40 MB file).
    A CSV is read with ``mapping``, else with the creditor's default layout, unless
    ``use_default`` is off (the upload page, where "recognise the columns" is a choice).
    """
    phases: dict[str, float] = {}
    clock = PhaseClock(phases)
    with gc_paused():  # a large statement: millions of objects that live to the end
        if mapping is None and use_default:
            mapping = csv_mapping_for(name=None)
        parsed = statements_read(
            data,
            filename=filename,
            mapping=mapping.columns if mapping else None,
            options=mapping.options if mapping else None,
            account_iban=iban_clean(creditor.iban),
            currency=creditor.currency,
            limit=max_bytes,
        )
        _check(creditor=creditor, statements=parsed, filename=filename)
        digest = hashlib.sha256(data).hexdigest()
        clock.lap("read")
        with transaction.atomic():
            summary, lines = _store(creditor=creditor, parsed=parsed, filename=filename, digest=digest, by=by)
            first = Statement.objects.get(pk=summary.statement_ids[0]) if summary.statement_ids else None
            clock.lap("store")
            counts = lines_match(creditor=creditor, lines=lines, by=by, auto_confidence=auto_confidence,
                                 statement=first, clock=clock)  # fmt: skip
        clock.lap("commit")  # the foreign keys of the new rows are checked here
    summary.matched, summary.suggested, summary.unmatched = counts
    summary.phases = phases
    return summary


class PhaseClock:
    """Adds up the wall time of an import's phases into ``phases``: ``lap(name)`` books the
    time since the last lap to ``name``."""

    def __init__(self, phases: dict[str, float]) -> None:
        self.phases, self.last = phases, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(self.phases.get(name, 0.0) + now - self.last, 3)
        self.last = now


@dataclass(slots=True, eq=False)
class NewLine:
    """A bank line of an import, before it is stored with what matching decided: the fields
    of ``BankTransaction`` without a model instance per line (100,000 of them cost seconds).
    ``lines_match`` takes these and stored ``BankTransaction``s alike."""

    creditor_id: int
    statement_id: int
    fingerprint: str
    booked_on: Any
    value_on: Any
    amount: Decimal
    currency: str
    counterparty_name: str
    counterparty_iban: str
    counterparty_bic: str
    remittance: str
    structured_reference: str
    end_to_end_id: str
    mandate_id: str
    bank_reference: str
    bank_code: str
    is_return: bool
    return_reason: str
    status: str = LineStatus.UNMATCHED
    debtor_id: int | None = None
    payment_id: int | None = None
    rule: str = ""
    confidence: int = 0
    facts: dict = field(default_factory=dict)
    matched_at: Any = None
    payment: Payment | None = None
    pk: int | None = None


def _store(
    *, creditor: Creditor, parsed: Sequence[ParsedStatement], filename: str, digest: str, by: Any
) -> tuple[ImportSummary, list[NewLine]]:
    summary = ImportSummary()
    stored: list[NewLine] = []
    actor = by if getattr(by, "pk", None) else None
    for statement in parsed:
        account = statement.account_iban or iban_clean(creditor.iban)
        seen: dict[str, int] = {}
        rows: list[tuple[str, Any]] = []
        for line in statement.lines:
            base = line_fingerprint(account=account, line=line, occurrence=0)
            seen[base] = occurrence = seen.get(base, -1) + 1
            # The first of identical lines keeps the base (most lines: one checksum, not two).
            fingerprint = (
                base
                if occurrence == 0
                else line_fingerprint(account=account, line=line, occurrence=occurrence)
            )
            rows.append((fingerprint, line))
        known = _known_fingerprints([f for f, _ in rows])
        new = [(f, line) for f, line in rows if f not in known]
        summary.duplicates += len(rows) - len(new)
        if not new:
            continue
        record = Statement.objects.create(
            creditor=creditor,
            file_format=statement.file_format,
            filename=filename[:255],
            sha256=digest,
            account_iban=account,
            currency=statement.currency or creditor.currency,
            bank_statement_id=statement.bank_statement_id[:100],
            opening_balance=statement.opening_balance,
            closing_balance=statement.closing_balance,
            from_on=statement.from_on,
            to_on=statement.to_on,
            created_by=actor,
            actor_label=by if isinstance(by, str) else "",
        )
        created = [
            NewLine(creditor.pk, record.pk, fingerprint, line.booked_on, line.value_on, line.amount,
                    line.currency or creditor.currency, line.counterparty_name, line.counterparty_iban,
                    line.counterparty_bic, line.remittance, line.structured_reference, line.end_to_end_id,
                    line.mandate_id, line.bank_reference, line.bank_code, line.is_return, line.return_reason)
            for fingerprint, line in new
        ]  # fmt: skip
        stored.extend(created)
        summary.statements += 1
        summary.transactions += len(created)
        summary.statement_ids.append(record.pk)
        audit_record(
            creditor=creditor,
            actor=by,
            action="bank_statement_imported",
            subject=record,
            after={"filename": filename, "format": statement.file_format, "lines": len(created)},
            facts={"duplicates": len(rows) - len(new), "sha256": digest},
        )
    return summary, stored


def _known_fingerprints(fingerprints: list[str]) -> set[str]:
    """The fingerprints stored already. PostgreSQL: one query, the (hex) fingerprints as one
    array literal rather than a hundred queries of a thousand parameters."""
    known: set[str] = set()
    if connection.vendor == "postgresql" and fingerprints:
        literal = "{" + ",".join(f for f in fingerprints if f.isalnum()) + "}"
        return set(
            BankTransaction.objects.filter(
                RawSQL("fingerprint = ANY(%s::text[])", [literal], output_field=BooleanField())
            ).values_list("fingerprint", flat=True)
        )
    for start in range(0, len(fingerprints), 1000):
        chunk = fingerprints[start : start + 1000]
        known.update(
            BankTransaction.objects.filter(fingerprint__in=chunk).values_list("fingerprint", flat=True)
        )
    return known


@transaction.atomic
def lines_match(
    *,
    creditor: Creditor,
    lines: Sequence[BankTransaction | NewLine],
    by: Any,
    auto_confidence: int | None = None,
    statement: Statement | None = None,
    clock: PhaseClock | None = None,
) -> tuple[int, int, int]:
    """Match bank lines, book the sure ones, suggest the others. Returns (matched, suggested, unmatched).

    Set-based: the open items are read (and locked) once, for matching and for applying the
    money in the legal order; the decisions are made in memory, payments recorded and
    allocated in bulk; returned payments (few) are reversed one by one. New lines (the
    import's ``NewLine``s) are inserted here, with their outcome; lines already stored are
    updated. With ``statement`` (an import), the payments and allocations get one audit
    event each for the batch, about the statement, instead of one per payment: each line
    keeps its payment, rule, confidence and facts.
    """
    threshold = conf.auto_apply_confidence() if auto_confidence is None else auto_confidence
    credits = [t for t in lines if t.amount > 0]
    returns = [t for t in lines if t.amount < 0 and t.is_return]
    outgoing = [t for t in lines if t.amount < 0 and not t.is_return]
    portfolio = portfolio_load(currency=creditor.currency, ibans={t.counterparty_iban for t in credits})
    matcher = Matcher(portfolio, auto_confidence=threshold)
    read = [(t, _line_of(t)) for t in credits]
    decisions = [(t, matcher.match(line)) for t, line in read]
    decisions = _paid_twice(matcher=matcher, read=read, decisions=decisions, currency=creditor.currency)
    clock = clock or PhaseClock({})
    clock.lap("match")
    sure = [(t, m) for t, m in decisions if m.debtor_id is not None and m.confidence >= threshold]
    unsure = [(t, m) for t, m in decisions if m.debtor_id is not None and m.confidence < threshold]
    none = [(t, m) for t, m in decisions if m.debtor_id is None]
    _book(creditor=creditor, sure=sure, by=by, statement=statement, portfolio=portfolio)
    clock.lap("book")
    for line, match in unsure:
        line.status, line.debtor_id, line.rule = LineStatus.SUGGESTED, match.debtor_id, match.rule
        line.confidence, line.facts = match.confidence, match.facts
    returned = _returns_book(creditor=creditor, lines=returns, by=by)
    for line in outgoing:
        line.status, line.rule, line.facts = LineStatus.IGNORED, "none", {"why": "outgoing"}
    for line, match in none:
        line.status, line.rule, line.facts = LineStatus.UNMATCHED, "none", match.facts
    _persist(lines)
    _suggestions_insert(creditor=creditor, unsure=unsure, portfolio=portfolio)
    clock.lap("write")
    matched = len(sure) + returned
    return matched, len(unsure), len(lines) - matched - len(unsure)


def _paid_twice(
    *, matcher: Matcher, read: list[tuple[BankTransaction, Line]], decisions: list, currency: str
) -> list[tuple[BankTransaction, Match]]:
    """Look again at the lines no rule placed (or only to the oldest items): a text that names
    items paid already, for their amount, is a payment made twice (one query for the batch)."""
    candidates = [
        k
        for k, (_, m) in enumerate(decisions)
        if m.rule in PAID_TWICE_AFTER and m.confidence < matcher.auto_confidence and read[k][1].keys
    ]  # (a sure match claimed its items already: it stays)
    if not candidates:
        return decisions
    paid = paid_items_by_key(keys={key for k in candidates for key in read[k][1].keys}, currency=currency)
    if not paid:
        return decisions
    decisions = list(decisions)
    for k in candidates:
        found = matcher.paid_twice(read[k][1], paid)
        if found is not None:
            decisions[k] = (decisions[k][0], found)
    return decisions


def _line_of(t: BankTransaction) -> Line:
    return Line(
        id=t.pk,
        amount=t.amount,
        currency=t.currency,
        name=t.counterparty_name,
        iban=t.counterparty_iban,
        remittance=t.remittance,
        structured_reference=t.structured_reference,
    )


def _book(
    *,
    creditor: Creditor,
    sure: Sequence[tuple[BankTransaction | NewLine, Match]],
    by: Any,
    statement: Statement | None,
    portfolio: Portfolio,
) -> None:
    """Record and allocate the sure matches in bulk: one call each for the whole batch (each
    call is a savepoint; hundreds of them overflowed PostgreSQL's subtransaction cache). The
    money goes to the open items matching read and locked: they are not read again."""
    if not sure:
        return
    now = timezone.now()
    paid: set[int] = set()
    learned: dict[tuple[str, int], str] = {}
    audit = {"audit_subject": statement, "audit_facts": {"import": "bank_statement"}} if statement else {}
    payments = payments_record_bulk(
        creditor=creditor, drafts=[_draft(t, m.debtor_id) for t, m in sure], source=PaymentSource.BANK, by=by,
        **audit,
    )  # fmt: skip
    items = portfolio.items
    named = {
        p.pk: [items[i] for i in m.named if i in items] for p, (_, m) in zip(payments, sure, strict=True)
    }
    pool = {
        (debtor_id, creditor.currency): [
            OpenItem(i.id, i.number, i.kind, i.due_on, i.open_amount, i.parent_id, i.parent_due_on)
            for i in portfolio.by_debtor.get(debtor_id, ())
        ]
        for debtor_id in {m.debtor_id for _, m in sure}
    }
    applied = {
        a.payment.pk: a for a in payments_allocate(payments=payments, named=named, pool=pool, by=by, **audit)
    }
    for payment, (line, match) in zip(payments, sure, strict=True):
        result = applied.get(payment.pk)
        facts = dict(match.facts)
        if result is not None:
            facts["applied"] = [[number, str(amount)] for number, amount in result.allocations]
            facts["rule_of_law"] = result.rule
            if result.unapplied:
                facts["credit"] = str(result.unapplied)
            paid.update(result.item_ids)
        line.status, line.payment, line.debtor_id = LineStatus.MATCHED, payment, match.debtor_id
        line.rule, line.confidence, line.facts, line.matched_at = match.rule, match.confidence, facts, now
        if match.rule in LEARN_FROM and match.confidence >= LEARN_CONFIDENCE and line.counterparty_iban:
            learned.setdefault((line.counterparty_iban, match.debtor_id), line.counterparty_name[:140])
    known = _payer_accounts_known({iban for iban, _ in learned})
    _payer_accounts_add(creditor=creditor, learned={k: v for k, v in learned.items() if k not in known})
    hooks.notify(hooks.ITEMS_PAID, creditor_id=creditor.pk, item_ids=paid)


def _payer_accounts_add(*, creditor: Creditor, learned: dict[tuple[str, int], str]) -> None:
    """Keep the learned (IBAN, debtor) pairs; a pair another import stored meanwhile is left
    as it is. PostgreSQL: one INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING
    (bulk_create with ignore_conflicts took seconds for 60,000 pairs)."""
    if not learned:
        return
    if connection.vendor != "postgresql":
        PayerAccount.objects.bulk_create(
            [PayerAccount(creditor=creditor, debtor_id=debtor_id, iban=iban, name=name)
             for (iban, debtor_id), name in learned.items()],
            ignore_conflicts=True,
            batch_size=1000,
        )  # fmt: skip
        return
    pairs = list(learned.items())
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO banking_payeraccount (creditor_id, debtor_id, iban, name, confirmations, created_at, "
            "last_seen_at) SELECT %s, d, i, n, 1, %s, %s FROM unnest(%s::bigint[], %s::text[], %s::text[]) "
            "AS v(d, i, n) ON CONFLICT DO NOTHING",
            [creditor.pk, now, now, text_array([d for (_, d), _ in pairs]), text_array([i for (i, _), _ in pairs]),
             text_array([n for _, n in pairs])],
        )  # fmt: skip


def _payer_accounts_known(ibans: set[str]) -> set[tuple[str, int]]:
    """(IBAN, debtor) pairs tact knows already of these IBANs: learning them again would only
    be ignored."""
    return set(payer_accounts_of(ibans=ibans))


def _draft(line: BankTransaction | NewLine, debtor_id: int) -> PaymentDraft:
    return PaymentDraft(
        debtor_id=debtor_id,
        amount=line.amount,
        currency=line.currency,
        value_on=line.value_on,
        method=PaymentMethod.TRANSFER,
        reference=(line.structured_reference or line.remittance)[:140],
        payer_name=line.counterparty_name,
        payer_iban=line.counterparty_iban,
        external_id=line.fingerprint,
    )


MATCH_FIELDS = ["status", "payment", "debtor", "rule", "confidence", "facts", "matched_at"]


LINE_FIELDS = [
    "creditor_id", "statement_id", "fingerprint", "booked_on", "value_on", "amount", "currency",
    "counterparty_name", "counterparty_iban", "counterparty_bic", "remittance", "structured_reference",
    "end_to_end_id", "mandate_id", "bank_reference", "bank_code", "is_return", "return_reason", "status",
    "debtor_id", "payment_id", "rule", "confidence", "facts", "matched_at",
]  # fmt: skip


def _persist(lines: Sequence[BankTransaction | NewLine]) -> None:
    """Write the lines with what matching decided: new lines in one COPY (the import's path:
    no update of 100,000 rows, no parameters prepared one by one), lines matched again by an
    update."""
    again = [t for t in lines if isinstance(t, BankTransaction)]
    new = [t for t in lines if isinstance(t, NewLine)]
    for line in new:
        line.payment_id = line.payment.pk if line.payment is not None else None
    ids = insert_rows(BankTransaction, LINE_FIELDS, [[getattr(t, f) for f in LINE_FIELDS] for t in new])
    for pk, line in zip(ids, new, strict=True):
        line.pk = pk
    if again:
        BankTransaction.objects.bulk_update(again, MATCH_FIELDS, batch_size=500)


SUGGESTION_FIELDS = [
    "creditor_id",
    "transaction_id",
    "debtor_id",
    "rule",
    "confidence",
    "allocations",
    "facts",
]


def _suggestions_insert(
    *, creditor: Creditor, unsure: Sequence[tuple[BankTransaction | NewLine, Match]], portfolio: Portfolio
) -> None:
    """The suggestions of the unsure lines (stored already), as rows: the items they name are
    open items matching read, so their numbers are at hand."""
    numbers = {i: portfolio.items[i].number for _, m in unsure for i in m.named if i in portfolio.items}
    missing = sorted({i for _, m in unsure for i in m.named} - numbers.keys())
    numbers.update(rows_where_in(Invoice.objects.all(), "pk", missing, "pk", "number"))
    rows = [
        (creditor.pk, line.pk, match.debtor_id, match.rule, match.confidence,
         [{"invoice": i, "number": numbers.get(i, "")} for i in match.named], match.facts)
        for line, match in unsure
    ]  # fmt: skip
    insert_rows(Suggestion, SUGGESTION_FIELDS, rows)


def _returns_book(*, creditor: Creditor, lines: Sequence[BankTransaction], by: Any) -> int:
    """Reverse the payments that returned direct debits and chargebacks take back. Few lines
    per statement, so one by one; a return whose payment tact cannot find stays unmatched."""
    booked = 0
    for line in lines:
        amount = -line.amount
        payment = payment_of_line(end_to_end_id=line.end_to_end_id, amount=amount)
        named: list[Invoice] = []
        how = "end_to_end_id"
        if payment is None:
            named = _items_by_keys(line=line, keys=set(text_keys(line.remittance)))
            payment = (
                last_payment_of_items(invoice_ids=[i.pk for i in named], amount=amount) if named else None
            )
            how = "invoice_number"
        if payment is None:
            line.status, line.rule = LineStatus.UNMATCHED, "return"
            line.facts = {
                "why": "return_payment_not_found",
                "reason": line.return_reason,
                "amount": str(amount),
            }
            continue
        reversal = payment_reverse(
            payment=payment,
            amount=min(amount, payment.amount),
            value_on=line.value_on,
            reason=line.return_reason or "returned",
            first=named,
            external_id=line.fingerprint,
            reference=line.end_to_end_id or line.bank_reference,
            by=by,
        )
        reopened = [
            [a.invoice.number, str(-a.amount)] for a in reversal.allocations.select_related("invoice")
        ]
        line.status, line.payment, line.debtor_id = LineStatus.MATCHED, reversal, payment.debtor_id
        line.rule, line.confidence, line.matched_at = "return", 95, timezone.now()
        line.facts = {"reason": line.return_reason, "found_by": how, "payment": payment.pk, "reopened": reopened,
                      "amount": str(amount)}  # fmt: skip
        hooks.notify(hooks.ITEMS_REOPENED, creditor_id=creditor.pk,
                     item_ids=reversal.allocations.values_list("invoice_id", flat=True))  # fmt: skip
        booked += 1
    return booked


def _items_by_keys(*, line: BankTransaction, keys: set[str]) -> list[Invoice]:
    """Paid items whose number the returned line names (the open-items index does not hold them)."""
    if not keys:
        return []
    debtor_ids = (
        set(PayerAccount.objects.filter(iban=line.counterparty_iban).values_list("debtor_id", flat=True))
        if line.counterparty_iban
        else set()
    )
    return paid_items_named(keys=keys, debtor_ids=debtor_ids, since=line.value_on - RETURN_WINDOW)
