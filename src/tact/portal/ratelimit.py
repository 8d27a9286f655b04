"""Counting attempts in the cache: per address and per link, in fixed windows.

The default cache is per process; several web processes need a shared cache (Redis,
memcached or the database cache) for the limits to hold across them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PREFIX = "tact:portal:rl:"


def count(key: str) -> int:
    return int(cache.get(PREFIX + key, 0))


def hit(key: str, *, window_seconds: int) -> int:
    """Count one attempt; the window starts with the first."""
    full = PREFIX + key
    if cache.add(full, 1, timeout=window_seconds):
        return 1
    try:
        return cache.incr(full)
    except ValueError:  # expired between add and incr
        cache.add(full, 1, timeout=window_seconds)
        return 1


def over(key: str, *, limit: int) -> bool:
    return count(key) >= limit


def clear(key: str) -> None:
    cache.delete(PREFIX + key)


# -- who is asking: the client's address, behind trusted proxies ---------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def trusted_networks() -> tuple[Network, ...]:
    """``TACT_TRUSTED_PROXIES``: the addresses or networks (CIDR) of our own proxies."""
    configured = getattr(settings, "TACT_TRUSTED_PROXIES", ()) or ()
    if isinstance(configured, str):
        configured = configured.split(",")
    return _networks(tuple(configured))


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks: Iterable[Network]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address the rate limits count: ``REMOTE_ADDR``, unless that is one of our trusted
    proxies — then the nearest address in ``X-Forwarded-For`` that is not a trusted proxy.

    Read from the right: each proxy appends the address it saw, so the entries left of our
    own proxies were written by the client and may be forged (one who sends
    ``X-Forwarded-For: 1.2.3.4`` to spread guesses over made-up addresses gets counted at
    the address our proxy saw). A request that does not come from a trusted proxy has its
    header ignored altogether. A malformed entry ends the walk at the last good address.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = trusted_networks()
    peer = _ip(remote)
    if peer is None or not networks or not _trusted(peer, networks):
        return remote or "unknown"
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    for entry in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _ip(entry)
        if address is None:
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
