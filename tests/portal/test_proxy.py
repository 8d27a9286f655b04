"""Rate limits behind a reverse proxy: the client's address comes from X-Forwarded-For only
when the request comes from one of our trusted proxies."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from tact.portal.access import BAD_LINKS_PER_ADDRESS
from tact.portal.ratelimit import client_address

from .conftest import link

PROXY = "10.0.0.5"


def address(remote: str, forwarded: str | None = None) -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TACT_TRUSTED_PROXIES = []
    assert address("203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_from_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(settings):
    settings.TACT_TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert address(PROXY, "198.51.100.1") == "198.51.100.1"


def test_a_forged_entry_left_of_the_real_one_is_not_believed(settings):
    settings.TACT_TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert address(PROXY, "1.2.3.4, 198.51.100.1") == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    settings.TACT_TRUSTED_PROXIES = "10.0.0.0/24, 2001:db8::/32"  # as the environment gives it
    assert address(PROXY, "198.51.100.1, 2001:db8::7, 10.0.0.9") == "198.51.100.1"


def test_a_request_from_an_untrusted_peer_keeps_its_own_address(settings):
    settings.TACT_TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert address("203.0.113.9", "10.0.0.1") == "203.0.113.9"


def test_a_malformed_header_ends_at_the_last_good_address(settings):
    settings.TACT_TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert address(PROXY, "198.51.100.1, not-an-ip") == PROXY
    assert address(PROXY, "") == PROXY


@pytest.mark.django_db
def test_behind_the_proxy_one_clients_bad_links_do_not_lock_out_another(client, settings, world):
    settings.TACT_TRUSTED_PROXIES = [PROXY]
    limit, _window = BAD_LINKS_PER_ADDRESS
    for _ in range(limit):
        client.get("/p/forged-token/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert (
        client.get("/p/forged-token/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code
        == 429
    )
    other = client.get(link(world.business), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 200


@pytest.mark.django_db
def test_a_guesser_cannot_escape_the_limit_by_sending_its_own_header(client, settings, world):
    settings.TACT_TRUSTED_PROXIES = [PROXY]
    limit, _window = BAD_LINKS_PER_ADDRESS
    for n in range(limit):
        client.get("/p/forged-token/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.1")
    assert (
        client.get(
            link(world.business), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.1"
        ).status_code
        == 429
    )
