"""The framework floor's view and URL: parse the JSON body, run the save service's single
upsert, answer JSON. No middleware, no session, no authentication, no role check: the user id
comes from the ``X-Bench-User`` header. What the real endpoint costs above this is the price of
its checks. Served by ``bench.floor`` (gunicorn) and called in process by
``bench/exam_save_profile.py``.
"""

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone

from exams.models import Answer, Attempt
from exams.sql import answer_upsert_sql

_SQL: list[str] = []


def save(request, attempt_id: int, item_id: int):
    if not _SQL:
        _SQL.append(answer_upsert_sql())  # the very statement attempt_save_answer runs
    body = json.loads(request.body)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_SQL[0], [
            json.dumps(body["value"], ensure_ascii=False), body["client_ts"], now, now, None,
            Answer.GradingStatus.NONE, attempt_id, int(request.headers["X-Bench-User"]),
            Attempt.Status.IN_PROGRESS, now, item_id,
        ])
        saved = cursor.fetchone() is not None
    return JsonResponse({"saved": saved, "stale": not saved, "saved_at": now.isoformat()})


urlpatterns = [path("floor/attempts/<int:attempt_id>/answers/<int:item_id>/", save)]
