"""Project-wide REST API plumbing."""

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from academy.errors import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn ApplicationError into a 400 carrying its translated message."""
    if isinstance(exc, ApplicationError):
        return Response(
            {"detail": str(exc.message), **exc.extra}, status=status.HTTP_400_BAD_REQUEST
        )
    return drf_exception_handler(exc, context)
