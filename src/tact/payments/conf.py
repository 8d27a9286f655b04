"""The payment providers' settings: API keys and webhook secrets from the environment.

Each value is read when used (a Django setting of the same name wins, so tests and a
settings module can set it), never at import: the keys of a provider that is not used
need not exist. README's configuration section lists them.
"""

from __future__ import annotations

import os
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.urls import reverse


def setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value).strip()


def setting_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in setting(name, default).split(",") if part.strip()]


def http_timeout() -> float:
    return float(setting("TACT_PAYMENTS_HTTP_TIMEOUT", "10"))


def public_url(path: str) -> str:
    """An absolute URL of ours for a provider (return and webhook URLs must be absolute):
    ``TACT_PAYMENTS_PUBLIC_URL``, else the origin of the portal's base URL."""
    base = setting("TACT_PAYMENTS_PUBLIC_URL")
    if not base:
        portal = urlsplit(getattr(settings, "TACT_PORTAL_BASE_URL", "") or "http://127.0.0.1:8000/")
        base = f"{portal.scheme}://{portal.netloc}/"
    return urljoin(base if base.endswith("/") else base + "/", path)


def webhook_url(provider: str) -> str:
    return public_url(reverse("payments:webhook", args=[provider]))
