"""Shared fixtures: the database check, two creditors with data, a real Chromium.

Under CI=true a run without PostgreSQL, Chromium or poppler-utils fails; it never skips silently.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from django_scopes import scope

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("TACT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_configure(config):
    from django.conf import settings

    # The manifest storage needs collectstatic; tests serve static files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Letters, logos and uploads the tests write go to a temporary folder, not to var/.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="tact-test-media-")
    # Online payment in the tests is the built-in test provider (as in `make demo`).
    settings.TACT_PAYMENT_PROVIDER = "test"
    # PBKDF2 at Django's million rounds costs about a quarter of a CPU second per password;
    # the suite hashes hundreds (every UserFactory, every form login). What the tests check
    # is who may sign in, not the hash's strength; production keeps settings.PASSWORD_HASHERS.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _flush_by_delete()


def _flush_by_delete() -> None:
    """Empty the tables after a transactional test with DELETE instead of TRUNCATE.

    TRUNCATE of all of tact's tables gives each a new file: 0.8-1.2 s for tables that hold
    a few rows, after each of the 50 browser and multi-process tests. DELETE takes 0.05 s.
    Django's foreign keys on PostgreSQL are deferrable, so the order of the DELETEs does not
    matter. A flush that cascades or resets sequences keeps Django's TRUNCATE.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))}"
            for table in tables
        ]

    DatabaseOperations.sql_flush = sql_flush


def pytest_sessionstart(session):
    if CI:
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            pytest.exit(f"CI=true needs PostgreSQL (DATABASE_URL), got {engine}", returncode=3)
        if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
            pytest.exit(f"CI=true needs Chromium at {CHROMIUM}", returncode=3)
        missing = [tool for tool in ("pdftotext", "pdftoppm") if not shutil.which(tool)]
        if missing:
            pytest.exit(
                f"CI=true needs poppler-utils ({', '.join(missing)}) to read letters back", returncode=3
            )


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if CI:
            pytest.fail(f"Chromium missing at {CHROMIUM}")
        pytest.skip(f"Chromium missing at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in German leaves German active in
    the thread (LocaleMiddleware), and a later test's translated text would depend on order."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def creditor(db):
    from tests.factories import CreditorFactory

    return CreditorFactory(slug="acme", legal_name="Acme Handels GmbH", country="DE")


@pytest.fixture
def other_creditor(db):
    """A second tenant with data of its own, so that every test of scoping can fail."""
    from tests.factories import CreditorFactory, InvoiceFactory

    other = CreditorFactory(slug="rival", legal_name="Rival B.V.", country="NL", language="nl")
    with scope(creditor=other):
        InvoiceFactory.create_batch(2, creditor=other)
    return other


@pytest.fixture
def in_scope(creditor):
    with scope(creditor=creditor):
        yield creditor
