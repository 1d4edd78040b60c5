"""Trainer endpoints: the grading queue of the sittings one grades, claiming a batch of
answers to mark, and marking an answer.

The queue is built from ``exams.selectors.grading.GradingEntry`` only, which under anonymous
grading holds the attempt's answer code and nothing that identifies the broker (no name,
e-mail, user id or attempt id); the response adds nothing else about the person.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.people.selectors import HasRole, Role
from exams.models import Answer, Sitting
from exams.selectors import GradingEntry, grading_entry, grading_queue
from exams.services import grading_claim_next, mark_submit

from .serializers import (
    ErrorSerializer,
    GradingClaimRequestSerializer,
    GradingQueueEntrySerializer,
    MarkRequestSerializer,
    MarkResponseSerializer,
)

Graders = HasRole.of(Role.TRAINER, Role.ADMIN)
QUEUE_LIMIT = 200

NOT_A_GRADER = OpenApiResponse(ErrorSerializer,
                               description="Not signed in, not a trainer, or not a grader of "
                               "this answer's sitting.")


def entry_data(entry: GradingEntry) -> dict:
    anonymous = entry.broker_name is None
    return {
        "answer": entry.answer_id,
        "attempt_code": entry.attempt_code,
        "sitting": entry.sitting_id,
        "sitting_title": entry.sitting_title,
        "anonymous": anonymous,
        "broker": None if anonymous else {"name": entry.broker_name},
        "question_type": entry.question_type,
        "stem": entry.stem,
        "value": entry.value,
        "points": entry.points,
        "rubric": entry.rubric,
        "round": entry.round,
        "submitted_at": entry.submitted_at,
    }


class GradingQueueView(APIView):
    """Subjective answers waiting for the caller's mark, oldest submission first (at most
    200; filter with ``?sitting=``). Anonymous sittings show the answer code only."""

    permission_classes = [Graders]

    @extend_schema(
        tags=["exams grading"],
        parameters=[OpenApiParameter("sitting", int, description="Only this sitting.")],
        responses={200: GradingQueueEntrySerializer(many=True), 401: NOT_A_GRADER,
                   403: NOT_A_GRADER,
                   404: OpenApiResponse(ErrorSerializer, description="No such sitting.")},
    )
    def get(self, request):
        sitting = None
        raw = request.query_params.get("sitting")
        if raw:
            # isdigit() alone accepts "²" and other digits int() refuses.
            is_id = raw.isascii() and raw.isdigit()
            sitting = get_object_or_404(Sitting, pk=raw) if is_id else None
            if sitting is None:
                return Response({"detail": "sitting must be an id"}, status=400)
        entries = grading_queue(grader=request.user, sitting=sitting, limit=QUEUE_LIMIT)
        return Response(GradingQueueEntrySerializer([entry_data(e) for e in entries],
                                                    many=True).data)


class GradingClaimView(APIView):
    """Claim a batch of answers to mark: the ones you hold already (renewed), then the oldest
    that nobody else holds, as queue entries. A claim lasts 30 minutes
    (``EXAMS_GRADING_CLAIM_MINUTES``) or until you mark the answer; meanwhile nobody else is
    given it (under double marking one other grader may be, for the other round), and others'
    marks of it are refused. Graders claiming at the same moment get different answers."""

    permission_classes = [Graders]

    @extend_schema(
        tags=["exams grading"], request=GradingClaimRequestSerializer,
        responses={200: GradingQueueEntrySerializer(many=True), 400: ErrorSerializer,
                   401: NOT_A_GRADER, 403: NOT_A_GRADER,
                   404: OpenApiResponse(ErrorSerializer, description="No such sitting.")},
    )
    def post(self, request):
        body = GradingClaimRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        sitting = None
        if "sitting" in data:
            sitting = get_object_or_404(Sitting, pk=data["sitting"])
        claimed = grading_claim_next(grader=request.user, sitting=sitting, count=data["count"],
                                     moderation=data["moderation"])
        entries = [grading_entry(answer_id=pk, grader=request.user) for pk in claimed]
        return Response(GradingQueueEntrySerializer([entry_data(e) for e in entries],
                                                    many=True).data)


class AnswerMarkView(APIView):
    """Mark a subjective answer: a score per rubric criterion (0 to its points) and a
    comment. The item's score is the criteria total scaled to the item's points. Under double
    marking the second grader's mark settles it, or sends it to moderation (round 3)."""

    permission_classes = [Graders]

    @extend_schema(
        tags=["exams grading"], request=MarkRequestSerializer,
        responses={200: MarkResponseSerializer,
                   400: OpenApiResponse(ErrorSerializer, description="Scores outside the "
                                        "rubric, or the answer is not waiting for your mark."),
                   401: NOT_A_GRADER, 403: NOT_A_GRADER,
                   404: OpenApiResponse(ErrorSerializer, description="No such answer.")},
    )
    def post(self, request, answer_id: int):
        body = MarkRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        criteria = data.get("criteria") or None
        mark = mark_submit(answer_id=answer_id, grader=request.user, criteria=criteria,
                           score=data.get("score"), comment=data.get("comment", ""))
        answer = get_object_or_404(Answer.objects.only("grading_status", "final_score"),
                                   pk=answer_id)
        return Response(MarkResponseSerializer({
            "id": mark.pk, "answer": answer_id, "round": mark.round, "score": mark.score,
            "criteria": mark.criteria, "comment": mark.comment,
            "submitted_at": mark.submitted_at, "grading_status": answer.grading_status,
            "final_score": answer.final_score,
        }).data)
