"""The request the current code runs in, for the audit trail (request id, actor, IP)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
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


# The audit trail sits below the app that knows how to find the client's address behind
# trusted proxies (people, with allauth's rules): people registers that function here.
_client_address: Callable[[Any], str] | None = None


def register_client_address(resolver: Callable[[Any], str]) -> Callable[[Any], str]:
    """Set the function ``request -> address`` (``"unknown"`` if none) the audit trail uses."""
    global _client_address
    _client_address = resolver
    return resolver


def client_address(request: Any) -> str:
    """The client's address of ``request`` as the registered resolver finds it (the socket's
    address until one is registered)."""
    if _client_address is not None:
        return _client_address(request)
    return request.META.get("REMOTE_ADDR") or "unknown"
