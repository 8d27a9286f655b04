"""The one door through which the adapters talk to the providers' HTTP APIs.

An adapter takes an ``HttpClient`` (a callable) when it is built; production uses
``UrllibClient`` (the standard library, as the SMS channel does, so no SDK is needed), the
tests pass a client that replays the responses the providers document. A provider that
cannot be reached raises ``ProviderUnavailable``; an HTTP error status is returned as a
response, for the adapter to read the provider's error body.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..errors import ProviderUnavailable

LOOPBACK = {"127.0.0.1", "localhost", "::1"}  # a local stand-in of a provider's API may be plain HTTP


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class HttpClient(Protocol):
    def __call__(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes | None = None
    ) -> HttpResponse: ...


class UrllibClient:
    """HTTPS with a timeout; the status and body of any answer, ProviderUnavailable when
    there is none."""

    def __init__(self, *, provider: str, timeout: float = 10.0) -> None:
        self.provider = provider
        self.timeout = timeout

    def __call__(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes | None = None
    ) -> HttpResponse:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
            raise ProviderUnavailable(provider=self.provider, problem=f"refusing a plain-HTTP API URL {url}")
        request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - checked above
                return HttpResponse(status=response.status, body=response.read())
        except urllib.error.HTTPError as exc:
            return HttpResponse(status=exc.code, body=exc.read())
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            raise ProviderUnavailable(provider=self.provider, problem=f"{method} {url}: {exc}") from exc


def header(headers: Mapping[str, str], name: str) -> str:
    """A request header by name, whatever its case (Django's request.headers already
    ignores case; a plain dict in a test or a service call does not)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def unavailable(provider: str, what: str, response: HttpResponse) -> ProviderUnavailable:
    """The error for an answer the documentation does not describe as success."""
    return ProviderUnavailable(
        provider=provider, problem=f"{what}: HTTP {response.status} {response.body[:300]!r}"
    )


class ApiAdapter:
    """What the HTTP adapters share: a client given at construction (tests), else the
    standard one, built when needed so settings are read at call time, not import.

    ``config`` holds one creditor's own account (its keys, secrets, methods, webhook URL),
    by the names of the installation's settings. A name it holds is final, even when
    empty: an account's adapter never falls back to the installation's secret for it.
    Names it does not hold (API bases, timeouts) come from the installation.
    """

    name = ""

    def __init__(self, *, http: HttpClient | None = None, config: Mapping[str, str] | None = None) -> None:
        self._http = http
        self._config = dict(config) if config is not None else None

    def with_config(self, config: Mapping[str, str]) -> ApiAdapter:
        """The same adapter (and HTTP client) for one creditor's account."""
        return type(self)(http=self._http, config=config)

    def setting(self, name: str, default: str = "") -> str:
        from .. import conf

        if self._config is not None and name in self._config:
            return str(self._config[name]).strip()
        return conf.setting(name, default)

    def setting_list(self, name: str, default: str = "") -> list[str]:
        return [part.strip() for part in self.setting(name, default).split(",") if part.strip()]

    def webhook_url(self) -> str:
        """Where the provider delivers events: the account's own URL, else the installation's."""
        from .. import conf

        return self.setting("webhook_url") or conf.webhook_url(self.name)

    @property
    def http(self) -> HttpClient:
        if self._http is not None:
            return self._http
        from .. import conf

        return UrllibClient(provider=self.name, timeout=conf.http_timeout())
