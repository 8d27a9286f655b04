from datetime import date

from tact.dunning.cycle import cycle_run
from tests.dunning.conftest import debtor_with_items


def test_smoke(presets, other_creditor):
    debtor_with_items(presets, due=[date(2025, 3, 3), date(2025, 2, 20)])
    summary = cycle_run(creditor=presets, run_on=date(2025, 3, 6))
    print(summary.as_dict())
    for a in summary.planned:
        print(a.as_dict())
    assert summary.actions == 1
