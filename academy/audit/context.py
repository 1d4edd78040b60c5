"""The request the current code runs in, for the audit trail (request id, actor, IP)."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "academy_request_context", default=None
)


@dataclass
class RequestContext:
    request_id: str
    ip_address: str | None = None
    request: Any = field(default=None, repr=False)

    @property
    def user(self) -> Any:
        user = getattr(self.request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


def current() -> RequestContext | None:
    return _current.get()


def activate(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def deactivate(token: contextvars.Token) -> None:
    _current.reset(token)
