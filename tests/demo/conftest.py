from datetime import date

import pytest

TODAY = date(2026, 3, 15)


@pytest.fixture
def today() -> date:
    return TODAY
