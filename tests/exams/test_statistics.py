"""Item statistics: facility, discrimination, point-biserial, time, distractors, flags."""

import pytest
from django.utils import timezone

from exams.services.attempts import attempt_save_answer
from exams.services.statistics import sitting_item_statistics
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    start,
    submit,
)

pytestmark = pytest.mark.django_db


def take(sitting, values, elapsed_ms=None):
    attempt = start(sitting, enrolled_broker(sitting))
    for position, value in enumerate(values):
        if value is None:
            continue
        item = attempt.items.get(position=position)
        attempt_save_answer(attempt_id=attempt.pk, user=attempt.user, item_id=item.pk,
                            value=value, client_ts=int(timezone.now().timestamp() * 1000),
                            elapsed_ms=elapsed_ms)
    return submit(attempt)


@pytest.fixture
def stats():
    """Eight examinees: four strong, four weak. Key is B everywhere.

    Q1, Q2 and Q5 separate them as they should; Q3 is answered right only by the weak ones
    (negative discrimination); Q4 nobody gets right.
    """
    questions = [QuestionFactory(code=f"stat-{n}") for n in range(5)]
    sitting = SittingFactory(paper=fixed_paper(questions, points=1))
    for _ in range(4):
        take(sitting, ["B", "B", "A", "C", "B"], elapsed_ms=30000)
    for _ in range(4):
        take(sitting, ["C", None, "B", "D", "A"], elapsed_ms=10000)
    return {s.code: s for s in sitting_item_statistics(sitting=sitting)}


def test_facility_and_share_correct(stats):
    assert stats["stat-0"].facility == 0.5
    assert stats["stat-0"].correct_share == 0.5
    assert stats["stat-0"].responses == 8
    assert stats["stat-3"].facility == 0


def test_discrimination_upper_lower_and_point_biserial(stats):
    assert stats["stat-0"].discrimination == 1.0
    assert stats["stat-0"].point_biserial > 0.9
    assert stats["stat-2"].discrimination == -1.0
    assert stats["stat-2"].point_biserial < 0


def test_flags(stats):
    assert stats["stat-0"].flags == []
    assert stats["stat-2"].flags == ["negative_discrimination"]
    assert "nobody_right" in stats["stat-3"].flags


def test_distractor_counts_include_blanks(stats):
    assert stats["stat-0"].distractors == {"A": 0, "B": 4, "C": 4, "D": 0, "": 0}
    assert stats["stat-1"].distractors == {"A": 0, "B": 4, "C": 0, "D": 0, "": 4}


def test_average_time_uses_reported_time(stats):
    assert stats["stat-0"].average_seconds == 20
    assert stats["stat-1"].average_seconds == 30  # blanks never saved: not counted


def test_order_follows_the_paper(stats):
    assert list(stats) == ["stat-0", "stat-1", "stat-2", "stat-3", "stat-4"]


def test_time_is_estimated_from_first_saves_without_reports():
    questions = [QuestionFactory() for _ in range(2)]
    sitting = SittingFactory(paper=fixed_paper(questions))
    take(sitting, ["B", "B"])
    result = sitting_item_statistics(sitting=sitting)
    assert all(r.average_seconds is not None and r.average_seconds >= 0 for r in result)


def test_small_sittings_have_no_discrimination_index():
    sitting = SittingFactory(paper=fixed_paper([QuestionFactory()]))
    take(sitting, ["B"])
    [row] = sitting_item_statistics(sitting=sitting)
    assert row.discrimination is None and row.point_biserial is None
    assert row.facility == 1


def test_attempts_in_progress_are_left_out():
    sitting = SittingFactory(paper=fixed_paper([QuestionFactory()]))
    start(sitting, enrolled_broker(sitting))
    assert sitting_item_statistics(sitting=sitting) == []
