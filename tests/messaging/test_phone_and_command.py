"""The call script and the preview command."""

import email
from email import policy

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tact.messaging.channels.phone import OUTCOMES, call_script
from tact.messaging.context import message_context
from tact.messaging.services import template_render

from .conftest import TODAY


def test_the_call_script_has_whom_to_call_and_talking_points(portfolio, in_scope):
    debtor, items = portfolio["de"]
    ctx = message_context(creditor=in_scope, debtor=debtor, items=items, action_facts={}, today=TODAY)
    rendered = template_render(
        key="personal_contact", language="de", tone="friendly", channel="phone", context=ctx
    )
    script = call_script(rendered=rendered)
    assert (
        script.title
        == "Anruf bei Bäckerei Sommer GmbH, Ansprechperson Jana Sommer (Kundennummer D-100), Telefon +49 221 12345678"
    )
    assert len(script.points) == 8
    assert any("Ist die Rechnung angekommen" in p for p in script.points)
    assert any(ctx.payment.reference.display in p for p in script.points)
    assert (
        script.outcomes
        == OUTCOMES
        == ("reached", "not_reached", "promise", "dispute", "call_back", "hardship")
    )


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr("tact.messaging.management.commands.messaging.clock_today", lambda tz: TODAY)


def test_preview_writes_an_eml_with_our_headers(portfolio, clock, tmp_path, capsys):
    out = tmp_path / "reminder.eml"
    call_command("messaging", "preview", "--creditor", "acme", "--debtor", "N-200", "--key", "reminder",
                 "--channel", "email", "--out", str(out))  # fmt: skip
    message = email.message_from_bytes(out.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Betalingsherinnering, klantnummer N-200"
    assert message["Reply-To"].startswith("reply+") and message["Message-ID"]
    assert "template" in capsys.readouterr().out


def test_preview_writes_a_letter_pdf_and_prints_an_sms(portfolio, clock, tmp_path, capsys):
    pdf = tmp_path / "letter.pdf"
    call_command("messaging", "preview", "--creditor", "acme", "--debtor", "B-300", "--key", "payment_reminder",
                 "--channel", "letter", "--tone", "friendly", "--out", str(pdf))  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF")
    capsys.readouterr()
    call_command("messaging", "preview", "--creditor", "acme", "--debtor", "B-300", "--key", "payment_reminder",
                 "--channel", "sms", "--language", "fr", "--tone", "friendly")  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith("Acme Handels GmbH : nous attendons encore le paiement")
    assert "[gsm7," in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--creditor", "nope", "--debtor", "D-100", "--key", "reminder", "--channel", "sms"], "--creditor"),
        (["--creditor", "acme", "--debtor", "X-1", "--key", "reminder", "--channel", "sms"], "--debtor"),
        (["--creditor", "acme", "--debtor", "D-100", "--key", "reminder", "--channel", "letter"], "--out"),
        (["--creditor", "acme", "--debtor", "D-100", "--key", "nope", "--channel", "sms"], "nope"),
    ],
)
def test_preview_refuses_bad_input_with_exit_code_2(portfolio, clock, args, message):
    with pytest.raises(CommandError) as caught:
        call_command("messaging", "preview", *args)
    assert message in str(caught.value) and caught.value.returncode == 2
