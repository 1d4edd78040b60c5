"""The framework floor's view: parse the JSON body, run the save service's single upsert, answer
JSON. No middleware, no session, no authentication, no role check: the user id comes from the
``X-Bench-User`` header. What the real endpoint costs above this is the price of its checks.
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.floor_settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402

from exams.models import Answer, Attempt  # noqa: E402
from exams.services.attempts import _upsert_sql  # noqa: E402

SQL = _upsert_sql()  # the very statement attempt_save_answer runs


def save(request, attempt_id: int, item_id: int):
    body = json.loads(request.body)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(SQL, [
            json.dumps(body["value"], ensure_ascii=False), body["client_ts"], now, now, None,
            Answer.GradingStatus.NONE, attempt_id, int(request.headers["X-Bench-User"]),
            Attempt.Status.IN_PROGRESS, now, item_id,
        ])
        saved = cursor.fetchone() is not None
    return JsonResponse({"saved": saved, "stale": not saved, "saved_at": now.isoformat()})


urlpatterns = [path("floor/attempts/<int:attempt_id>/answers/<int:item_id>/", save)]
