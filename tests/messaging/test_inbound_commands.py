# ruff: noqa: F811  (the smtp_peer fixture is imported, then requested by name)
"""`tact inbox fetch` against a real (tiny, in-process) IMAP server; `tact inbox receive`."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tact.dunning.models import Hold
from tact.ledger.models import Contact
from tact.messaging.inbound.models import InboundMessage

from .imap_support import ImapServer, Mailbox
from .outbox_support import SEND_AT, clock_at, portfolio_with_actions, smtp_peer  # noqa: F401
from .test_inbound_services import dsn_for, reply_to, sent_email

DATA = Path(__file__).parent / "data"


def run(*args) -> str:
    out = StringIO()
    call_command("inbox", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def mailbox(settings):
    box = Mailbox()
    with ImapServer(box) as server:
        settings.TACT_IMAP_HOST, settings.TACT_IMAP_PORT, settings.TACT_IMAP_SSL = (
            "127.0.0.1",
            server.port,
            False,
        )
        settings.TACT_IMAP_USER, settings.TACT_IMAP_PASSWORD = box.user, box.password
        settings.TACT_IMAP_FOLDER = "INBOX"
        yield box


@pytest.fixture
def sent(in_scope, smtp_peer):
    """Two debtors whose reminders went out over SMTP: (debtor, e-mail as received) pairs."""
    from tact.messaging.sending import outbox_send

    debtors = portfolio_with_actions(in_scope, debtors=2)
    outbox_send(now=clock_at(SEND_AT))
    return [(d, sent_email(smtp_peer, d)) for d in debtors]


def test_fetch_receives_unseen_mail_acts_on_it_and_flags_it_seen(sent, mailbox):
    # given a reply, a bounce and an already seen mail in the mailbox
    (replying, first), (bounced, second) = sent
    mailbox.add(reply_to(first, "Ich zahle am Freitag."))
    mailbox.add(dsn_for(second))
    mailbox.add(b"Subject: old\r\n\r\nread long ago", seen=True)
    # when tact polls it
    out = json.loads(run("fetch", "--json"))
    # then both new mails were stored and acted on, and are now seen
    assert out == {
        "fetched": 2,
        "stored": 2,
        "duplicates": 0,
        "kinds": {"reply": 1, "bounce": 1},
        "unmatched": 0,
        "errors": [],
    }
    assert mailbox.unseen() == []
    assert Hold.objects.filter(debtor=replying, reason="recent_contact").exists()
    assert Contact.objects.get(debtor=bounced).email_status == "bounced"
    assert any("BODY.PEEK[]" in c for c in mailbox.commands)
    assert not any("s3cret" in c for c in mailbox.commands)


def test_a_mail_fetched_again_after_a_crash_is_not_acted_on_twice(sent, mailbox):
    (debtor, first), _ = sent
    uid = mailbox.add(reply_to(first, "Ich zahle am Freitag."))
    run("fetch")
    # the flag was lost (a crash before STORE): the server offers the mail again
    mailbox.messages[uid - 1]["seen"] = False

    out = json.loads(run("fetch", "--json"))

    assert (out["fetched"], out["stored"], out["duplicates"]) == (1, 0, 1)
    assert InboundMessage.objects.count() == 1 and Hold.objects.filter(debtor=debtor).count() == 1
    assert mailbox.unseen() == []


def test_a_refused_login_is_a_clear_error_with_exit_code_2(db, mailbox, settings):
    settings.TACT_IMAP_PASSWORD = "wrong"

    with pytest.raises(CommandError) as error:
        run("fetch")

    assert error.value.returncode == 2
    assert "login refused for inbox@acme.example" in str(error.value)


def test_fetch_without_a_configured_server_names_the_setting(db, settings):
    settings.TACT_IMAP_HOST = ""

    with pytest.raises(CommandError, match="TACT_IMAP_HOST") as error:
        run("fetch")

    assert error.value.returncode == 2


def test_receive_reads_an_eml_file_and_reports_what_it_did(sent, tmp_path):
    (debtor, first), _ = sent
    path = tmp_path / "reply.eml"
    path.write_bytes(reply_to(first, "Können Sie mir die Rechnung noch einmal schicken?"))

    out = json.loads(run("receive", str(path), "--json"))

    assert (out["kind"], out["debtor"], out["matched_by"], out["intent"]) == (
        "reply",
        debtor.number,
        "in_reply_to",
        "question",
    )
    assert out["needs_person"] and out["actions"] == ["hold:recent_contact"]
    assert "already known" in run("receive", str(path))


def test_receive_of_a_missing_file_names_the_argument(db):
    with pytest.raises(CommandError, match="file: /nope.eml is not a readable file") as error:
        run("receive", "/nope.eml")

    assert error.value.returncode == 2


def test_list_shows_mail_awaiting_a_person(db, creditor):
    run("receive", str(DATA / "reply_outlook_de.eml"))

    assert "unmatched" in run("list")
    assert run("list", "--creditor", "acme").strip() == "nothing awaits a person"


def test_the_polling_task_fetches_like_the_command(sent, mailbox):
    from tact.messaging.tasks import inbox_fetch_task

    (replying, first), _ = sent
    mailbox.add(reply_to(first, "Bitte rufen Sie mich an."))

    report = inbox_fetch_task.delay().get()

    assert (report["fetched"], report["stored"], report["kinds"]) == (1, 1, {"reply": 1})
    assert mailbox.unseen() == []
    assert Hold.objects.filter(debtor=replying, reason="recent_contact").exists()
