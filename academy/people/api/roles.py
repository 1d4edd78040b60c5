"""REST endpoints of roles: who holds which role, and an administrator's change of them.

``GET /api/v1/users/roles/`` lists users with their roles (filter by ``role``, search with
``q``); ``GET /api/v1/users/{user_id}/roles/`` reads one user's; ``PUT`` on it sets them. Reading
is for administrators and auditors (auditors read everything, change nothing); changing is for
administrators, who like every staff member must have enrolled a second factor (the MFA
middleware answers 403 ``mfa_required`` before the view runs). The change itself, its checks
and its one audit event are the people service ``user_set_roles``.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ..models import User
from ..roles import HasRole, Role, user_has_role
from ..selectors.roles import user_role_holders, user_role_names
from ..services.accounts import user_set_roles

REASON_MAX_LENGTH = 500


class UserRolesSerializer(serializers.Serializer):
    """A user's roles: the role groups and the superuser flag (a superuser is an
    administrator whatever the groups), and ``is_staff`` (Django admin), which follows them."""

    id = serializers.IntegerField(source="pk", read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    roles = serializers.SerializerMethodField()
    is_staff = serializers.BooleanField(read_only=True)
    is_superuser = serializers.BooleanField(read_only=True)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(
        choices=Role.choices)))
    def get_roles(self, user: User) -> list[str]:
        return user_role_names(user)


class UserRolesWriteSerializer(serializers.Serializer):
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), allow_empty=True,
        help_text="Every role the user is to hold (the others are taken away).")
    is_superuser = serializers.BooleanField(
        help_text="Superuser: all permissions in the Django admin, and an administrator.")
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        help_text="Why, for the audit trail.",
        error_messages={"required": _("Say why the roles change."),
                        "blank": _("Say why the roles change.")})


class UserRolesFilterSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


_READERS = HasRole.of(Role.ADMIN, Role.AUDITOR)


class UserRolesListView(APIView):
    """Users with their roles, in name order, a page of 50 at a time."""

    permission_classes = [_READERS]

    @extend_schema(
        operation_id="user_roles_list",
        parameters=[
            OpenApiParameter("role", str, enum=Role.values,
                             description="Only holders of this role (admin: superusers too)."),
            OpenApiParameter("q", str, description="Name, pinyin, e-mail or number tail."),
            OpenApiParameter("page", int, description="A page of 50, from 1."),
        ],
        responses=inline_serializer("PaginatedUserRolesList", fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": UserRolesSerializer(many=True),
        }),
    )
    def get(self, request):
        filters = UserRolesFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        users = user_role_holders(role=filters.validated_data.get("role", ""),
                                  search=filters.validated_data.get("q", ""))
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(users, request, view=self)
        return paginator.get_paginated_response(UserRolesSerializer(page, many=True).data)


class UserRolesView(APIView):
    """GET a user's roles; PUT sets them (administrators only, with a reason)."""

    permission_classes = [_READERS]

    @extend_schema(operation_id="user_roles_retrieve", responses=UserRolesSerializer)
    def get(self, request, user_id: int):
        return Response(UserRolesSerializer(get_object_or_404(User, pk=user_id)).data)

    @extend_schema(
        operation_id="user_roles_update", request=UserRolesWriteSerializer,
        responses=UserRolesSerializer,
        description="Set the user's roles and superuser flag. Refused (400) for the last "
        "active administrator's admin role, and for the caller's own superuser flag. The "
        "change is recorded in the audit trail with the reason.",
    )
    def put(self, request, user_id: int):
        if not user_has_role(request.user, Role.ADMIN):
            raise PermissionDenied(_("Only administrators change roles."))
        user = get_object_or_404(User, pk=user_id)
        payload = UserRolesWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user_set_roles(user=user, roles=payload.validated_data["roles"],
                       is_superuser=payload.validated_data["is_superuser"],
                       actor=request.user, reason=payload.validated_data["reason"])
        return Response(UserRolesSerializer(user).data)
