"""REST API of notifications: the caller's own notifications and preferences."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ..kinds import get_kind
from ..selectors import language_of, notifications_of, preferences_of, unread_count
from ..services import notification_mark_read, notifications_mark_all_read, preferences_set
from .serializers import (
    NotificationSerializer,
    PreferencesSerializer,
    PreferencesUpdateSerializer,
    ReadAllSerializer,
    UnreadCountSerializer,
)


@extend_schema(tags=["notifications"], parameters=[
    OpenApiParameter("unread", bool, description="Only unread notifications."),
])
class NotificationListView(generics.ListAPIView):
    """The caller's notifications, newest first (paginated)."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        unread = self.request.query_params.get("unread") in {"1", "true", "yes"}
        return notifications_of(self.request.user, unread_only=unread)


@extend_schema(tags=["notifications"], responses=UnreadCountSerializer)
class UnreadCountView(APIView):
    """How many of the caller's notifications are unread."""

    def get(self, request):
        return Response({"unread": unread_count(request.user)})


@extend_schema(tags=["notifications"], request=None, responses=NotificationSerializer)
class NotificationReadView(APIView):
    """Mark one of the caller's notifications read (404 if it is not theirs). Idempotent."""

    def post(self, request, pk: int):
        notification = notification_mark_read(user=request.user, notification_id=pk)
        if notification is None:
            raise NotFound
        return Response(NotificationSerializer(notification).data)


@extend_schema(tags=["notifications"], request=None, responses=ReadAllSerializer)
class ReadAllView(APIView):
    """Mark every unread notification of the caller read."""

    def post(self, request):
        return Response({"marked": notifications_mark_all_read(user=request.user)})


def _preferences_payload(user) -> dict:
    return {
        "language": language_of(user),
        "kinds": [
            {"code": row.kind.code, "label": str(row.kind.label),
             "description": str(row.kind.description), "mandatory": row.kind.mandatory,
             "choice": row.choice, "choices": list(row.kind.choices())}
            for row in preferences_of(user)
        ],
    }


@extend_schema(tags=["notifications"])
class PreferencesView(APIView):
    """The caller's choice per kind (mandatory kinds cannot change) and e-mail language."""

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        return Response(_preferences_payload(request.user))

    @extend_schema(request=PreferencesUpdateSerializer, responses=PreferencesSerializer)
    def put(self, request):
        serializer = PreferencesUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        allowed = {row.kind.code for row in preferences_of(request.user)}
        errors: dict = {}
        for code, choice in (data.get("choices") or {}).items():
            try:
                kind = get_kind(code)
            except KeyError:
                kind = None
            if kind is None or code not in allowed:
                errors[code] = _("Unknown kind of notification.")
            elif kind.mandatory:
                errors[code] = _("This kind of notification cannot be turned off or changed.")
            elif choice not in kind.choices():
                errors[code] = _("Not a choice for this kind: %(choice)s.") % {"choice": choice}
        problems = {"choices": errors} if errors else {}
        language = data.get("language")
        if language and language not in {c for c, _n in settings.LANGUAGES}:
            problems["language"] = [_("Unknown language.")]
        if problems:
            raise ValidationError(problems)
        preferences_set(user=request.user, choices=data.get("choices") or {}, language=language)
        return Response(_preferences_payload(request.user), status=status.HTTP_200_OK)
