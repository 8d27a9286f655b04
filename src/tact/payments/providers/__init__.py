"""Payment providers behind one interface (``base.Provider``), found by name."""

from __future__ import annotations

from ..errors import ProviderUnknown
from .base import Provider, ProviderCheckout, ProviderEvent
from .mollie import MollieProvider
from .paypal import PayPalProvider
from .stripe import StripeProvider
from .test import TestProvider

# One adapter each; they read their keys when called, so an unused provider needs none.
# Tests replace an entry with an adapter built on a replaying HTTP client.
PROVIDERS: dict[str, Provider] = {
    p.name: p for p in (TestProvider(), StripeProvider(), MollieProvider(), PayPalProvider())
}


def provider_get(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ProviderUnknown(provider=name) from None


__all__ = ["PROVIDERS", "Provider", "ProviderCheckout", "ProviderEvent", "provider_get"]
