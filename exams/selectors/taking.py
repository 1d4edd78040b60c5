"""Reading what an examinee needs: open sittings, an attempt's items (never the key) and
saved answers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from exams.models import Answer, Attempt, Sitting

from .results import _ordered_options


def sittings_for_broker(user: Any, *, open_only: bool = False) -> QuerySet[Sitting]:
    """Sittings the broker may take: on the list, or an active broker of the cohort."""
    from courses.models import Enrolment

    cohorts = Enrolment.objects.filter(user=user, status=Enrolment.Status.ACTIVE).values(
        "cohort_id")
    sittings = Sitting.objects.filter(Q(brokers=user) | Q(cohort_id__in=cohorts)).distinct()
    if open_only:
        now = timezone.now()
        sittings = sittings.filter(opens_at__lte=now, closes_at__gt=now)
    return sittings.select_related("paper", "cohort").order_by("closes_at", "pk")


def attempt_for_user(*, attempt_id: int, user: Any) -> Attempt:
    """The caller's own attempt; Attempt.DoesNotExist otherwise (views answer 404)."""
    return Attempt.objects.select_related("sitting").get(pk=attempt_id, user=user)


def attempt_items_for_examinee(attempt: Attempt) -> list[dict[str, Any]]:
    """The attempt's items as the exam page shows them: ``id``, ``position``, ``type``,
    ``stem``, ``options`` (in the attempt's order, ``[{"key", "text"}]``), ``points`` and
    ``blanks`` (for fill-in). Never the key, explanation or rubric."""
    from exams.services.scoring import fillin_blanks

    items = []
    for item in attempt.items.select_related("question_version__question").order_by(
            "position"):
        version = item.question_version
        qtype = version.question.type
        entry = {"id": item.pk, "position": item.position, "type": qtype,
                 "stem": version.stem, "options": _ordered_options(item),
                 "points": item.points}
        if qtype == "fillin":
            entry["blanks"] = max(1, len(fillin_blanks(version.answer)))
        items.append(entry)
    return items


def attempt_saved_answers(attempt: Attempt) -> dict[str, dict[str, Any]]:
    """``{"<item_id>": {"value", "client_ts"}}`` of the answers saved so far."""
    return {
        str(item_id): {"value": value, "client_ts": client_ts}
        for item_id, value, client_ts in Answer.objects.filter(attempt=attempt).values_list(
            "item_id", "value", "client_ts")
    }
