from tact.core.errors import TactError, ValidationFailed


class InvalidCreditorField(ValidationFailed):
    code = "invalid_creditor_field"
    template = "{field}: {problem}"


class CreditorExists(TactError):
    code = "creditor_exists"
    status = 409
    template = "A creditor with slug {slug!r} exists already."


class UnknownCreditor(TactError):
    code = "unknown_creditor"
    status = 404
    template = "No creditor with slug {slug!r}."


class InvalidUserField(ValidationFailed):
    code = "invalid_user_field"
    template = "{field}: {problem}"
