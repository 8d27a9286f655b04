"""The import page's steps, each one call into the ledger's import services."""

from __future__ import annotations

from typing import Any

from tact.ledger.imports.services import (
    ImportFileGone,
    import_preview,
    import_repreview,
    mapping_delete,
    mapping_save,
)
from tact.ledger.models import ColumnMapping, ImportRun
from tact.tenancy.models import Creditor

__all__ = ["ImportFileGone", "import_remap", "import_rerun", "import_start", "mapping_delete"]


def import_start(
    *, creditor: Creditor, upload: Any, by: Any, mapping: ColumnMapping | None, full: bool
) -> ImportRun:
    """Preview an uploaded file with a saved layout, or (``mapping`` None) with automatic
    recognition of its headers, even when the creditor has a default layout."""
    return import_preview(
        creditor=creditor, upload=upload, by=by, mapping=mapping, full=full, use_default=False
    )


def import_rerun(*, run: ImportRun, mapping: ColumnMapping | None, by: Any) -> ImportRun:
    return import_repreview(run=run, mapping=mapping, by=by)


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
    if not run.stored_file:
        raise ImportFileGone(run=run.pk)
    mapping = mapping_save(
        creditor=run.creditor, name=name, columns=columns, options=options, is_default=is_default, by=by
    )
    return import_repreview(run=run, mapping=mapping, by=by)
