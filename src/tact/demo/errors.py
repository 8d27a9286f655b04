from tact.core.errors import Conflict, ValidationFailed


class DemoOptionInvalid(ValidationFailed):
    code = "demo_option_invalid"
    template = "{option}: {problem}"


class DemoDataExists(Conflict):
    code = "demo_data_exists"
    template = (
        "Creditor {slug!r} already has ledger data ({debtors} debtors, {invoices} items). "
        "Use --reset to delete it and load the demo portfolio again."
    )


class DemoResetBlocked(Conflict):
    code = "demo_reset_blocked"
    template = "Cannot reset creditor {slug!r}: rows of {table} refer to its ledger and carry no creditor."
