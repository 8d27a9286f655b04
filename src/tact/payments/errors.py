"""Errors of the payments app."""

from __future__ import annotations

from tact.core.errors import TactError, ValidationFailed


class SignatureInvalid(TactError):
    """A webhook whose signature does not verify: answered 400, nothing changes."""

    code = "payments_signature_invalid"
    status = 400
    template = "{provider}: {problem}"


class ProviderUnknown(TactError):
    code = "payments_provider_unknown"
    status = 404
    template = "no payment provider {provider!r}"


class CheckoutInvalid(ValidationFailed):
    code = "payments_checkout_invalid"
    template = "{field}: {problem}"

    def __init__(self, *, field: str, reason: str, problem: str) -> None:
        super().__init__(field=field, reason=reason, problem=problem)
        self.field = field
        self.reason = reason


class ProviderUnavailable(TactError):
    """The provider's API did not answer as documented (network down, 5xx, an unreadable
    reply). A webhook that needs the API is answered 503 so the provider delivers again."""

    code = "payments_provider_unavailable"
    status = 503
    template = "{provider}: {problem}"


class CredentialsRefused(TactError):
    """The provider refused an account's credentials (401/403, an unknown webhook id)."""

    code = "payments_credentials_refused"
    status = 400
    template = "{provider}: {problem}"


class AccountInvalid(ValidationFailed):
    """A provider account that cannot be saved as given; ``field`` names the input."""

    code = "payments_account_invalid"
    template = "{field}: {problem}"

    def __init__(self, *, field: str, problem: str) -> None:
        super().__init__(field=field, problem=problem)
        self.field = field
