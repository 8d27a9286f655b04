from tact.core.errors import Conflict, NotFound, TactError, ValidationFailed


class InvalidLedgerField(ValidationFailed):
    code = "invalid_field"
    template = "{field}: {problem}"


class DebtorNumberTaken(Conflict):
    code = "debtor_number_taken"
    template = "Debtor number {number!r} is used already."


class InvoiceNumberTaken(Conflict):
    code = "invoice_number_taken"
    template = "Invoice number {number!r} is used already."


class CurrencyMismatch(ValidationFailed):
    code = "currency_mismatch"
    template = "{what} is in {currency}, but item {invoice} is in {invoice_currency}."


class AllocationExceedsOpenAmount(ValidationFailed):
    code = "allocation_exceeds_open_amount"
    template = "{amount} {currency} exceeds the open amount {open_amount} {currency} of item {invoice}."


class AllocationExceedsPayment(ValidationFailed):
    code = "allocation_exceeds_payment"
    template = (
        "The allocations add up to {allocated} {currency}, more than the payment of {amount} {currency}."
    )


class DebtorHasItems(TactError):
    code = "debtor_has_items"
    status = 409
    template = "Debtor {number} still has {count} items or payments and cannot be deleted."


class LedgerNotFound(NotFound):
    code = "not_found"
