"""The creditor settings page: admins only, errors next to the field in the user's language."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.tenancy.services import LOGO_MAX_BYTES
from tests.tenancy.test_settings import JPEG, png_bytes

pytestmark = pytest.mark.django_db

SETTINGS = reverse("workbench:settings")
LOGO = reverse("workbench:creditor_logo")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(client, member):
    user = member("admin")
    client.force_login(user)
    return client


def form_data(creditor, **changes) -> dict:
    data = {
        "legal_name": creditor.legal_name,
        "street": creditor.street,
        "postal_code": creditor.postal_code,
        "city": creditor.city,
        "language": creditor.language,
        "iban": creditor.iban,
        "bic": creditor.bic,
        "vat_id": creditor.vat_id,
        "sender_email": creditor.sender_email,
        "primary_color": creditor.primary_color,
        "accent_color": creditor.accent_color,
    }
    data.update(changes)
    return data


def test_the_page_shows_the_settings_and_the_fixed_country(admin, creditor):
    html = admin.get(SETTINGS).content.decode()

    assert 'value="Acme Handels GmbH"' in html
    assert 'value="DE89 3704 0044 0532 0130 00"' in html
    assert 'data-testid="country">Germany<' in html
    assert 'name="country"' not in html
    assert 'type="color"' in html and 'id="colour-preview"' in html


def test_saving_changes_the_creditor_and_audits_it(admin, creditor):
    response = admin.post(
        SETTINGS,
        form_data(creditor, city="Köln", vat_id="DE 136 695 976", primary_color="#AA3300", country="NL"),
        follow=True,
    )

    creditor.refresh_from_db()
    assert creditor.city == "Köln" and creditor.vat_id == "DE136695976"
    assert creditor.primary_color == "#aa3300"
    assert creditor.country == "DE"  # not a setting
    assert "The settings were saved." in response.content.decode()
    assert "--primary:#aa3300" in response.content.decode()  # the pages take the new colour
    with scope(creditor=creditor):
        event = AuditEvent.objects.get(action="creditor_updated")
    assert event.before == {"city": "", "vat_id": "", "primary_color": "#1f6f5c"}
    assert event.after == {"city": "Köln", "vat_id": "DE136695976", "primary_color": "#aa3300"}


def test_every_wrong_value_is_named_next_to_its_field(admin, creditor):
    response = admin.post(
        SETTINGS,
        form_data(creditor, iban="DE89370400440532013001", vat_id="DE123", sender_email="x", legal_name=""),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "This is not a valid IBAN." in html
    assert "This is not a valid EU VAT id" in html
    assert "Enter a valid email address." in html
    assert "This field is required." in html
    creditor.refresh_from_db()
    assert creditor.iban == "DE89370400440532013000"


def test_errors_speak_the_users_language(admin, creditor):
    admin.cookies["django_language"] = "de"

    html = admin.post(SETTINGS, form_data(creditor, iban="DE00")).content.decode()

    assert "Das ist keine gültige IBAN." in html


def test_a_logo_is_stored_and_served_to_members(admin, creditor):
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")

    admin.post(SETTINGS, {**form_data(creditor), "logo": logo})
    response = admin.get(LOGO)

    creditor.refresh_from_db()
    assert creditor.logo.name.endswith(".png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()
    assert f'src="{LOGO}?v=' in admin.get(reverse("workbench:debtors")).content.decode()


def test_a_jpeg_named_png_is_served_as_jpeg(admin, creditor):
    admin.post(SETTINGS, {**form_data(creditor), "logo": SimpleUploadedFile("logo.png", JPEG)})

    assert admin.get(LOGO)["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "The logo must be a PNG or JPEG image."),
        (png_bytes(padding=LOGO_MAX_BYTES), "at most 512 kB are accepted"),
    ],
)
def test_a_wrong_logo_is_refused_next_to_the_field(admin, creditor, data, message):
    upload = SimpleUploadedFile("logo.png", data, content_type="image/png")

    response = admin.post(SETTINGS, {**form_data(creditor), "logo": upload})

    assert response.status_code == 400
    assert message in response.content.decode()
    creditor.refresh_from_db()
    assert not creditor.logo


def test_no_logo_answers_404(admin):
    assert admin.get(LOGO).status_code == 404


@pytest.mark.parametrize("role", ["credit_manager", "agent", "read_only"])
def test_other_roles_see_no_link_and_are_refused(client, member, creditor, role):
    client.force_login(member(role))

    home = client.get(reverse("workbench:debtors")).content.decode()
    response = client.post(SETTINGS, form_data(creditor, legal_name="Hijacked"))

    assert f'href="{SETTINGS}"' not in home
    assert client.get(SETTINGS).status_code == 403
    assert response.status_code == 403
    creditor.refresh_from_db()
    assert creditor.legal_name == "Acme Handels GmbH"


def test_an_admin_changes_only_the_creditor_worked_for(client, member, creditor, other_creditor):
    from tests.factories import MembershipFactory

    user = member("admin")
    MembershipFactory(user=user, creditor=other_creditor, role="read_only")
    client.force_login(user)

    client.post(SETTINGS, form_data(creditor, legal_name="Acme Neu GmbH"))

    creditor.refresh_from_db()
    other_creditor.refresh_from_db()
    assert creditor.legal_name == "Acme Neu GmbH"
    assert other_creditor.legal_name == "Rival B.V."
