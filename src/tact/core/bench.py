"""Benchmarks that print their figures: each app registers its own in a `bench.py` module."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import autodiscover_modules

BENCHMARKS: dict[str, tuple[Callable[..., dict[str, Any]], Callable[[Any], None]]] = {}


def register(name: str, *, arguments: Callable[[Any], None]):
    """Register ``func(**options) -> dict of figures`` as ``tact bench <name>``."""

    def decorator(func: Callable[..., dict[str, Any]]):
        BENCHMARKS[name] = (func, arguments)
        return func

    return decorator


def discover() -> dict[str, tuple[Callable[..., dict[str, Any]], Callable[[Any], None]]]:
    autodiscover_modules("bench")
    return BENCHMARKS
