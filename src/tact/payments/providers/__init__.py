"""Payment providers behind one interface (``base.Provider``), found by name."""

from __future__ import annotations

from ..errors import ProviderUnknown
from .base import Provider, ProviderCheckout, ProviderEvent
from .test import TestProvider

PROVIDERS: dict[str, Provider] = {TestProvider.name: TestProvider()}


def provider_get(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ProviderUnknown(provider=name) from None


__all__ = ["PROVIDERS", "Provider", "ProviderCheckout", "ProviderEvent", "provider_get"]
