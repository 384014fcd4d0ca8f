"""Errors that services raise when a business rule refuses a request."""


class BusinessRuleViolation(Exception):
    """A well-formed request that the rules refuse; answered with `status_code`."""

    status_code = 409

    def __init__(self, message: str, *, field: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        if status_code is not None:
            self.status_code = status_code
