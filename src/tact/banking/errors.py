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


class InvalidCsvMapping(ValidationFailed):
    """A CSV layout that cannot be saved. ``problems``: one ``{"field", "reason", "problem"}`` per
    fault, ``field`` one of ours (``booked_on``), an option (``decimal``) or ``name``; ``reason``
    a stable code a screen translates (``required``, ``pair``, ``taken``, ``invalid``, …)."""

    code = "invalid_csv_mapping"

    def __init__(self, *, problems: list[dict[str, str]]) -> None:
        super().__init__(" ".join(f"{p['field']}: {p['problem']}" for p in problems), problems=problems)
