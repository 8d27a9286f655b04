"""SEPA Direct Debit for payment plans: the mandate the debtor signs in the portal and the
``pain.008.001.02`` file of the instalments to collect on a day.

The file is validated against the official XSD before anyone gets it. The schema is the one
the ``sepaxml`` package ships (``sepaxml/schemas/pain.008.001.02.xsd``); we read it from the
installed package and never copy it into the repository. The XML itself is written here with
lxml (CORE scheme, recurring mandates: ``FRST`` for a mandate's first collection, ``RCUR``
after it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from lxml import etree
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.iso7064 import mod_97_10

from tact.audit.services import audit_record
from tact.core.money import quantize
from tact.tenancy.models import Creditor

from .errors import ArrangementInvalid
from .models import Instalment, InstalmentStatus, PaymentPlan, PlanStatus, SepaMandate
from .plans import LIVE, plan_rules_for

PAIN_008 = "pain.008.001.02"
NS = f"urn:iso:std:iso:20022:tech:xsd:{PAIN_008}"
# SEPA's character set: Latin letters, digits and a few signs; anything else is transliterated or dropped.
NOT_SEPA = re.compile(r"[^A-Za-z0-9/?:().,'+ -]")


class SepaInvalid(ArrangementInvalid):
    code = "sepa_invalid"


def sepa_text(value: str, limit: int) -> str:
    """``value`` in SEPA's character set, at most ``limit`` characters (Müller → Muller,
    Größe → Grosse: accents dropped as banks do, ß spelled out)."""
    plain = unicodedata.normalize("NFKD", value.replace("ß", "ss")).encode("ascii", "ignore").decode("ascii")
    return NOT_SEPA.sub("", plain).strip()[:limit] or "NOTPROVIDED"


def iban_clean(value: str, *, field: str = "iban") -> IBAN:
    """The IBAN checked by schwifty (country, length, check digits, bank code).
    Raises SepaInvalid naming ``field``."""
    try:
        return IBAN(value)
    except SchwiftyException as exc:
        raise SepaInvalid(
            field=field, reason="iban_invalid", problem=f"{value!r} is not a valid IBAN ({exc})"
        ) from None


def creditor_id_check(value: str) -> str:
    """A SEPA creditor identifier (DE98ZZZ09999999999): country, check digits (ISO 7064
    mod 97-10 over the national part and the country), a business code the check skips."""
    compact = value.replace(" ", "").upper()
    if len(compact) < 8 or not mod_97_10.is_valid(compact[7:] + compact[:4]):
        raise SepaInvalid(
            field="sepa_creditor_id", reason="creditor_id_invalid",
            problem=f"{value!r} is not a valid SEPA creditor identifier",
        )  # fmt: skip
    return compact


@transaction.atomic
def mandate_sign(
    *, plan: PaymentPlan, iban: str, debtor_name: str, signed_on: date, by: Any, bic: str = ""
) -> SepaMandate:
    """The debtor authorises the creditor to collect the plan's instalments from ``iban``.
    One mandate per plan; the reference is ``TACT-<creditor>-<plan>``.

    Raises SepaInvalid naming the field (iban, debtor_name, plan).
    """
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status not in LIVE:
        raise SepaInvalid(field="plan", reason="plan_not_live", problem=f"plan {plan.pk} is {plan.status}")
    if plan.currency != "EUR":
        raise SepaInvalid(
            field="plan", reason="plan_not_eur", problem=f"SEPA collects EUR, not {plan.currency}"
        )
    if SepaMandate.objects.filter(plan=plan).exists():
        raise SepaInvalid(
            field="plan", reason="mandate_exists", problem=f"plan {plan.pk} has a mandate already"
        )
    checked = iban_clean(iban)
    name = debtor_name.strip()
    if not name:
        raise SepaInvalid(
            field="debtor_name", reason="name_missing", problem="give the account holder's name"
        )
    if bic:
        bic = bic.replace(" ", "").upper()
    elif checked.bic is not None:
        bic = str(checked.bic)
    mandate = SepaMandate.objects.create(
        creditor_id=plan.creditor_id, plan=plan, reference=f"TACT-{plan.creditor_id}-{plan.pk}", signed_on=signed_on,
        debtor_name=name[:70], iban=checked.compact, bic=bic[:11],
    )  # fmt: skip
    audit_record(
        creditor=plan.creditor, actor=by, action="sepa_mandate_signed", subject=plan.debtor,
        after={"plan": plan.pk, "reference": mandate.reference, "iban_end": checked.compact[-4:],
               "signed_on": signed_on},
    )  # fmt: skip
    return mandate


@transaction.atomic
def mandate_revoke(*, mandate: SepaMandate, now: datetime, by: Any, note: str = "") -> SepaMandate:
    """End a mandate (the debtor withdrew it, the bank returned a debit as unauthorised, the
    plan is over): from ``now`` no instalment of its plan goes into a ``pain.008`` file.
    Audited on the debtor with ``note``. Raises SepaInvalid(field="mandate") when it is
    revoked already."""
    mandate = SepaMandate.objects.select_for_update().select_related("plan__debtor").get(pk=mandate.pk)
    if mandate.revoked_at is not None:
        raise SepaInvalid(
            field="mandate",
            reason="mandate_revoked",
            problem=f"mandate {mandate.reference} is revoked already",
        )
    mandate.revoked_at = now
    mandate.save(update_fields=["revoked_at"])
    audit_record(
        creditor=mandate.creditor, actor=by, action="sepa_mandate_revoked", subject=mandate.plan.debtor,
        after={"plan": mandate.plan_id, "reference": mandate.reference, "iban_end": mandate.iban[-4:],
               "note": note.strip()[:500]},
    )  # fmt: skip
    return mandate


# -- the pain.008 file --------------------------------------------------------------------------


@dataclass(frozen=True)
class Collection:
    instalment_id: int
    plan_id: int
    number: int
    amount: Decimal
    reference: str
    signed_on: date
    debtor_name: str
    iban: str
    bic: str
    sequence: str  # FRST or RCUR


def collections_due(*, creditor: Creditor, collect_on: date) -> list[Collection]:
    """The unpaid instalments due on ``collect_on`` of active EUR plans with a mandate, not
    exported before; ``FRST`` when the mandate has had no collection yet."""
    earlier = Instalment.objects.filter(plan_id=OuterRef("plan_id"), debit_exported_on__isnull=False)
    rows = (
        Instalment.objects.filter(
            creditor=creditor, due_on=collect_on, status__in=[InstalmentStatus.OPEN, InstalmentStatus.MISSED],
            debit_exported_on__isnull=True, plan__status=PlanStatus.ACTIVE, plan__currency="EUR",
            plan__mandate__isnull=False, plan__mandate__revoked_at__isnull=True,
        )
        .annotate(collected_before=Exists(earlier))
        .values("pk", "plan_id", "number", "amount", "collected_before", "plan__mandate__reference",
                "plan__mandate__signed_on", "plan__mandate__debtor_name", "plan__mandate__iban",
                "plan__mandate__bic")
        .order_by("plan_id", "number")
    )  # fmt: skip
    return [
        Collection(
            instalment_id=r["pk"],
            plan_id=r["plan_id"],
            number=r["number"],
            amount=quantize(r["amount"], "EUR"),
            reference=r["plan__mandate__reference"],
            signed_on=r["plan__mandate__signed_on"],
            debtor_name=r["plan__mandate__debtor_name"],
            iban=r["plan__mandate__iban"],
            bic=r["plan__mandate__bic"],
            sequence="RCUR" if r["collected_before"] else "FRST",
        )  # fmt: skip
        for r in rows
    ]


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{NS}}}{tag}", **attrs)
    if text is not None:
        node.text = text
    return node


def _path(parent: etree._Element, path: str, text: str) -> etree._Element:
    node = parent
    for tag in path.split("/"):
        node = _el(node, tag)
    node.text = text
    return node


def _agent(parent: etree._Element, tag: str, bic: str) -> None:
    institution = _el(_el(parent, tag), "FinInstnId")
    if bic:
        _el(institution, "BIC", bic)
    else:  # allowed since 2016 for SEPA-internal IBANs
        _path(institution, "Othr/Id", "NOTPROVIDED")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def pain008_build(
    *, creditor: Creditor, creditor_id: str, collections: list[Collection], collect_on: date, now: datetime
) -> bytes:
    """The ``pain.008.001.02`` document: one payment information block per sequence type."""
    if not collections:
        raise SepaInvalid(
            field="--date", reason="nothing_due", problem=f"no instalment to collect on {collect_on}"
        )
    message_id = f"TACT-{creditor.pk}-{now:%Y%m%d%H%M%S}"
    root = etree.Element(f"{{{NS}}}Document", nsmap={None: NS})
    initiation = _el(root, "CstmrDrctDbtInitn")
    header = _el(initiation, "GrpHdr")
    _el(header, "MsgId", message_id)
    _el(header, "CreDtTm", now.replace(microsecond=0, tzinfo=None).isoformat())
    _el(header, "NbOfTxs", str(len(collections)))
    _el(header, "CtrlSum", _amount(sum((c.amount for c in collections), Decimal("0"))))
    _path(header, "InitgPty/Nm", sepa_text(creditor.legal_name, 70))
    for sequence in ("FRST", "RCUR"):
        group = [c for c in collections if c.sequence == sequence]
        if not group:
            continue
        block = _el(initiation, "PmtInf")
        _el(block, "PmtInfId", f"{message_id}-{sequence}")
        _el(block, "PmtMtd", "DD")
        _el(block, "BtchBookg", "true")
        _el(block, "NbOfTxs", str(len(group)))
        _el(block, "CtrlSum", _amount(sum((c.amount for c in group), Decimal("0"))))
        kind = _el(block, "PmtTpInf")
        _path(kind, "SvcLvl/Cd", "SEPA")
        _path(kind, "LclInstrm/Cd", "CORE")
        _el(kind, "SeqTp", sequence)
        _el(block, "ReqdColltnDt", collect_on.isoformat())
        _path(block, "Cdtr/Nm", sepa_text(creditor.legal_name, 70))
        _path(block, "CdtrAcct/Id/IBAN", creditor.iban.replace(" ", "").upper())
        _agent(block, "CdtrAgt", creditor.bic)
        _el(block, "ChrgBr", "SLEV")
        scheme = _el(_el(_el(_el(block, "CdtrSchmeId"), "Id"), "PrvtId"), "Othr")
        _el(scheme, "Id", creditor_id)
        _path(scheme, "SchmeNm/Prtry", "SEPA")
        for c in group:
            tx = _el(block, "DrctDbtTxInf")
            _path(tx, "PmtId/EndToEndId", f"{c.reference}-{c.number}"[:35])
            _el(tx, "InstdAmt", _amount(c.amount), Ccy="EUR")
            mandate = _el(_el(tx, "DrctDbtTx"), "MndtRltdInf")
            _el(mandate, "MndtId", c.reference)
            _el(mandate, "DtOfSgntr", c.signed_on.isoformat())
            _agent(tx, "DbtrAgt", c.bic)
            _path(tx, "Dbtr/Nm", sepa_text(c.debtor_name, 70))
            _path(tx, "DbtrAcct/Id/IBAN", c.iban)
            _path(tx, "RmtInf/Ustrd", sepa_text(f"Instalment {c.number} of payment plan {c.plan_id}", 140))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@cache
def pain008_schema() -> etree.XMLSchema:
    """The official XSD as the installed ``sepaxml`` package ships it."""
    source = resources.files("sepaxml") / "schemas" / f"{PAIN_008}.xsd"
    with source.open("rb") as handle:
        return etree.XMLSchema(etree.parse(handle))


def pain008_validate(document: bytes) -> None:
    """Raise SepaInvalid with the schema's first complaint when ``document`` is not valid."""
    schema = pain008_schema()
    parsed = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    if not schema.validate(parsed):
        error = schema.error_log.last_error
        raise SepaInvalid(
            field="document", reason="schema_invalid", problem=f"line {error.line}: {error.message}"
        )


@dataclass(frozen=True)
class SepaExport:
    document: bytes
    count: int
    total: Decimal


@transaction.atomic
def sepa_export(*, creditor: Creditor, collect_on: date, now: datetime, by: Any) -> SepaExport:
    """The direct debits to collect on ``collect_on`` as a validated ``pain.008.001.02``
    file; each instalment in it is marked exported, so a second export of the day is empty.

    Raises SepaInvalid naming the field (sepa_creditor_id, iban of the creditor, --date).
    """
    creditor_id = creditor_id_check(plan_rules_for(creditor=creditor).sepa_creditor_id)
    iban_clean(creditor.iban, field="creditor.iban")
    collections = collections_due(creditor=creditor, collect_on=collect_on)
    document = pain008_build(
        creditor=creditor, creditor_id=creditor_id, collections=collections, collect_on=collect_on, now=now
    )
    pain008_validate(document)
    Instalment.objects.filter(pk__in=[c.instalment_id for c in collections]).update(
        debit_exported_on=collect_on
    )
    total = sum((c.amount for c in collections), Decimal("0"))
    audit_record(
        creditor=creditor, actor=by, action="sepa_exported", subject=creditor,
        after={"collect_on": collect_on, "count": len(collections), "total": total},
    )  # fmt: skip
    return SepaExport(document=document, count=len(collections), total=total)
