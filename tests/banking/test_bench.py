"""`tact bench matching` runs end to end on a small portfolio and prints its figures."""

from __future__ import annotations

import json

from django.core.management import call_command


def test_bench_matching_imports_every_line_and_reports_the_rate(db, capsys):
    call_command("bench", "matching", "--lines", "60", "--items", "200", "--json")

    figures = json.loads(capsys.readouterr().out)
    result = figures["result"]
    assert result["transactions"] == 60
    assert result["matched"] + result["suggested"] + result["unmatched"] == 60
    assert result["matched"] > 20  # references and invoice numbers are most of the mix
    assert figures["lines_per_second"] > 0
    assert figures["python_cpu_seconds"] > 0
    assert "database_cpu_seconds" in figures  # null unless PostgreSQL runs on this machine
    phases = figures["phases_seconds"]
    assert list(phases) == ["read", "store", "match", "book", "write", "commit"]
    assert sum(phases.values()) <= figures["seconds"] + 0.01  # the phases are parts of the import
