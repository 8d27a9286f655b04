"""Errors of inbound mail: each names what was refused and why."""

from __future__ import annotations

from tact.core.errors import NotFound, TactError, ValidationFailed


class InboundNotFound(NotFound):
    code = "messaging_inbound_not_found"
    template = "No {kind} {id} for this creditor."


class InboundFileInvalid(ValidationFailed):
    """The file given to ``tact inbox receive`` cannot be read."""

    code = "messaging_inbound_file_invalid"
    template = "{field}: {problem}"


class MailboxError(TactError):
    """The IMAP server refused or failed; ``setting`` names what to check."""

    code = "messaging_mailbox_error"
    status = 502
    template = "IMAP {host}: {detail}"
