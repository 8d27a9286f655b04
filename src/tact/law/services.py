"""Writes of the law app: importing rate tables."""

from .rates import ImportReport, rates_import_file, rates_import_rows, rates_load_bundled

__all__ = ["ImportReport", "rates_import_file", "rates_import_rows", "rates_load_bundled"]
