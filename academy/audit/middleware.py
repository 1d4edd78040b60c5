"""Give every request an id (echoed in X-Request-ID) and expose it to the audit trail."""

import re
import uuid

from . import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _address(request) -> str | None:
    """The client's address behind trusted proxies (the one the rate limits use: people
    registers its resolver with ``context.register_client_address``)."""
    ip = context.client_address(request)
    return None if ip == "unknown" else ip


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        ctx = context.RequestContext(
            request_id=request.id, ip_address=_address(request), request=request
        )
        token = context.activate(ctx)
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = request.id
        return response

