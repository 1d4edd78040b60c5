"""REST API of notifications: the caller's own notifications and preferences."""

from __future__ import annotations

from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.errors import ApplicationError

from ..selectors import (
    language_of,
    notification_preferences_of,
    notifications_in_language,
    notifications_of,
    preferences_of,
    unread_count,
)
from ..services import (
    KindPreferenceChange,
    notification_mark_read,
    notification_preferences_update,
    notifications_mark_all_read,
)
from .serializers import (
    MyNotificationPreferencesSerializer,
    MyNotificationPreferencesUpdateSerializer,
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
    """The caller's notifications, newest first (paginated), their titles and texts in the
    caller's language."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        unread = self.request.query_params.get("unread") in {"1", "true", "yes"}
        return notifications_of(self.request.user, unread_only=unread)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            notifications_in_language(page, get_language())
        return page


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
        notifications_in_language([notification], get_language())
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
    """The caller's choice per kind (mandatory kinds cannot change) and e-mail language.
    Superseded by ``/api/v1/me/notification-preferences/`` (channels, quiet hours too); the
    same rules apply to both."""

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        return Response(_preferences_payload(request.user))

    @extend_schema(request=PreferencesUpdateSerializer, responses=PreferencesSerializer,
                   deprecated=True)
    def put(self, request):
        serializer = PreferencesUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes = {code: KindPreferenceChange(choice=choice)
                   for code, choice in (data.get("choices") or {}).items()}
        try:
            notification_preferences_update(user=request.user, kinds=changes,
                                            language=data.get("language"))
        except ApplicationError as error:
            fields = error.extra.get("fields", {})
            problems: dict = {}
            if fields.get("kinds"):
                problems["choices"] = {
                    code: " ".join(errors if isinstance(errors, list)
                                   else [m for ms in errors.values() for m in ms])
                    for code, errors in fields["kinds"].items()}
            if fields.get("language"):
                problems["language"] = fields["language"]
            raise ValidationError(problems) from None
        return Response(_preferences_payload(request.user), status=status.HTTP_200_OK)


def _my_preferences_payload(user) -> dict:
    prefs = notification_preferences_of(user)
    return {
        "language": prefs.language,
        "quiet_hours": {"start": prefs.quiet_start, "end": prefs.quiet_end},
        "sms_available": prefs.sms_on,
        "wecom_available": prefs.wecom_on,
        "phone": prefs.phone,
        "wecom_linked": bool(prefs.wecom_userid),
        "kinds": [
            {"code": row.kind.code, "label": str(row.kind.label),
             "description": str(row.kind.description), "mandatory": row.kind.mandatory,
             "choice": row.choice, "choices": list(row.kind.choices()), "sms": row.sms,
             "wecom": row.wecom, "quiet_hours_override": row.quiet_override,
             "quiet_hours_override_fixed": row.quiet_override_fixed,
             "channels": sorted(row.channels)}
            for row in prefs.kinds
        ],
    }


@extend_schema(tags=["notifications"])
class MyNotificationPreferencesView(APIView):
    """The caller's own notification preferences (nobody else's can be addressed): per kind
    the choice, SMS and WeCom, and whether it may arrive during quiet hours; the language.

    PATCH changes only what it names, with the rules of the preferences page (one service):
    only the caller's kinds, a mandatory kind's choice and a fixed quiet-hours behaviour do
    not change, SMS needs an approved template for the kind and a verified mobile number,
    WeCom must be on. Any refusal: 400 with the problems by field, and nothing is saved.
    """

    @extend_schema(responses=MyNotificationPreferencesSerializer)
    def get(self, request):
        return Response(_my_preferences_payload(request.user))

    @extend_schema(request=MyNotificationPreferencesUpdateSerializer,
                   responses=MyNotificationPreferencesSerializer)
    def patch(self, request):
        serializer = MyNotificationPreferencesUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes = {
            code: KindPreferenceChange(
                choice=change.get("choice"), sms=change.get("sms"), wecom=change.get("wecom"),
                quiet_override=change.get("quiet_hours_override"))
            for code, change in (data.get("kinds") or {}).items()}
        try:
            notification_preferences_update(user=request.user, kinds=changes,
                                            language=data.get("language"))
        except ApplicationError as error:
            raise ValidationError(_api_fields(error.extra.get("fields", {}))) from None
        return Response(_my_preferences_payload(request.user))


def _api_fields(fields: dict) -> dict:
    """The service's problems under the API's field names."""
    kinds = {}
    for code, problems in fields.get("kinds", {}).items():
        kinds[code] = problems if isinstance(problems, list) else {
            ("quiet_hours_override" if part == "quiet_override" else part): messages
            for part, messages in problems.items()}
    out = {key: value for key, value in fields.items() if key != "kinds"}
    if kinds:
        out["kinds"] = kinds
    return out
