"""REST endpoints of courses, scoped by role: brokers see themselves, trainers their cohorts,
auditors and admins all cohorts."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.people.selectors import HasRole, Role

from ..models import Cohort, Lesson
from ..selectors import (
    can_view_cohort,
    cohort_lesson_figures,
    cohort_lesson_study,
    cohort_progress,
    lesson_requirement,
    programme_progress_for,
    transcript_for,
)
from ..services import StudyIncomplete, attendance_checkin, lesson_complete, lesson_open
from .serializers import (
    CheckinRequestSerializer,
    CheckinResponseSerializer,
    CohortProgressSerializer,
    LessonOpenSerializer,
    LessonProgressSerializer,
    LessonStudySerializer,
    ProgrammeProgressSerializer,
    StudyIncompleteSerializer,
    TranscriptSerializer,
)

BrokerOnly = HasRole.of(Role.BROKER)
CohortReaders = HasRole.of(Role.TRAINER, Role.AUDITOR, Role.ADMIN)


class MyTranscriptView(APIView):
    """The caller's class-hour transcript: hours per area and course, sessions attended."""

    permission_classes = [BrokerOnly]

    @extend_schema(responses=TranscriptSerializer, tags=["courses"])
    def get(self, request):
        return Response(TranscriptSerializer(transcript_for(user=request.user)).data)


class MyCoursesView(APIView):
    """The caller's programmes (active enrolments) with per-course and per-lesson progress."""

    permission_classes = [BrokerOnly]

    @extend_schema(responses=ProgrammeProgressSerializer(many=True), tags=["courses"])
    def get(self, request):
        programmes = programme_progress_for(user=request.user)
        return Response(ProgrammeProgressSerializer(programmes, many=True).data)


def _lesson(pk: int) -> Lesson:
    return get_object_or_404(Lesson.objects.select_related("module__course", "module__requires",
                                                           "requires"), pk=pk)


class LessonOpenView(APIView):
    """Record that the caller has the lesson open (first view), then the study observed:
    ``seconds`` of visible, active time since the last report and, for a hosted video, the
    ranges played in order. Answers with the progress and what the lesson still needs.
    400 if the lesson is locked or not theirs."""

    permission_classes = [BrokerOnly]

    @extend_schema(request=LessonOpenSerializer, responses=LessonStudySerializer,
                   tags=["courses"])
    def post(self, request, pk: int):
        data = LessonOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lesson = _lesson(pk)
        progress = lesson_open(user=request.user, lesson=lesson,
                               seconds=data.validated_data["seconds"],
                               video=data.validated_data.get("video"))
        progress.requirement = lesson_requirement(user=request.user, lesson=lesson,
                                                  progress=progress)
        return Response(LessonStudySerializer(progress).data)


class LessonCompleteView(APIView):
    """Mark the lesson done and credit its class hours. 400 if never opened or locked;
    409 with the figures (``code`` ``study_incomplete``) while the study it requires has not
    been observed; completing again changes nothing."""

    permission_classes = [BrokerOnly]

    @extend_schema(request=None, responses={200: LessonProgressSerializer,
                                            409: StudyIncompleteSerializer}, tags=["courses"])
    def post(self, request, pk: int):
        try:
            progress = lesson_complete(user=request.user, lesson=_lesson(pk))
        except StudyIncomplete as exc:
            return Response({"detail": str(exc.message), **exc.extra},
                            status=status.HTTP_409_CONFLICT)
        return Response(LessonProgressSerializer(progress).data)


class AttendanceCheckinView(APIView):
    """Check in to an offline session with the token from its QR code, as the caller.

    400 for a forged or expired token, outside the check-in window, or when the caller is
    not enrolled in the session's cohort. 201 when checked in now, 200 if already."""

    permission_classes = [BrokerOnly]

    @extend_schema(request=CheckinRequestSerializer,
                   responses={200: CheckinResponseSerializer, 201: CheckinResponseSerializer},
                   tags=["courses"])
    def post(self, request):
        data = CheckinRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attendance, created = attendance_checkin(token=data.validated_data["token"],
                                                 user=request.user)
        attendance.created = created
        return Response(CheckinResponseSerializer(attendance).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CohortProgressView(APIView):
    """Each broker's progress, class hours and overdue courses in a cohort, and the study
    observed per lesson: for each lesson over the cohort (``lessons``, the cohort page's
    table) and for each broker and lesson (``brokers[].lessons``: active seconds, seconds
    required, share of a hosted video watched, requirement met, credited and hours credited).
    For the cohort's trainers, auditors and admins. The filters narrow ``brokers`` only."""

    permission_classes = [CohortReaders]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Name, e-mail or organisation contains"),
            OpenApiParameter("sort", str, enum=["name", "progress", "hours", "overdue",
                                                "activity"]),
            OpenApiParameter("desc", bool),
            OpenApiParameter("overdue", bool, description="Only brokers with overdue courses"),
        ],
        responses=CohortProgressSerializer, tags=["courses"],
    )
    def get(self, request, pk: int):
        cohort = get_object_or_404(Cohort.objects.select_related("programme"), pk=pk)
        if not can_view_cohort(request.user, cohort):
            raise PermissionDenied
        truthy = {"1", "true", "on", "yes"}
        rows = cohort_progress(
            cohort=cohort,
            search=request.query_params.get("q", "").strip(),
            sort=request.query_params.get("sort", "name"),
            descending=request.query_params.get("desc", "").lower() in truthy,
            overdue_only=request.query_params.get("overdue", "").lower() in truthy,
        )
        study = cohort_lesson_study(cohort=cohort)
        payload = SimpleNamespace(cohort=cohort, rows=rows,
                                  lessons=cohort_lesson_figures(cohort=cohort, study=study))
        return Response(CohortProgressSerializer(payload, context={"study": study}).data)
