"""REST endpoints of practice records (under /api/v1/practice-records/).

Brokers list, create, change (before review) and delete (unless approved) their own records and
attach evidence files; admins review. Everyone else who may see a broker reads their records.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from academy.errors import ApplicationError

from ..models import PracticeRecord
from ..roles import HasRole, Role, user_has_role
from .selectors import (
    RECORD_FIELDS,
    can_view_practice_record,
    evidence_content_type,
    practice_records_visible_to,
    registration_number_normalise,
)
from .services import (
    PracticeRevisionChanged,
    practice_record_create,
    practice_record_delete,
    practice_record_review,
    practice_record_submit,
    practice_record_update,
)


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, evidence) -> str:
        return reverse("people:practice_evidence", args=[evidence.pk])


class PracticeRecordSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    approved_revision_number = serializers.IntegerField(source="approved_revision.number",
                                                        read_only=True, allow_null=True,
                                                        default=None)

    class Meta:
        model = PracticeRecord
        fields = ["id", "broker", *RECORD_FIELDS, "status", "status_label", "submitted_at",
                  "reviewed_at", "review_comment", "revision", "approved_revision_number",
                  "evidence", "created_at", "updated_at"]
        read_only_fields = fields


class PracticeRecordWriteSerializer(serializers.ModelSerializer):
    submit = serializers.BooleanField(required=False, default=False)

    class Meta:
        model = PracticeRecord
        fields = [*RECORD_FIELDS, "submit"]

    def validate_registration_number(self, value: str) -> str:
        value = registration_number_normalise(value)
        if not value:
            raise serializers.ValidationError(_("Enter the contract's registration number."))
        return value

    def validate(self, attrs):
        amount = attrs.get("contract_amount", getattr(self.instance, "contract_amount", None))
        income = attrs.get("technical_income", getattr(self.instance, "technical_income", None))
        if amount is not None and income is not None and income > amount:
            raise serializers.ValidationError(
                {"technical_income": _("The certified technical income cannot exceed the "
                                       "contract amount.")}
            )
        return attrs


REVISION_REQUIRED = _("Give the revision you reviewed (the record's “revision”): a decision "
                      "applies to that revision only.")


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    revision = serializers.IntegerField(
        min_value=0, error_messages={"required": REVISION_REQUIRED, "null": REVISION_REQUIRED},
        help_text="Required: the record's `revision` the decision is about, as read before "
                  "deciding. 409 if the broker has submitted another revision since.")


REVIEW_ERROR = inline_serializer("PracticeReviewError", {
    "detail": serializers.CharField(),
    "code": serializers.CharField(required=False),
    "revision": serializers.IntegerField(required=False),
})


def _files(request) -> list:
    return request.FILES.getlist("evidence") if hasattr(request, "FILES") else []


def _check_files(files) -> None:
    for upload in files:
        evidence_content_type(upload)  # ApplicationError → 400 with the reason


class PracticeRecordListView(APIView):
    """GET: records the caller may see (``?broker=<id>``, ``?status=``); POST: a broker adds
    one of their own (JSON, or multipart with ``evidence`` files; ``submit: true`` sends it
    for review)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="practice_records_list",
        parameters=[
            OpenApiParameter("broker", int, description="Only this broker's records."),
            OpenApiParameter("status", str, enum=PracticeRecord.Status.values),
            OpenApiParameter("page", int, description="A page of 50, from 1."),
        ],
        responses=inline_serializer("PaginatedPracticeRecordList", fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": PracticeRecordSerializer(many=True),
        }),
    )
    def get(self, request):
        records = practice_records_visible_to(request.user).prefetch_related("evidence")
        if request.query_params.get("broker"):
            try:
                records = records.filter(broker_id=int(request.query_params["broker"]))
            except ValueError:
                records = records.none()
        if request.query_params.get("status"):
            records = records.filter(status=request.query_params["status"])
        records = records.order_by("-created_at", "-pk")
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(PracticeRecordSerializer(page, many=True).data)

    @extend_schema(request=PracticeRecordWriteSerializer,
                   responses={201: PracticeRecordSerializer})
    def post(self, request):
        if not user_has_role(request.user, Role.BROKER) or not hasattr(request.user,
                                                                        "broker_profile"):
            raise PermissionDenied(_("Only brokers log practice records."))
        serializer = PracticeRecordWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        submit = data.pop("submit", False)
        files = _files(request)
        _check_files(files)
        record = practice_record_create(broker=request.user, fields=data, evidence=files,
                                        submit=submit)
        return Response(PracticeRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class PracticeRecordDetailView(APIView):
    """GET a record; PATCH (owner, before review or after rejection); DELETE (owner, unless
    approved). Records the caller may not see answer 404."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _record(self, request, pk: int) -> PracticeRecord:
        record = get_object_or_404(PracticeRecord.objects.prefetch_related("evidence"), pk=pk)
        if not can_view_practice_record(request.user, record):
            raise NotFound()
        return record

    def _own(self, request, pk: int) -> PracticeRecord:
        record = self._record(request, pk)
        if record.broker_id != request.user.pk:
            raise PermissionDenied(_("Only the broker changes their own record."))
        return record

    @extend_schema(responses=PracticeRecordSerializer)
    def get(self, request, pk: int):
        return Response(PracticeRecordSerializer(self._record(request, pk)).data)

    @extend_schema(request=PracticeRecordWriteSerializer, responses=PracticeRecordSerializer)
    def patch(self, request, pk: int):
        record = self._own(request, pk)
        serializer = PracticeRecordWriteSerializer(record, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        submit = data.pop("submit", False)
        files = _files(request)
        _check_files(files)
        practice_record_update(record_id=record.pk, actor=request.user, fields=data,
                               evidence_add=files, submit=submit)
        return Response(PracticeRecordSerializer(self._record(request, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        record = self._own(request, pk)
        practice_record_delete(record_id=record.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PracticeRecordSubmitView(APIView):
    """The broker sends a draft (or a corrected rejected record) for review."""

    permission_classes = [HasRole.of(Role.BROKER)]

    @extend_schema(request=None, responses=PracticeRecordSerializer)
    def post(self, request, pk: int):
        record = get_object_or_404(PracticeRecord, pk=pk)
        if record.broker_id != request.user.pk:
            raise NotFound()
        record = practice_record_submit(record_id=record.pk, actor=request.user)
        return Response(PracticeRecordSerializer(record).data)


class PracticeRecordEvidenceView(APIView):
    """The broker attaches an evidence file (multipart ``evidence``) before review."""

    permission_classes = [HasRole.of(Role.BROKER)]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=None, responses=PracticeRecordSerializer)
    def post(self, request, pk: int):
        record = get_object_or_404(PracticeRecord, pk=pk)
        if record.broker_id != request.user.pk:
            raise NotFound()
        files = _files(request)
        if not files:
            raise ApplicationError(_("Attach a file in the “evidence” field."))
        _check_files(files)
        practice_record_update(record_id=record.pk, actor=request.user, fields={},
                               evidence_add=files)
        record.refresh_from_db()
        return Response(PracticeRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class PracticeRecordReviewView(APIView):
    """An admin approves or rejects a submitted record (a rejection needs a comment), naming
    the revision decided on: the decision applies to that revision only."""

    permission_classes = [HasRole.of(Role.ADMIN)]

    @extend_schema(
        request=ReviewSerializer,
        responses={
            200: PracticeRecordSerializer,
            400: OpenApiResponse(REVIEW_ERROR, description=(
                "`revision` missing, a rejection without a comment, or a record not awaiting "
                "review.")),
            409: OpenApiResponse(REVIEW_ERROR, description=(
                "The broker has submitted another revision since the one given: "
                '{"detail": "...", "code": "revision_changed", "revision": <current>}.')),
        },
    )
    def post(self, request, pk: int):
        get_object_or_404(PracticeRecord, pk=pk)
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            record = practice_record_review(
                record_id=pk, reviewer=request.user,
                approve=serializer.validated_data["decision"] == "approve",
                comment=serializer.validated_data["comment"],
                revision=serializer.validated_data["revision"],
            )
        except PracticeRevisionChanged as exc:
            return Response({"detail": str(exc.message), **exc.extra},
                            status=status.HTTP_409_CONFLICT)
        return Response(PracticeRecordSerializer(record).data)
