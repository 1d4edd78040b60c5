"""Reading what an examinee needs: open sittings, an attempt's items (never the key) and
saved answers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from exams.models import Answer, Attempt, Sitting

from .results import options_in_order


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


def broker_may_sit(sitting: Sitting, user: Any) -> bool:
    """Whether ``user`` may take ``sitting``: on its list, or an active broker of its cohort
    (what ``sittings_for_broker`` asks of every sitting)."""
    from courses.models import Enrolment

    if Sitting.brokers.through.objects.filter(sitting_id=sitting.pk, user_id=user.pk).exists():
        return True
    if not sitting.cohort_id:
        return False
    return Enrolment.objects.filter(cohort_id=sitting.cohort_id, user_id=user.pk,
                                    status=Enrolment.Status.ACTIVE).exists()


def sitting_for_broker(user: Any, sitting_id: int) -> Sitting | None:
    """The sitting ``sitting_id`` with its paper, if the broker may take it
    (``broker_may_sit``); None otherwise.

    The sitting by its key, then the two ways in by their own tables: simple queries, where
    the list query would join the sitting's whole list of brokers. This is the exam's start
    page, opened by a whole room at once.
    """
    try:
        sitting = Sitting.objects.select_related("paper").get(pk=sitting_id)
    except Sitting.DoesNotExist:
        return None
    return sitting if broker_may_sit(sitting, user) else None


def attempt_for_user(*, attempt_id: int, user: Any) -> Attempt:
    """The caller's own attempt; Attempt.DoesNotExist otherwise (views answer 404)."""
    return Attempt.objects.select_related("sitting").get(pk=attempt_id, user=user)


def attempt_items_for_examinee(attempt: Attempt) -> list[dict[str, Any]]:
    """The attempt's items as the exam page shows them: ``id``, ``position``, ``type``,
    ``stem``, ``options`` (in the attempt's order, ``[{"key", "text"}]``), ``points`` and
    ``blanks`` (for fill-in) and ``images`` (``{name: url}`` of the stem's images). Never the
    key, explanation or rubric (nor the explanation's images)."""
    from exams.services.scoring import fillin_blanks

    from .images import image_names, image_urls_for_versions

    # Plain values, not models: the exam page of a whole room is built from this at once,
    # and only these columns are shown (the key is read for the number of blanks only).
    rows = list(attempt.items.order_by("position").values_list(
        "pk", "position", "points", "option_order", "question_version_id",
        "question_version__stem", "question_version__options", "question_version__answer",
        "question_version__question__type"))
    urls = image_urls_for_versions({row[4] for row in rows}) if any(
        "[[image:" in row[5] for row in rows) else {}
    items = []
    for pk, position, points, order, version_id, stem, options, key, qtype in rows:
        shown = image_names(stem) if urls else ()
        entry = {"id": pk, "position": position, "type": qtype, "stem": stem,
                 "options": options_in_order(options, order), "points": points,
                 "images": {name: url for name, url in urls.get(version_id, {}).items()
                            if name in shown}}
        if qtype == "fillin":
            entry["blanks"] = max(1, len(fillin_blanks(key)))
        items.append(entry)
    return items


def attempt_saved_answers(attempt: Attempt) -> dict[str, dict[str, Any]]:
    """``{"<item_id>": {"value", "client_ts"}}`` of the answers saved so far."""
    # Unordered: the model's ordering would join the attempt, its sitting and the items.
    saved = Answer.objects.filter(attempt=attempt).order_by().values_list(
        "item_id", "value", "client_ts")
    return {str(item_id): {"value": value, "client_ts": client_ts}
            for item_id, value, client_ts in saved}
