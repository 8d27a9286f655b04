"""creditor_update: the creditor's own settings, checked, normalized and audited."""

from __future__ import annotations

import struct
import zlib

import pytest

from tact.audit.models import AuditEvent
from tact.tenancy.errors import InvalidCreditorField
from tact.tenancy.services import LOGO_MAX_BYTES, creditor_update, logo_kind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_scope")]


def png_bytes(width: int = 2, height: int = 1, padding: int = 0) -> bytes:
    """A real PNG of ``width`` x ``height`` red pixels; ``padding`` adds a text chunk of that many bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    text = chunk(b"tEXt", b"Comment\x00" + b"x" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + text
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager_user(creditor):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="admin@acme.example")
    MembershipFactory(user=user, creditor=creditor, role="admin")
    return user


def events(creditor):
    return list(AuditEvent.objects.filter(creditor=creditor, action="creditor_updated").order_by("id"))


def test_changed_fields_are_saved_and_audited_with_before_and_after(creditor, manager_user):
    creditor_update(
        creditor=creditor,
        by=manager_user,
        legal_name="Acme Handel GmbH",
        iban="nl91 abna 0417 1643 00",
        bic="",
        city=creditor.city,
    )

    creditor.refresh_from_db()
    assert creditor.legal_name == "Acme Handel GmbH"
    assert creditor.iban == "NL91ABNA0417164300"
    assert creditor.bic == "ABNANL2A"  # a cleared BIC is taken from the IBAN
    (event,) = events(creditor)
    assert event.actor == manager_user
    assert event.before == {
        "legal_name": "Acme Handels GmbH",
        "iban": "DE89370400440532013000",
        "bic": "COBADEFFXXX",
    }
    assert event.after == {"legal_name": "Acme Handel GmbH", "iban": "NL91ABNA0417164300", "bic": "ABNANL2A"}


def test_nothing_changed_writes_no_audit_event(creditor, manager_user):
    creditor_update(creditor=creditor, by=manager_user, legal_name=creditor.legal_name, vat_id="")

    assert events(creditor) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"iban": "DE00 1234 5678"}, "iban"),
        ({"iban": "DE89370400440532013001"}, "iban"),  # wrong check digits
        ({"bic": "NOTABIC"}, "bic"),
        ({"vat_id": "DE123"}, "vat_id"),
        ({"sender_email": "not-mail"}, "sender_email"),
        ({"legal_name": "  "}, "legal_name"),
        ({"language": "es"}, "language"),
        ({"primary_color": "red"}, "primary_color"),
        ({"accent_color": "#12345"}, "accent_color"),
        ({"city": "x" * 101}, "city"),
    ],
)
def test_a_bad_value_is_refused_naming_the_field_and_nothing_changes(creditor, manager_user, changes, field):
    with pytest.raises(InvalidCreditorField) as caught:
        creditor_update(creditor=creditor, by=manager_user, **{"street": "Changed 1", **changes})

    assert caught.value.facts["field"] == field
    creditor.refresh_from_db()
    assert creditor.street == "" and creditor.legal_name == "Acme Handels GmbH"
    assert events(creditor) == []


def test_vat_id_is_normalized(creditor, manager_user):
    creditor_update(creditor=creditor, by=manager_user, vat_id="de 136 695 976")

    creditor.refresh_from_db()
    assert creditor.vat_id == "DE136695976"


def test_colours_are_stored_in_lower_case(creditor, manager_user):
    creditor_update(creditor=creditor, by=manager_user, primary_color="#AA3300")

    creditor.refresh_from_db()
    assert creditor.primary_color == "#aa3300"


def test_a_png_logo_is_stored_under_a_name_of_its_content(creditor, manager_user):
    creditor_update(creditor=creditor, by=manager_user, logo=png_bytes())

    creditor.refresh_from_db()
    assert creditor.logo.name.startswith("logos/acme-") and creditor.logo.name.endswith(".png")
    assert creditor.logo.read() == png_bytes()
    (event,) = events(creditor)
    assert event.before == {"logo": ""} and event.after == {"logo": creditor.logo.name}


def test_a_new_logo_replaces_the_old_file(creditor, manager_user, django_capture_on_commit_callbacks):
    creditor_update(creditor=creditor, by=manager_user, logo=png_bytes())
    creditor.refresh_from_db()
    old = creditor.logo.name

    with django_capture_on_commit_callbacks(execute=True):
        creditor_update(creditor=creditor, by=manager_user, logo=JPEG)

    creditor.refresh_from_db()
    assert creditor.logo.name.endswith(".jpg")
    assert not creditor.logo.storage.exists(old)


def test_the_same_logo_again_changes_nothing(creditor, manager_user):
    creditor_update(creditor=creditor, by=manager_user, logo=png_bytes())

    creditor_update(creditor=creditor, by=manager_user, logo=png_bytes())

    assert len(events(creditor)) == 1


def test_the_logo_can_be_removed(creditor, manager_user):
    creditor_update(creditor=creditor, by=manager_user, logo=png_bytes())

    creditor_update(creditor=creditor, by=manager_user, remove_logo=True)

    creditor.refresh_from_db()
    assert not creditor.logo
    assert events(creditor)[-1].after == {"logo": ""}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not_an_image"),
        (b"GIF89a" + b"\x00" * 40, "not_an_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not_an_image"),  # a PNG signature, then nothing
        (png_bytes(padding=LOGO_MAX_BYTES), "too_large"),
    ],
)
def test_a_logo_is_checked_by_its_bytes(creditor, manager_user, data, reason):
    with pytest.raises(InvalidCreditorField) as caught:
        creditor_update(creditor=creditor, by=manager_user, logo=data)

    assert caught.value.facts["field"] == "logo"
    assert caught.value.facts["reason"] == reason
    creditor.refresh_from_db()
    assert not creditor.logo


def test_logo_kind_tells_png_and_jpeg_apart():
    assert logo_kind(png_bytes()) == "png"
    assert logo_kind(JPEG) == "jpeg"
    assert logo_kind(b"") is None
