"""The messaging app's domain errors: each says what was refused and why, in plain words."""

from __future__ import annotations

from tact.core.errors import NotFound, TactError, ValidationFailed


class TemplateNotFound(NotFound):
    code = "messaging_template_not_found"
    template = (
        "No message template for key {key!r}, channel {channel}, in {languages} (creditor's or shipped)."
    )


class TemplateInvalid(ValidationFailed):
    """The template does not compile, or names a variable the documented context lacks."""

    code = "messaging_template_invalid"
    template = "Template {where}: {detail}"


class ToneRefused(ValidationFailed):
    """The text threatens or shouts; ``findings`` quote each sentence and rule."""

    code = "messaging_tone_refused"

    def __init__(self, *, findings: list[dict[str, str]], where: str) -> None:
        first = findings[0]
        message = (
            f"{where}: {len(findings)} tone finding(s); first: {first['explanation']} "
            f"Sentence: \u201c{first['sentence']}\u201d"
        )
        super().__init__(message, findings=findings, where=where)
        self.findings = findings


class ContextIncomplete(ValidationFailed):
    """A fact a message needs is missing, e.g. the creditor's IBAN for a transfer QR code."""

    code = "messaging_context_incomplete"
    template = "{what}: {detail}"


class AddressUnusable(ValidationFailed):
    """The contact has no address usable on this channel (no e-mail, no postal address, no phone)."""

    code = "messaging_address_unusable"
    template = "{channel}: {detail}"


class ProviderError(TactError):
    """A provider (SMS gateway, print service) refused or failed.

    ``transient`` tells the outbox whether to retry (network, 429, 5xx) or to fall back to
    the next channel (bad number, opted out, refused credentials).
    """

    code = "messaging_provider_error"
    status = 502
    template = "{provider}: {detail}"

    def __init__(self, *, provider: str, detail: str, transient: bool, provider_code: str = "") -> None:
        super().__init__(provider=provider, detail=detail, transient=transient, provider_code=provider_code)
        self.transient = transient
        self.provider_code = provider_code
