"""Letters: the DIN 5008 window position, page numbers, the QR code, the print batch."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tact.messaging.channels.letter import (
    FileDropPrintProvider,
    LetterInput,
    letter_batch_pdf,
    letter_html,
    letter_pdf,
)
from tact.messaging.context import message_context
from tact.messaging.errors import AddressUnusable, ProviderError
from tact.messaging.rendering import context_words
from tact.messaging.services import template_render
from tact.messaging.tone import tone_check

from .conftest import TODAY

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext, pdftoppm)"
)
MM = 25.4 / 72  # millimetres per PDF point


def render(portfolio, creditor, language, key="final_notice", tone="firm"):
    debtor, items = portfolio[language]
    ctx = message_context(
        creditor=creditor, debtor=debtor, items=items, action_facts={"stage": key}, today=TODAY
    )
    rendered = template_render(key=key, language=language, tone=tone, channel="letter", context=ctx)
    return ctx, rendered


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def words(path: Path) -> list[tuple[str, float, float, int]]:
    """(word, x mm from the left, y mm from the top, page) for every word of the PDF."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    out = []
    for page, chunk in enumerate(html.split("<page ")[1:], start=1):
        for x, y, word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', chunk):
            out.append((word, float(x) * MM, float(y) * MM, page))
    return out


@pytest.fixture
def letter(portfolio, in_scope, tmp_path):
    ctx, rendered = render(portfolio, in_scope, "de")
    path = tmp_path / "letter.pdf"
    path.write_bytes(letter_pdf(rendered=rendered, context=ctx))
    return ctx, rendered, path


def test_the_recipient_sits_in_the_din_5008_window(letter):
    _, _, path = letter
    found = words(path)
    name = next(w for w in found if w[0] == "Bäckerei")
    city = next(w for w in found if w[0] == "Köln")
    sender = [w for w in found if w[0] == "Hafenstraße" and w[3] == 1]
    for _, x, y, page in (name, city):
        assert page == 1 and 24.9 <= x <= 105 and 45 <= y <= 90, (x, y)
    # the recipient in the address zone (the lower 27.3 mm), the return line above it
    assert 62 <= name[2] <= 90
    return_line = min(sender, key=lambda w: abs(w[2] - 55))
    assert 45 <= return_line[2] < name[2] and 20 <= return_line[1] <= 105


def test_pages_are_numbered_seite_x_von_y(letter):
    _, _, path = letter
    text = pdf_text(path)
    pages = text.count("\f")
    assert pages >= 1
    for n in range(1, pages + 1):
        assert f"Seite {n} von {pages}" in text


def test_the_letter_says_what_the_email_says(letter):
    ctx, rendered, path = letter
    text = " ".join(pdf_text(path).split())
    assert rendered.subject in text
    assert "Abschließende Zahlungsaufforderung" in text and ctx.payment.reference.display in text
    assert all(item.number in text for item in ctx.items)
    assert "Amtsgericht Hamburg HRB 123456" in text  # the footer
    findings = tone_check(
        text=text,
        language="de",
        stage_is_final=True,
        stage_is_handover=False,
        ignore_words=context_words(ctx),
    )
    assert findings == []


def test_the_qr_code_decodes_to_the_exact_epc_payload(letter, tmp_path):
    ctx, _, path = letter
    subprocess.run(["pdftoppm", "-png", "-r", "200", str(path), str(tmp_path / "page")], check=True)
    decoded = [
        barcode.text
        for png in sorted(tmp_path.glob("page*.png"))
        for barcode in zxingcpp.read_barcodes(Image.open(png))
    ]
    assert decoded == [ctx.payment.epc_payload]
    lines = ctx.payment.epc_payload.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[4:] == ["COBADEFFXXX", "Acme Handels GmbH", "DE89370400440532013000", "EUR1428", "",
                         ctx.payment.reference.compact]  # fmt: skip


def test_a_french_letter_numbers_its_pages_in_french(portfolio, in_scope, tmp_path):
    ctx, rendered = render(portfolio, in_scope, "fr", key="payment_reminder", tone="neutral")
    path = tmp_path / "fr.pdf"
    path.write_bytes(letter_pdf(rendered=rendered, context=ctx))
    text = pdf_text(path)
    assert "Page 1 sur" in text and "BELGIUM" in text


def test_the_browser_preview_carries_the_stylesheet_the_pdf_is_laid_out_with(portfolio, in_scope):
    ctx, rendered = render(portfolio, in_scope, "de")
    page = letter_html(rendered=rendered, context=ctx)
    assert "@page {" in page and '"Seite " counter(page)' in page
    assert f"color: {ctx.creditor['primary_color']}" in page


def test_no_postal_address_no_letter(portfolio, in_scope):
    ctx, rendered = render(portfolio, in_scope, "de")
    portfolio["de"][0].contacts.update(street="")
    debtor, items = portfolio["de"]
    bare = message_context(creditor=in_scope, debtor=debtor, items=items, action_facts={}, today=TODAY)
    with pytest.raises(AddressUnusable):
        letter_pdf(rendered=rendered, context=bare)


def test_the_daily_batch_keeps_each_letter_and_pads_for_duplex(portfolio, in_scope, tmp_path):
    letters = [LetterInput(*reversed(render(portfolio, in_scope, lang))) for lang in ("de", "en")]
    plain = letter_batch_pdf(letters)
    duplex = letter_batch_pdf(letters, duplex=True)
    first, second = plain.entries
    assert (first.debtor_number, first.first_page, second.first_page) == ("D-100", 1, 1 + first.pages)
    path = tmp_path / "batch.pdf"
    path.write_bytes(duplex.pdf)
    total = pdf_text(path).count("\f")
    assert total == sum(e.pages + e.pages % 2 for e in duplex.entries)
    assert all(e.first_page % 2 == 1 for e in duplex.entries)


def test_the_file_drop_writes_once_and_refuses_a_different_batch_under_the_same_id(
    portfolio, in_scope, tmp_path
):
    batch = letter_batch_pdf([LetterInput(*reversed(render(portfolio, in_scope, "de")))])
    drop = FileDropPrintProvider(directory=tmp_path / "print")
    receipt = drop.submit(batch_id="2026-03-02-acme", batch=batch, run_on=TODAY)
    assert Path(receipt.reference).read_bytes() == batch.pdf
    manifest = json.loads((tmp_path / "print" / "2026-03-02-acme.json").read_text())
    assert manifest["sha256"] == batch.sha256 and manifest["letters"][0]["debtor"] == "D-100"
    again = drop.submit(batch_id="2026-03-02-acme", batch=batch, run_on=TODAY)
    assert again.extra == {"repeated": "true"}
    other = letter_batch_pdf([LetterInput(*reversed(render(portfolio, in_scope, "en")))])
    with pytest.raises(ProviderError):
        drop.submit(batch_id="2026-03-02-acme", batch=other, run_on=TODAY)
    with pytest.raises(ProviderError):
        drop.submit(batch_id="../escape", batch=batch, run_on=TODAY)
    assert sorted(p.name for p in (tmp_path / "print").iterdir()) == [
        "2026-03-02-acme.json",
        "2026-03-02-acme.pdf",
    ]
