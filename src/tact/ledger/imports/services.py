"""Ledger imports: from a file (command line, upload page) or from API rows.

Every entry point ends in `pipeline.merge_rows`, so a file, an upload and an API call are
validated and merged the same way.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from tact.audit.services import audit_record
from tact.core import clock
from tact.core.errors import TactError
from tact.core.streams import prefetch
from tact.ledger.errors import InvalidLedgerField
from tact.ledger.models import ColumnMapping, ImportRun, ImportStatus, PaymentSource
from tact.ledger.services import normalize_phone
from tact.tenancy.models import COUNTRIES, LANGUAGES, Creditor

from .pipeline import ImportReport, merge_rows
from .rows import ImportRow, RowError

HASH_BLOCK = 1024 * 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _parse(path: Path, *, creditor: Creditor, mapping: ColumnMapping | None, filename: str | None):
    from .reading import parse_file

    return parse_file(
        path,
        creditor_country=creditor.country,
        default_currency=creditor.currency,
        mapping=mapping.columns if mapping else None,
        options=mapping.options if mapping else None,
        filename=filename,
    )


def _actor_label(by: Any, actor_label: str) -> str:
    if actor_label:
        return actor_label
    return getattr(by, "get_username", lambda: "system")() if by is not None else "system"


def import_file(
    *,
    creditor: Creditor,
    path: Path,
    filename: str | None = None,
    dry_run: bool = False,
    full: bool = False,
    mapping: ColumnMapping | None = None,
    by: Any = None,
    actor_label: str = "",
    today: date | None = None,
    run: ImportRun | None = None,
    use_default: bool = True,
) -> ImportReport:
    """Import a ledger file (CSV, XLSX, ZUGFeRD/Factur-X PDF, XRechnung XML), all or nothing.

    Must run inside the creditor's scope. The report lists every bad row; with errors, or
    with ``dry_run``, nothing is written. Importing the same file again changes nothing.
    A successful import is recorded as an `ImportRun` (``run``, when one was previewed).
    """
    today = today or clock.today(creditor.timezone)
    filename = filename or path.name
    if mapping is None and use_default:
        mapping = _default_mapping()
    parsed = _parse(path, creditor=creditor, mapping=mapping, filename=filename)
    report = ImportReport(
        file_format=parsed.file_format,
        conventions=dict(getattr(parsed, "conventions", {}) or {}),
        headers=list(parsed.headers),
        header_line=getattr(parsed, "header_line", 0),
        layout=_layout_of(mapping),
    )
    for error in parsed.file_errors:
        report.add_error(error)
    if report.error_count:
        report.dry_run = dry_run
        return report
    sha = _sha256(path)
    actor = by or actor_label or "import"

    def record(report: ImportReport) -> None:
        """The record of the import, written in the import's own transaction."""
        fields = {
            "filename": filename[:255], "sha256": sha, "file_format": parsed.file_format, "is_full": full,
            "status": ImportStatus.APPLIED, "report": report.as_dict(), "applied_at": timezone.now(),
        }  # fmt: skip
        if run is not None:
            for key, value in fields.items():
                setattr(run, key, value)
            run.save()
            subject = run
        else:
            subject = ImportRun.objects.create(
                creditor=creditor, created_by=by if getattr(by, "pk", None) else None,
                actor_label=_actor_label(by, actor_label), **fields,
            )  # fmt: skip
        audit_record(creditor=creditor, actor=actor, action="ledger_imported", subject=subject,
                     after=_summary(report), facts={"file": filename, "sha256": sha})  # fmt: skip

    merge_rows(
        creditor=creditor,
        # The next rows are parsed in a thread while the database writes the current chunk
        # (psycopg releases the GIL while it waits); the parser never touches the database.
        rows=prefetch(parsed.rows()),
        actor=actor,
        today=today,
        source=PaymentSource.IMPORT,
        label=f"Import {filename}",
        full=full,
        dry_run=dry_run,
        report=report,
        audit_facts={"file": filename, "sha256": sha},
        finish=record,
    )
    return report


def _layout_of(mapping: ColumnMapping | None) -> dict[str, Any] | None:
    """What a report remembers of the column layout it was read with (None: recognised)."""
    if mapping is None or not (mapping.columns or mapping.options):
        return None
    return {"name": mapping.name, "columns": dict(mapping.columns), "options": dict(mapping.options)}


def _layout_mapping(creditor: Creditor, layout: dict[str, Any] | None) -> ColumnMapping | None:
    if not layout:
        return None
    return ColumnMapping(
        creditor=creditor, name=layout.get("name", ""), columns=layout.get("columns", {}),
        options=layout.get("options", {}),
    )  # fmt: skip


def _summary(report: ImportReport) -> dict[str, Any]:
    data = report.as_dict()
    return {k: data[k] for k in ("created", "updated", "unchanged", "settled", "rows", "format")}


def _default_mapping() -> ColumnMapping | None:
    return ColumnMapping.objects.filter(is_default=True).first()


def _store(upload: UploadedFile, *, creditor: Creditor) -> tuple[Path, str]:
    """Keep an uploaded file under var/imports/<creditor>/, outside the web root."""
    folder = Path(settings.VAR_DIR) / "imports" / creditor.slug
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as handle:
        for block in upload.chunks():
            size += len(block)
            if size > settings.TACT_IMPORT_MAX_BYTES:
                handle.close()
                Path(handle.name).unlink(missing_ok=True)
                raise UploadTooLarge(limit=settings.TACT_IMPORT_MAX_BYTES)
            digest.update(block)
            handle.write(block)
    sha = digest.hexdigest()
    target = folder / f"{sha[:16]}-{get_valid_filename(upload.name or 'upload')[-80:]}"
    shutil.move(handle.name, target)
    return target, sha


class UploadTooLarge(Exception):
    def __init__(self, *, limit: int):
        self.limit = limit
        super().__init__(f"The file is larger than the limit of {limit // (1024 * 1024)} MB.")


def import_preview(
    *,
    creditor: Creditor,
    upload: UploadedFile,
    by: Any,
    mapping: ColumnMapping | None = None,
    full: bool = False,
    use_default: bool = True,
) -> ImportRun:
    """Store an uploaded file and dry-run it. The run is "previewed" when it can be applied,
    "rejected" when it has bad rows (listed in ``run.report["errors"]``).

    ``mapping``: a column layout; None means the creditor's default layout, or automatic
    recognition of the headers when ``use_default`` is False. The run remembers the layout,
    and confirming applies exactly that.
    """
    try:
        path, sha = _store(upload, creditor=creditor)
    except UploadTooLarge as exc:
        return ImportRun.objects.create(
            creditor=creditor, filename=(upload.name or "upload")[:255], sha256="", file_format="",
            status=ImportStatus.REJECTED, is_full=full, created_by=by,
            report={**ImportReport().as_dict(), "error_count": 1,
                    "errors": [RowError(0, "", "", str(exc)).as_dict()]},
        )  # fmt: skip
    return _preview_stored(
        creditor=creditor, path=path, sha=sha, filename=upload.name or path.name, full=full, mapping=mapping,
        use_default=use_default, by=by,
    )  # fmt: skip


def _preview_stored(
    *, creditor: Creditor, path: Path, sha: str, filename: str, full: bool, mapping: ColumnMapping | None,
    use_default: bool, by: Any,
) -> ImportRun:  # fmt: skip
    report = import_file(
        creditor=creditor, path=path, filename=filename, dry_run=True, full=full, mapping=mapping, by=by,
        use_default=use_default,
    )  # fmt: skip
    upload_name = filename
    return ImportRun.objects.create(
        creditor=creditor, filename=upload_name[:255], sha256=sha, file_format=report.file_format,
        stored_file=str(path), status=ImportStatus.REJECTED if report.error_count else ImportStatus.PREVIEWED,
        is_full=full, report=report.as_dict(), created_by=by,
    )  # fmt: skip


@transaction.atomic
def import_confirm(*, run: ImportRun, by: Any) -> ImportRun:
    """Apply a previewed upload once, even when Confirm is pressed twice. If the ledger
    changed since the preview so that a row no longer fits, the run is rejected with the
    new report and nothing is written."""
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportStatus.PREVIEWED:
        return run
    report = import_file(
        creditor=run.creditor,
        path=Path(run.stored_file),
        filename=run.filename,
        full=run.is_full,
        by=by,
        run=run,
        mapping=_layout_mapping(run.creditor, run.report.get("layout")),
        use_default=False,
    )
    if report.error_count:
        run.report = report.as_dict()
        run.status = ImportStatus.REJECTED
        run.save(update_fields=["report", "status"])
    return run


class ImportFileGone(TactError):
    code = "import_file_gone"
    status = 409
    template = "The file of import {run} is no longer stored; upload it again."


def import_repreview(*, run: ImportRun, mapping: ColumnMapping | None, by: Any) -> ImportRun:
    """A new preview of a run's stored file with another column layout (None: recognise the
    headers automatically). The earlier run stays as it was.

    Raises ImportFileGone when the file was discarded or applied.
    """
    path = Path(run.stored_file) if run.stored_file else None
    if (
        path is None
        or run.status not in (ImportStatus.REJECTED, ImportStatus.PREVIEWED)
        or not path.is_file()
    ):
        raise ImportFileGone(run=run.pk)
    return _preview_stored(
        creditor=run.creditor, path=path, sha=run.sha256, filename=run.filename, full=run.is_full,
        mapping=mapping, use_default=False, by=by,
    )  # fmt: skip


def import_discard(*, run: ImportRun, by: Any) -> ImportRun:
    if run.status == ImportStatus.PREVIEWED:
        run.status = ImportStatus.DISCARDED
        run.save(update_fields=["status"])
        Path(run.stored_file).unlink(missing_ok=True)
    return run


# -- rows from the API ------------------------------------------------------------------

ROW_FIELDS = (
    "invoice_number", "debtor_number", "debtor_name", "issue_date", "due_date", "amount", "open_amount",
    "currency", "kind", "country", "language", "email", "phone", "vat_id", "net_amount", "vat_amount",
    "order_reference", "contact_name", "street", "postal_code", "city",
)  # fmt: skip
KINDS = {"business": "business", "b2b": "business", "consumer": "consumer", "b2c": "consumer"}
AMOUNT_RE = re.compile(r"^-?\d{1,14}(\.\d{1,4})?$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
# No control characters (NUL breaks PostgreSQL) and no lone surrogates (not encodable).
PRINTABLE = re.compile(r"[^\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]*")


def _row_from_dict(data: Any, *, line: int, creditor: Creditor) -> ImportRow | list[RowError]:
    errors: list[RowError] = []

    def err(column: str, value: Any, message: str) -> None:
        errors.append(
            RowError(row=line, column=column, value="" if value is None else str(value), message=message)
        )

    if not isinstance(data, dict):
        return [
            RowError(row=line, column="", value=str(data)[:100], message="each row must be a JSON object.")
        ]
    for key in data:
        if key not in ROW_FIELDS:
            err(key, data[key], f"unknown field; expected one of {', '.join(ROW_FIELDS)}.")

    def text(name: str, *, required: bool = False, limit: int = 200) -> str:
        value = data.get(name)
        if value is None or value == "":
            if required:
                err(name, value, "is required.")
            return ""
        if not isinstance(value, str | int):
            err(name, value, "must be a string.")
            return ""
        value = str(value).strip()
        if not PRINTABLE.fullmatch(value):
            err(name, value.encode("utf-8", "backslashreplace").decode(), "contains control characters.")
            return ""
        if len(value) > limit:
            err(name, value, f"is longer than {limit} characters.")
        return value

    def amount(name: str, *, required: bool = False) -> Decimal | None:
        value = data.get(name)
        if value is None or value == "":
            if required:
                err(name, value, "is required.")
            return None
        if isinstance(value, float) or not AMOUNT_RE.match(str(value)):
            err(name, value, 'must be a decimal string like "1234.56".')
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            err(name, value, 'must be a decimal string like "1234.56".')
            return None

    def day(name: str) -> date | None:
        value = data.get(name)
        if not value:
            err(name, value, "is required.")
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            err(name, value, "must be a date like 2025-12-31.")
            return None

    invoice_number = text("invoice_number", required=True, limit=64)
    debtor_number = text("debtor_number", required=True, limit=64)
    debtor_name = text("debtor_name", required=True)
    issued_on, due_on = day("issue_date"), day("due_date")
    gross, open_amount = amount("amount", required=True), amount("open_amount")
    net, vat = amount("net_amount"), amount("vat_amount")
    currency = text("currency", limit=3).upper() or creditor.currency
    if not CURRENCY_RE.match(currency):
        err("currency", currency, "must be an ISO 4217 code like EUR.")
    kind_raw = text("kind").lower()
    kind = KINDS.get(kind_raw) if kind_raw else None
    if kind_raw and kind is None:
        err("kind", kind_raw, "must be business or consumer (or B2B / B2C).")
    country = text("country", limit=2).upper() or None
    if country and country not in dict(COUNTRIES):
        err("country", country, "must be one of DE, NL, BE, AT.")
    language = text("language", limit=2).lower() or None
    if language and language not in dict(LANGUAGES):
        err("language", language, "must be one of de, nl, en, fr.")
    email = text("email", limit=254)
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        err("email", email, "must be an e-mail address.")
    phone = text("phone", limit=30)
    if phone:
        try:
            phone = normalize_phone(phone, region=country or creditor.country)
        except InvalidLedgerField:
            err("phone", phone, "must be a valid phone number, like +49 30 1234567.")
    if issued_on and due_on and due_on < issued_on:
        err("due_date", due_on, f"lies before the issue date {issued_on}.")
    if gross is not None and open_amount is not None:
        inside = Decimal(0) <= open_amount <= gross if gross >= 0 else gross <= open_amount <= Decimal(0)
        if not inside:
            err("open_amount", open_amount, f"must lie between 0 and the amount {gross}.")
    if errors:
        return errors
    return ImportRow(
        line=line, invoice_number=invoice_number, debtor_number=debtor_number, debtor_name=debtor_name,
        issued_on=issued_on, due_on=due_on, amount=gross, currency=currency, open_amount=open_amount,
        kind=kind, country=country, language=language, email=email, phone=phone,
        vat_id=text("vat_id", limit=20), net_amount=net, vat_amount=vat,
        order_reference=text("order_reference", limit=100), contact_name=text("contact_name"),
        street=text("street"), postal_code=text("postal_code", limit=20), city=text("city", limit=100),
        columns={f: f for f in ROW_FIELDS},
    )  # fmt: skip


def import_rows(
    *, creditor: Creditor, rows: list[Any], by: Any, actor_label: str, dry_run: bool = False
) -> dict[str, Any]:
    """The API's bulk upsert: rows are objects with our field names; row numbers count from 1.

    Same validation and merge as a file import; all or nothing.
    """
    parsed = (_row_from_dict(data, line=index, creditor=creditor) for index, data in enumerate(rows, start=1))
    report = ImportReport(file_format="api")
    merge_rows(
        creditor=creditor,
        rows=parsed,
        actor=by or actor_label,
        today=clock.today(creditor.timezone),
        source=PaymentSource.API,
        label="API bulk upsert",
        dry_run=dry_run,
        report=report,
        audit_facts={"via": actor_label},
    )
    return report.as_dict()


# -- saved column mappings --------------------------------------------------------------


@transaction.atomic
def mapping_delete(*, mapping: ColumnMapping, by: Any) -> None:
    """Delete a saved column layout; runs previewed with it keep their layout in their report."""
    audit_record(
        creditor=mapping.creditor, actor=by, action="column_mapping_deleted", subject=mapping,
        before={"name": mapping.name, "columns": mapping.columns, "options": mapping.options},
    )  # fmt: skip
    mapping.delete()


MAPPING_OPTIONS = {
    "decimal": {",", "."},
    "date_order": {"dmy", "mdy"},
    "delimiter": {",", ";", "\t"},
    "encoding": {"utf-8", "utf-8-sig", "cp1252"},
}


@transaction.atomic
def mapping_save(
    *,
    creditor: Creditor,
    name: str,
    columns: dict[str, str],
    options: dict[str, str] | None = None,
    is_default: bool = False,
    by: Any = None,
) -> ColumnMapping:
    """Save (or replace) a named column layout: our field → the header the ERP writes.

    Raises InvalidLedgerField naming the unknown field or option.
    """
    from .columns import FIELDS, field_key

    name = name.strip()
    if not name:
        raise InvalidLedgerField(field="name", problem="a mapping needs a name.")
    clean: dict[str, str] = {}
    for key, header in columns.items():
        field = field_key(key)
        if field is None:
            known = ", ".join(f.name for f in FIELDS)
            raise InvalidLedgerField(
                field=key, problem=f"is not a field of an open item; expected one of {known}."
            )
        clean[field] = header.strip()
    options = dict(options or {})
    for key, value in options.items():
        if key not in MAPPING_OPTIONS:
            raise InvalidLedgerField(
                field=key, problem=f"unknown option; expected {', '.join(MAPPING_OPTIONS)}."
            )
        if value not in MAPPING_OPTIONS[key]:
            allowed = ", ".join(repr(v) for v in sorted(MAPPING_OPTIONS[key]))
            raise InvalidLedgerField(field=key, problem=f"{value!r} is not one of {allowed}.")
    if is_default:
        ColumnMapping.objects.filter(is_default=True).exclude(name=name).update(is_default=False)
    mapping, created = ColumnMapping.objects.update_or_create(
        creditor=creditor,
        name=name,
        defaults={"columns": clean, "options": options, "is_default": is_default},
    )
    audit_record(
        creditor=creditor, actor=by, action="column_mapping_saved", subject=mapping,
        after={"columns": clean, "options": options, "is_default": is_default},
    )  # fmt: skip
    return mapping
