"""Counting attempts in the cache: per address and per link, in fixed windows.

The default cache is per process; several web processes need a shared cache (Redis,
memcached or the database cache) for the limits to hold across them.
"""

from __future__ import annotations

from django.core.cache import cache

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
