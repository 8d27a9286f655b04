"""Writes behind the import page that the ledger does not offer as one call yet.

Each function here only combines the ledger's own services (`import_preview`,
`mapping_save`); none writes a ledger row itself except `mapping_delete`, which is what
`tact.ledger.imports.services` lacks today.
TODO(#3): when the ledger offers `import_repreview` and `mapping_delete`, call them and
drop this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction

from tact.audit.services import audit_record
from tact.core.errors import TactError
from tact.ledger.imports.services import import_preview, mapping_save
from tact.ledger.models import ColumnMapping, ImportRun, ImportStatus
from tact.tenancy.models import Creditor


class ImportFileGone(TactError):
    code = "import_file_gone"
    status = 409
    template = "The file of import {run} is no longer stored; upload it again."


def _layout(creditor: Creditor, mapping: ColumnMapping | None) -> ColumnMapping:
    # The ledger takes the creditor's default layout when it is given no mapping; an empty,
    # unsaved one asks for automatic recognition of the headers instead.
    return mapping or ColumnMapping(creditor=creditor, name="", columns={}, options={})


def import_start(
    *, creditor: Creditor, upload: Any, by: Any, mapping: ColumnMapping | None, full: bool
) -> ImportRun:
    """Preview an uploaded file with a saved layout, or (``mapping`` None) with automatic
    recognition of its headers, even when the creditor has a default layout."""
    return import_preview(
        creditor=creditor, upload=upload, by=by, mapping=_layout(creditor, mapping), full=full
    )


def import_rerun(*, run: ImportRun, mapping: ColumnMapping | None, by: Any) -> ImportRun:
    """A new preview of a run's stored file with another layout; the earlier run stays as it was.

    Raises ImportFileGone when the file was discarded or applied and removed.
    """
    path = Path(run.stored_file) if run.stored_file else None
    if (
        path is None
        or run.status not in (ImportStatus.REJECTED, ImportStatus.PREVIEWED)
        or not path.is_file()
    ):
        raise ImportFileGone(run=run.pk)
    with path.open("rb") as handle:
        # The ledger stores an upload under its hash and name: the same file lands on the
        # same path, so a re-run adds no copy.
        upload = File(handle, name=run.filename)
        return import_preview(
            creditor=run.creditor,
            upload=upload,
            by=by,
            mapping=_layout(run.creditor, mapping),
            full=run.is_full,
        )


def import_remap(
    *,
    run: ImportRun,
    name: str,
    columns: dict[str, str],
    options: dict[str, str],
    is_default: bool,
    by: Any,
) -> ImportRun:
    """Save a column layout for a run's file and preview the file again with it.

    Raises InvalidLedgerField (from `mapping_save`) or ImportFileGone.
    """
    if not run.stored_file or not Path(run.stored_file).is_file():
        raise ImportFileGone(run=run.pk)
    mapping = mapping_save(
        creditor=run.creditor, name=name, columns=columns, options=options, is_default=is_default, by=by
    )
    return import_rerun(run=run, mapping=mapping, by=by)


@transaction.atomic
def mapping_delete(*, mapping: ColumnMapping, by: Any) -> None:
    """Delete a saved column layout; runs previewed with it keep their reports."""
    audit_record(
        creditor=mapping.creditor,
        actor=by,
        action="column_mapping_deleted",
        subject=mapping,
        before={"name": mapping.name, "columns": mapping.columns, "options": mapping.options},
    )
    mapping.delete()
