"""A known population for the talent-pool figures (hand-computed values in the tests).

Regions A and B, organisations O1 and O2; the intermediate requirement set asks for 8 class
hours, the final paper passed and one approved practice record.

| broker | level        | since      | region | org | enrolled | hours | exam (%)  | approved practice        |
| b1     | junior       | 2024-06-01 | A      | O1  | yes      | 10    | 80 passed | 2025-03, 500000 / 400000 |
| b2     | junior       | 2024-06-01 | A      | O2  | yes      | 10    | 40 failed | (a draft only)           |
| b3     | junior       | 2024-06-01 | B      | O1  | yes      | 4     | —         | —                        |
| b4     | intermediate | 2025-05-10 | B      | O2  | yes      | 10    | 90 passed | 2025-04, 300000 / none   |
| b5     | intermediate | 2024-11-03 | A      | O1  | no       | 0     | —         | —                        |
| b6     | senior       | 2025-05-20 | B      | —   | no       | 0     | —         | —                        |

Grading turnaround: three marks 2 h, 4 h and 10 h after submission (average 5.3, median 4.0).
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from academy.people.models import Region
from exams.models import Answer, Attempt, AttemptItem, Mark
from tests.certificates.factories import PracticeRecordFactory, approved_record, requirement_set
from tests.courses.factories import CohortFactory, LessonFactory, completed, enrol
from tests.exams.factories import PaperFactory, QuestionFactory, SittingFactory
from tests.factories import BrokerFactory, OrganisationFactory, UserFactory, level

_codes = itertools.count(1)


@dataclass
class Population:
    region_a: Region
    region_b: Region
    o1: Any
    o2: Any
    cohort: Any
    sitting: Any
    paper: Any
    brokers: dict[str, Any]


def released_attempt(sitting, user, *, score: str, passed: bool, submitted_at=None) -> Attempt:
    submitted_at = submitted_at or timezone.now() - datetime.timedelta(days=1)
    return Attempt.objects.create(
        sitting=sitting, user=user, number=1, seed=1, started_at=submitted_at
        - datetime.timedelta(minutes=30), deadline=submitted_at, submitted_at=submitted_at,
        status=Attempt.Status.RELEASED, score=Decimal(score), max_score=Decimal("100"),
        passed=passed, code=f"T{next(_codes):06d}", released_at=submitted_at,
    )


def mark_after(attempt: Attempt, *, hours: int, grader) -> Mark:
    question = QuestionFactory()
    item = AttemptItem.objects.create(attempt=attempt, position=1,
                                      question_version=question.current_version,
                                      points=Decimal("10"))
    answer = Answer.objects.create(attempt=attempt, item=item, value="x",
                                   saved_at=attempt.submitted_at)
    return Mark.objects.create(answer=answer, grader=grader, score=Decimal("5"),
                               submitted_at=attempt.submitted_at
                               + datetime.timedelta(hours=hours))


@pytest.fixture
def population(db) -> Population:
    region_a, region_b = list(Region.objects.order_by("sort_order", "code")[:2])
    o1, o2 = OrganisationFactory(name="甲公司"), OrganisationFactory(name="乙研究院")
    cohort = CohortFactory()
    lesson10 = LessonFactory(class_hours=Decimal("10.00"))
    lesson4 = LessonFactory(class_hours=Decimal("4.00"))
    paper = PaperFactory()
    requirement_set(total_hours=Decimal("8"), practice_records=1, exams={paper: None},
                    is_current=True)
    sitting = SittingFactory(paper=paper, cohort=cohort)

    def broker(name, lvl, since, region, org):
        return BrokerFactory(user__full_name=name, level=level(lvl), level_since=since,
                             region=region, organisation=org)

    b = {
        "b1": broker("一号", "junior", datetime.date(2024, 6, 1), region_a, o1),
        "b2": broker("二号", "junior", datetime.date(2024, 6, 1), region_a, o2),
        "b3": broker("三号", "junior", datetime.date(2024, 6, 1), region_b, o1),
        "b4": broker("四号", "intermediate", datetime.date(2025, 5, 10), region_b, o2),
        "b5": broker("五号", "intermediate", datetime.date(2024, 11, 3), region_a, o1),
        "b6": broker("六号", "senior", datetime.date(2025, 5, 20), region_b, None),
    }
    for key in ("b1", "b2", "b3", "b4"):
        enrol(b[key], cohort)
    for key in ("b1", "b2", "b4"):
        completed(b[key], lesson10)
    completed(b["b3"], lesson4)
    grader = UserFactory(roles=["trainer"])
    a1 = released_attempt(sitting, b["b1"], score="80", passed=True)
    a2 = released_attempt(sitting, b["b2"], score="40", passed=False)
    a4 = released_attempt(sitting, b["b4"], score="90", passed=True)
    mark_after(a1, hours=2, grader=grader)
    mark_after(a2, hours=4, grader=grader)
    mark_after(a4, hours=10, grader=grader)
    approved_record(b["b1"], contract_amount=Decimal("500000"),
                    technical_income=Decimal("400000"), contract_date=datetime.date(2025, 3, 18))
    approved_record(b["b4"], contract_amount=Decimal("300000"), technical_income=None,
                    contract_date=datetime.date(2025, 4, 2))
    PracticeRecordFactory(broker=b["b2"], contract_date=datetime.date(2025, 3, 1))
    return Population(region_a, region_b, o1, o2, cohort, sitting, paper, b)


@pytest.fixture
def bureau_client(client, auditor, mfa_enrolled):
    mfa_enrolled(auditor)
    client.force_login(auditor)
    return client


def certificate_for(broker, *, level_code: str = "intermediate", status: str = "valid",
                    valid_until: datetime.date | None = None,
                    issued_at: datetime.datetime | None = None):
    """A certificate row as issuance leaves it (no PDF or credential: the lists do not need
    them)."""
    from certificates.models import Certificate

    issued_at = issued_at or timezone.now() - datetime.timedelta(days=30)
    return Certificate.objects.create(
        broker=broker, level=level(level_code), serial=f"TEST-{next(_codes):06d}",
        holder_name=broker.full_name, issued_at=issued_at,
        valid_from=timezone.localdate(issued_at), valid_until=valid_until, status=status,
        status_changed_at=issued_at, subject_salt="0" * 32,
        revoked_at=issued_at if status == "revoked" else None,
    )


@pytest.fixture
def cached_figures(settings):
    """The dashboard's figures kept in the (emptied) cache for 60 s, as in production."""
    settings.ACADEMY_TALENT_FIGURES_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()
