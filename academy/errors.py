"""The one exception type for errors a user can cause.

Services raise ``ApplicationError(_("..."))``; views turn it into a form error or a message,
the API into a 400 with that message (see ``academy.api.exception_handler``).
"""

from typing import Any


class ApplicationError(Exception):
    def __init__(self, message: Any, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    def __str__(self) -> str:
        return str(self.message)
