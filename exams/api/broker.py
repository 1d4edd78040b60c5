"""Broker endpoints: start or resume, save one answer, submit, my released results.

Every endpoint is for the broker role and works only on the caller's own attempts (the
services take ``user=request.user`` and answer 404 for anyone else's).
"""

from __future__ import annotations

import json
from functools import wraps
from types import SimpleNamespace

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.errors import ApplicationError
from academy.people.selectors import HasRole, Role, request_access
from exams.models import Sitting
from exams.services import (
    AttemptClosed,
    attempt_events_record,
    attempt_save_answer,
    attempt_start,
    attempt_submit,
)

from .payload import attempt_payload
from .results import released_results_for
from .serializers import (
    AnswerSaveRequestSerializer,
    AnswerSaveResponseSerializer,
    AttemptEventsRequestSerializer,
    AttemptEventsResponseSerializer,
    AttemptPayloadSerializer,
    ErrorSerializer,
    ResultSerializer,
    SubmitResponseSerializer,
)

BrokerOnly = HasRole.of(Role.BROKER)

NOT_A_BROKER = OpenApiResponse(ErrorSerializer, description="Not signed in, or not a broker.")
NOT_YOURS = OpenApiResponse(ErrorSerializer,
                            description="No such attempt or item among the caller's.")
CLOSED = OpenApiResponse(
    ErrorSerializer,
    description='The attempt takes no more answers (deadline passed or submitted): '
    '{"detail": "...", "code": "closed"}.',
)


def closed_response(exc: AttemptClosed) -> Response:
    return Response({"detail": str(exc.message), **exc.extra}, status=status.HTTP_409_CONFLICT)


class AttemptEventsView(APIView):
    """Append what the exam page observed to the caller's attempt's integrity log.

    ``{"events": [{"kind": "left_page", "duration_ms": 8000, "ago_ms": 0}, {"kind": "paste",
    "item_id": 12, "chars": 340}, ...]}``; kinds ``left_page``, ``fullscreen_exit``, ``paste``,
    ``offline_save``. Malformed entries are dropped. The request's session is noted too, so a
    second session or device on the attempt is logged by the server. The log never changes a
    score. 404 for someone else's attempt; 409 once the attempt is closed.
    """

    permission_classes = [BrokerOnly]
    parser_classes = [JSONParser]

    @extend_schema(tags=["exams"], request=AttemptEventsRequestSerializer,
                   responses={200: AttemptEventsResponseSerializer, 401: NOT_A_BROKER,
                              403: NOT_A_BROKER, 404: NOT_YOURS, 409: CLOSED})
    def post(self, request, attempt_id: int):
        events = request.data.get("events") if isinstance(request.data, dict) else None
        if not isinstance(events, list):
            raise ApplicationError(_("Send the events as {\"events\": [...]}."))
        try:
            recorded = attempt_events_record(
                attempt_id=attempt_id, user=request.user, events=events,
                session_key=request.session.session_key if hasattr(request, "session")
                else None, user_agent=request.headers.get("User-Agent", ""))
        except ApplicationError as exc:
            if exc.extra.get("code") == "closed":
                return Response({"detail": str(exc.message), **exc.extra},
                                status=status.HTTP_409_CONFLICT)
            raise
        return Response({"recorded": recorded})


class AttemptStartView(APIView):
    """Start an attempt at a sitting, or resume the one in progress.

    The deadline is fixed at the first start (the earlier of start + duration and the
    sitting's close). The response carries the server's clock, the questions in this attempt's
    order and every answer saved so far, so another device resumes where the first left off.
    An attempt found overdue is submitted, and returned with its final status.
    """

    permission_classes = [BrokerOnly]

    @extend_schema(
        tags=["exams"], request=None,
        responses={200: AttemptPayloadSerializer,
                   400: OpenApiResponse(ErrorSerializer, description="Not open yet, or no "
                                        "attempts left."),
                   401: NOT_A_BROKER, 403: NOT_A_BROKER,
                   404: OpenApiResponse(ErrorSerializer, description="No such sitting."),
                   409: CLOSED},
    )
    def post(self, request, sitting_id: int):
        sitting = get_object_or_404(Sitting.objects.select_related("paper"), pk=sitting_id)
        try:
            attempt = attempt_start(sitting=sitting, user=request.user,
                                    session_key=request.session.session_key,
                                    user_agent=request.headers.get("User-Agent", ""))
        except AttemptClosed as exc:
            return closed_response(exc)
        return Response(AttemptPayloadSerializer(
            attempt_payload(attempt, now=timezone.now())).data)


class AnswerSaveView(APIView):
    """Save one answer (idempotent): the hot path of an exam.

    The answer with the highest ``client_ts`` is kept: replaying an older answer (from a
    device's offline queue, or a retried request) never overwrites a newer one, and answers
    ``{"saved": false, "stale": true}``. Sending the same answer again answers
    ``saved: true``. One query when the save succeeds: the service's single upsert, which
    also checks that the attempt is the caller's, in progress and before its deadline. An
    answer that arrives later after it was given than the sitting's offline threshold is
    logged in the attempt's integrity log by the server (one event per offline gap).
    """

    # Explicit and lean: no pagination, no throttling, no serializer on the way out.
    authentication_classes = [SessionAuthentication, TokenAuthentication]
    permission_classes = [BrokerOnly]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    throttle_classes: list = []

    @extend_schema(
        tags=["exams"], request=AnswerSaveRequestSerializer,
        responses={200: AnswerSaveResponseSerializer,
                   400: OpenApiResponse(ErrorSerializer, description="Malformed body."),
                   401: NOT_A_BROKER, 403: NOT_A_BROKER, 404: NOT_YOURS, 409: CLOSED},
        examples=[OpenApiExample("A multiple-choice answer",
                                 value={"value": ["A", "C"], "client_ts": 1764151200123},
                                 request_only=True)],
    )
    def put(self, request, attempt_id: int, item_id: int):
        data = request.data
        if not isinstance(data, dict) or "client_ts" not in data or "value" not in data:
            raise ApplicationError(_("Send the answer as {\"value\": ..., \"client_ts\": ...}."))
        elapsed = data.get("elapsed_ms")
        try:
            result = attempt_save_answer(
                attempt_id=attempt_id, user=request.user, item_id=item_id,
                value=data["value"], client_ts=data["client_ts"],
                elapsed_ms=elapsed if isinstance(elapsed, int) and elapsed >= 0 else None,
                sent_ts=data.get("sent_ts"),
            )
        except AttemptClosed as exc:
            return closed_response(exc)
        return Response({"saved": result.saved, "stale": result.stale,
                         "saved_at": result.saved_at})


def _answer_save_fast(request, attempt_id: int, item_id: int) -> HttpResponse | None:
    """The common case of ``AnswerSaveView.put`` without DRF, or None to let DRF answer.

    Only a PUT from a session that the cached access facts vouch for (``request_access``:
    signed in, active, the session's hash matching the password, no user row loaded) of a
    broker, carrying a JSON object with ``value`` and ``client_ts``, passing the CSRF check
    exactly as DRF's session authentication runs it, and saved (or found stale) by the same
    service. Everything else, including every refusal, goes to ``AnswerSaveView``, which
    answers it with DRF's checks and error bodies; a refused save wrote nothing, so running
    it there again is harmless.
    """
    if request.method != "PUT" or request.content_type != "application/json":
        return None
    access = request_access(request)
    if access is None or Role.BROKER not in access.roles:
        return None
    try:
        SessionAuthentication().enforce_csrf(request)
    except exceptions.PermissionDenied:
        return None
    try:
        data = json.loads(request.body)
    except ValueError:
        return None
    if not isinstance(data, dict) or "client_ts" not in data or "value" not in data:
        return None
    elapsed = data.get("elapsed_ms")
    try:
        result = attempt_save_answer(
            attempt_id=attempt_id, user=SimpleNamespace(pk=access.user_id), item_id=item_id,
            value=data["value"], client_ts=data["client_ts"],
            elapsed_ms=elapsed if isinstance(elapsed, int) and elapsed >= 0 else None,
            sent_ts=data.get("sent_ts"),
        )
    except (ApplicationError, Http404):
        return None
    body = _RENDERER.render({"saved": result.saved, "stale": result.stale,
                             "saved_at": result.saved_at})
    return HttpResponse(body, content_type="application/json")


_RENDERER = JSONRenderer()
_answer_save_drf = AnswerSaveView.as_view()


@wraps(_answer_save_drf)  # keeps cls/initkwargs: the OpenAPI schema documents AnswerSaveView
def answer_save(request, attempt_id: int, item_id: int) -> HttpResponse:
    """The answer-save endpoint (the hot path of an exam): the same contract, checks and
    responses as ``AnswerSaveView``, about four times cheaper in CPU for the common case (no
    DRF request, no user row, no role query: see ``_answer_save_fast``)."""
    response = _answer_save_fast(request, attempt_id, item_id)
    if response is None:
        response = _answer_save_drf(request, attempt_id=attempt_id, item_id=item_id)
    return response


class AttemptSubmitView(APIView):
    """Submit the caller's attempt (idempotent: a second submit, from another tab or a retry,
    changes nothing and answers the same). Objective items are graded at once."""

    permission_classes = [BrokerOnly]

    @extend_schema(tags=["exams"], request=None,
                   responses={200: SubmitResponseSerializer, 401: NOT_A_BROKER,
                              403: NOT_A_BROKER, 404: NOT_YOURS})
    def post(self, request, attempt_id: int):
        attempt = attempt_submit(attempt_id=attempt_id, user=request.user)
        return Response({"status": attempt.status, "submitted_at": attempt.submitted_at})


class MyResultsView(APIView):
    """The caller's released results: score, pass, per-area breakdown. Attempts not released
    yet are not listed (their scores are not final)."""

    permission_classes = [BrokerOnly]

    @extend_schema(tags=["exams"], responses={200: ResultSerializer(many=True),
                                              401: NOT_A_BROKER, 403: NOT_A_BROKER})
    def get(self, request):
        return Response(ResultSerializer(released_results_for(request.user), many=True).data)
