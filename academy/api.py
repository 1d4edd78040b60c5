"""Project-wide REST API plumbing."""

import time
from typing import Any

from django.conf import settings
from rest_framework import status
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from academy.errors import ApplicationError
from academy.people.selectors import address_limit_allows, client_ip, window_count


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn ApplicationError into a 400 carrying its translated message."""
    if isinstance(exc, ApplicationError):
        return Response(
            {"detail": str(exc.message), **exc.extra}, status=status.HTTP_400_BAD_REQUEST
        )
    return drf_exception_handler(exc, context)


class _MinuteThrottle(BaseThrottle):
    """A per-minute fixed-window counter in the shared cache (one or two round trips per
    request, where DRF's SimpleRateThrottle reads and rewrites a list of timestamps)."""

    scope = ""

    def limit(self, request) -> int:
        raise NotImplementedError

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        if ident is None:
            return True
        return window_count(f"api:{self.scope}:{ident}", 60) <= self.limit(request)

    def wait(self) -> float:
        return 60 - time.time() % 60

    def get_ident(self, request) -> str:
        return client_ip(request)


class AnonRateThrottle(_MinuteThrottle):
    """Anonymous callers: ``ACADEMY_API_THROTTLE_ANON`` a minute per client address (behind
    trusted proxies, the real one), times the exam-room factor inside an exam room."""

    scope = "anon"

    def limit(self, request) -> int:
        return settings.ACADEMY_API_THROTTLE_ANON

    def ident(self, request) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return client_ip(request)

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        if ident is None:
            return True
        return address_limit_allows(request, f"api:anon:{ident}", self.limit(request), 60)


class UserRateThrottle(_MinuteThrottle):
    """Signed-in users: ``ACADEMY_API_THROTTLE_USER`` a minute per user, wherever they are."""

    scope = "user"

    def limit(self, request) -> int:
        return settings.ACADEMY_API_THROTTLE_USER

    def ident(self, request) -> str | None:
        if request.user and request.user.is_authenticated:
            return str(request.user.pk)
        return None


# Every endpoint can answer with these; the hook below documents them where an endpoint does
# not say more itself, so that the schema matches what clients (and Schemathesis) receive.
_ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: ``detail`` says why (a field-by-field object for invalid input).",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": True,
}
_ERROR_DESCRIPTIONS = {
    "400": "Invalid input.",
    "401": "Not signed in (no valid session or token).",
    "403": "Not allowed for this role, or a staff account without two-factor authentication.",
    "404": "Not found, or not visible to the caller.",
    "405": "Method not allowed.",
    "415": "Unsupported media type.",
    "429": "Too many requests: try again later.",
}


def document_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the error answers every operation can give
    (400 for input, 401/403 unless anonymous callers are allowed, 404 for a path with an
    object, 405, 415 for a body, 429) with one ``Error`` schema, unless documented already."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["400", "405", "429"]
            if {} not in operation.get("security", [{}]):
                codes += ["401", "403"]
            parameters = {parameter.get("name") for parameter in operation.get("parameters", [])}
            if "{" in path or "page" in parameters:  # a page past the end is a 404 too
                codes.append("404")
            if "requestBody" in operation:
                codes.append("415")
            for code in codes:
                operation["responses"].setdefault(
                    code, {"description": _ERROR_DESCRIPTIONS[code], "content": reference})
    return result


def not_found(request, exception=None):
    """404 handler: JSON under /api/ (an id that no route matches, e.g. a negative one), the
    site's page elsewhere."""
    from django.http import JsonResponse
    from django.utils.translation import gettext
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found."), "code": "not_found"}, status=404)
    return page_not_found(request, exception)
