from datetime import date

import pytest

TODAY = date(2026, 3, 15)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The demo creates four staff accounts per creditor; real PBKDF2 would take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def today() -> date:
    return TODAY
