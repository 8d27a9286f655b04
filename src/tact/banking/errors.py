"""Errors of statement import and reconciliation: a stable code and a message that says what happened."""

from tact.core.errors import Conflict, NotFound, ValidationFailed


class StatementUnreadable(ValidationFailed):
    """The file is not a statement tact can read (truncated, wrong format, broken data)."""

    code = "statement_unreadable"
    template = "{filename}: {problem}"


class StatementRefused(ValidationFailed):
    """The file is readable but must not be booked for this creditor (account, currency)."""

    code = "statement_refused"
    template = "{filename}: {problem}"


class SuggestionNotOpen(Conflict):
    code = "suggestion_not_open"
    template = "Suggestion {suggestion} was {status} already."


class TransactionNotOpen(Conflict):
    code = "transaction_not_open"
    template = "Bank line {transaction} is {status}; only unmatched or suggested lines can be matched."


class InvalidSplit(ValidationFailed):
    code = "invalid_split"
    template = "{problem}"


class BankingNotFound(NotFound):
    code = "not_found"
