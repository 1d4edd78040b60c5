"""REST endpoints of the certification rules: the readiness engine's answer."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.people.models import User
from academy.people.selectors import HasRole, Role

from ..selectors import STATES, Readiness, broker_readiness, can_view_broker_path, readiness_state


class RequirementSerializer(serializers.Serializer):
    kind = serializers.CharField()
    key = serializers.CharField()
    label = serializers.CharField()
    met = serializers.BooleanField()
    state = serializers.ChoiceField(choices=STATES, help_text=(
        "met, in_progress, awaiting_grading, failed_can_retake (a sitting is open to the broker), "
        "failed (none is) or not_started"))
    state_label = serializers.CharField()
    current = serializers.CharField(allow_null=True)
    required = serializers.CharField()
    unit = serializers.CharField()
    percent = serializers.IntegerField()
    detail = serializers.CharField()
    next_action_url = serializers.CharField()


class LevelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class RequirementSetRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    example_values = serializers.BooleanField()
    source = serializers.CharField()


class ReadinessSerializer(serializers.Serializer):
    broker_id = serializers.IntegerField()
    current_level = LevelSerializer(allow_null=True)
    level = LevelSerializer(allow_null=True)
    requirement_set = RequirementSetRefSerializer(allow_null=True)
    ready = serializers.BooleanField()
    ready_since = serializers.DateTimeField(allow_null=True)
    met = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="The share of requirements met (met / total).")
    requirements_published = serializers.BooleanField()
    exams_available = serializers.BooleanField()
    requirements = RequirementSerializer(many=True)


def _level(level) -> dict[str, Any] | None:
    if level is None:
        return None
    return {"id": level.pk, "code": level.code, "name": level.display_name}


def readiness_payload(readiness: Readiness) -> dict[str, Any]:
    state = readiness_state(readiness)
    rs = readiness.requirement_set
    return ReadinessSerializer({
        "broker_id": readiness.broker_id,
        "current_level": _level(readiness.current_level),
        "level": _level(readiness.level),
        "requirement_set": None if rs is None else {
            "id": rs.pk, "version": rs.version, "example_values": rs.example_values,
            "source": readiness.set_source,
        },
        "ready": readiness.ready,
        "ready_since": state.ready_since if state is not None and readiness.ready else None,
        "met": readiness.met_count,
        "total": readiness.total_count,
        "percent": readiness.percent,
        "requirements_published": rs is not None,
        "exams_available": readiness.exams_available,
        "requirements": [
            {
                "kind": r.kind, "key": r.key, "label": r.label, "met": r.met,
                "state": r.status, "state_label": r.state_label,
                "current": None if r.current is None else str(r.current),
                "required": str(r.required), "unit": r.unit, "percent": r.percent,
                "detail": r.detail, "next_action_url": r.next_action_url,
            }
            for r in readiness.requirements
        ],
    }).data


class MyReadinessView(APIView):
    """What stands between the caller (a broker) and the next level, requirement by
    requirement."""

    permission_classes = [HasRole.of(Role.BROKER)]

    @extend_schema(responses=ReadinessSerializer)
    def get(self, request):
        if not hasattr(request.user, "broker_profile"):
            raise NotFound("No broker profile.")
        return Response(readiness_payload(broker_readiness(request.user)))


class BrokerReadinessView(APIView):
    """A broker's readiness: for the trainers of their cohorts, auditors and admins (and the
    broker themself). Brokers the caller may not see answer 404."""

    @extend_schema(responses=ReadinessSerializer)
    def get(self, request, user_id: int):
        subject = get_object_or_404(User, pk=user_id, broker_profile__isnull=False)
        if not can_view_broker_path(request.user, subject):
            raise NotFound()
        return Response(readiness_payload(broker_readiness(subject)))
