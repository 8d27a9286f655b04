"""Access to the portal: signed, expiring, revocable links; the consumer's second factor;
rate limits; one neutral page for every refused link; every event audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.messaging.links import portal_token, portal_token_read
from tact.portal.access import link_revoke
from tact.portal.models import PortalSettings

from .conftest import NOW, link, verified

pytestmark = pytest.mark.django_db


def events(creditor, debtor) -> list[str]:
    with scope(creditor=creditor):
        return list(
            AuditEvent.objects.filter(subject_type="ledger.debtor", subject_id=str(debtor.pk))
            .order_by("id")
            .values_list("action", flat=True)
        )


def test_a_token_names_debtor_message_and_minute_and_a_changed_character_breaks_it():
    token = portal_token(debtor_id=42, message_id=7, issued_at=NOW)
    read = portal_token_read(token)
    assert (read.debtor_id, read.message_id, read.issued_at) == (42, 7, NOW.replace(second=0))
    tampered = token.replace("16-", "17-", 1)  # another debtor, same MAC
    assert portal_token_read(tampered) is None
    assert portal_token_read(token[:-1] + ("a" if token[-1] != "a" else "b")) is None
    assert portal_token_read("42-" + "0" * 16) is None  # the old, unexpiring format


def test_a_consumer_confirms_the_postcode_before_seeing_anything(client, creditor, world):
    path = link(world.consumer)

    first = client.get(path)
    assert first.status_code == 302 and first["Location"] == path + "verify/"
    page = client.get(path + "verify/")
    assert "RE-1001" not in page.content.decode()

    wrong = client.post(path + "verify/", {"answer": "99999"})
    assert wrong.status_code == 200 and "RE-1001" not in wrong.content.decode()
    assert client.get(path).status_code == 302

    right = client.post(path + "verify/", {"answer": "50 674"})
    assert right.status_code == 302
    home = client.get(path)
    assert home.status_code == 200 and "RE-1001" in home.content.decode()
    assert events(creditor, world.consumer) == ["portal_opened", "portal_verify_failed", "portal_verified"]


def test_five_wrong_answers_lock_the_link_even_for_the_right_one(client, world):
    path = link(world.consumer)
    for _ in range(5):
        client.post(path + "verify/", {"answer": "00000"})
    locked = client.post(path + "verify/", {"answer": "50674"})
    assert locked.status_code == 429
    assert client.get(path).status_code == 302  # still not in


def test_the_customer_number_is_the_factor_when_the_creditor_chooses_it(client, creditor, world):
    with scope(creditor=creditor):
        PortalSettings.objects.create(creditor=creditor, second_factor="debtor_number")
    path = link(world.consumer)
    assert client.post(path + "verify/", {"answer": "50674"}).status_code == 200
    assert client.post(path + "verify/", {"answer": "k-100"}).status_code == 302
    assert client.get(path).status_code == 200


def test_a_business_debtor_needs_no_second_factor_unless_the_creditor_asks(client, creditor, world):
    path = link(world.business)
    assert client.get(path).status_code == 200
    with scope(creditor=creditor):
        PortalSettings.objects.create(creditor=creditor, second_factor_for_business=True)
    client.cookies.clear()
    assert client.get(path)["Location"] == path + "verify/"


def test_forged_expired_revoked_and_guessed_links_get_the_same_neutral_page(
    client, settings, creditor, world
):
    settings.TACT_PORTAL_LINK_MAX_AGE_DAYS = 30
    good = link(world.business)
    expired = link(world.business, issued_at=NOW - timedelta(days=31))
    revoked = link(world.business, issued_at=NOW - timedelta(hours=1), message_id=5)
    with scope(creditor=creditor):
        link_revoke(debtor=world.business, now=NOW, by=None, link_id=revoked.split("/")[2].rsplit("-", 1)[0])
    forged = good[:-2] + ("x/" if good[-2] != "x" else "y/")
    guessed = "/p/999999-0-hic80-abcdefghijklmnop/"
    unknown_debtor = "/p/" + portal_token(debtor_id=999_999) + "/"  # genuine MAC, no such debtor

    pages = [client.get(path) for path in (expired, revoked, forged, guessed, unknown_debtor)]
    assert {p.status_code for p in pages} == {404}
    assert len({p.content for p in pages}) == 1
    assert "RE-2001" not in pages[0].content.decode()
    assert client.get(good).status_code == 200  # the other link of the same debtor still opens
    assert events(creditor, world.business).count("portal_link_refused") == 2  # expired and revoked


def test_revoking_all_links_of_a_debtor_closes_the_older_ones_only(client, creditor, world):
    older = link(world.business, issued_at=NOW - timedelta(days=2))
    with scope(creditor=creditor):
        link_revoke(debtor=world.business, now=NOW - timedelta(days=1), by=None, reason="lost phone")
    newer = link(world.business)
    assert client.get(older).status_code == 404
    assert client.get(newer).status_code == 200


def test_an_address_that_tries_many_bad_links_is_slowed_down_for_good_ones_too(client, world):
    for n in range(20):
        client.get(f"/p/{n}-0-hic80-abcdefghijklmnop/")
    assert client.get(link(world.business)).status_code == 429


def test_a_link_opens_only_its_own_debtors_items(client, creditor, world):
    path = link(world.business)
    response = client.get(f"{path}items/{world.overdue.pk}/pdf/")
    assert response.status_code == 404
    dispute = client.get(f"{path}dispute/?item={world.overdue.pk}")
    assert "RE-1001" not in dispute.content.decode()


def test_portal_pages_are_not_cached_indexed_or_referred(client, world):
    response = client.get(link(world.business))
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_verified_session_is_per_debtor(client, world):
    verified(client, world.consumer)
    assert client.get(link(world.consumer)).status_code == 200
