"""Errors that services raise when a business rule refuses a request; every app raises these.

Each carries a user-facing `message`, optionally the request `field` it concerns and the
`rule` it applies (machine-readable, e.g. "daily_limit"); the API answers with `status_code`.
"""


class BusinessRuleViolation(Exception):
    """A well-formed request that the rules refuse; answered with `status_code`."""

    status_code = 409

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        status_code: int | None = None,
        rule: str = "",
    ):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.rule = rule
        if status_code is not None:
            self.status_code = status_code


class RuleViolation(BusinessRuleViolation):
    """A refusal of a named rule; its subclasses fix the answer's status."""


class NotFound(RuleViolation):
    """Not there, or not the caller's to see: the same answer, so nothing leaks."""

    status_code = 404


class Forbidden(RuleViolation):
    """The caller may see it but this action is the other side's."""

    status_code = 403


class Refused(RuleViolation):
    """A rule refuses the request as it stands (limits, hours, state); the message says which."""

    status_code = 409


class Invalid(RuleViolation):
    """The request breaks a rule it can never satisfy as given (not family, region closed)."""

    status_code = 422
