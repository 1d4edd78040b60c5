"""A world in which every sweep has somebody to remind, at any size.

``build(n)`` makes ``n`` brokers in one running cohort (a course due tomorrow, one overdue,
the cohort ending in three days, a session tomorrow, nobody active for three weeks), an exam
opening within the day, one closing within the day that half of them submitted (their essay
answers wait for grading for four days), auto-submitted and released attempts, pending
invitations, practice records waiting for review and just reviewed. Rows are written
directly (bulk where it matters) so that sizes of a few dozen stay fast.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from academy.people.models import Invitation, PracticeRecord
from courses.models import Enrolment
from exams.models import Answer, Attempt, AttemptItem
from tests.courses.factories import (
    CohortFactory,
    DeadlineFactory,
    OfflineSessionFactory,
    programme_with_lessons,
)
from tests.exams.factories import QuestionFactory, SittingFactory, fixed_paper
from tests.factories import BrokerFactory, UserFactory


@dataclass
class World:
    brokers: list
    trainer: object
    admin: object
    cohort: object


def _attempt(sitting, user, *, number: int, submitted_at, status, auto=False,
             released_at=None) -> Attempt:
    return Attempt.objects.create(
        sitting=sitting, user=user, number=1, seed=number, started_at=submitted_at,
        deadline=submitted_at, submitted_at=submitted_at, status=status, auto_submitted=auto,
        code=f"W{sitting.pk:04d}-{user.pk:06d}", score=Decimal("8"), max_score=Decimal("10"),
        passed=True, released_at=released_at,
    )


def build(n: int) -> World:
    now = timezone.now()
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    trainer = UserFactory(roles=["trainer"])
    admin = UserFactory(roles=["admin"])
    programme = programme_with_lessons(courses=2, modules=1, lessons=2)
    due_soon, overdue = [pc.course for pc in programme.programme_courses.order_by("order")]
    cohort = CohortFactory(programme=programme, starts_on=today - 40 * day,
                           ends_on=today + 3 * day, trainers=[trainer])
    DeadlineFactory(cohort=cohort, course=due_soon, due_on=today + day)
    DeadlineFactory(cohort=cohort, course=overdue, due_on=today - 2 * day)
    OfflineSessionFactory(cohort=cohort, starts_at=now + day, ends_at=now + day + 2 * day / 24)

    brokers = [BrokerFactory() for _ in range(n)]
    Enrolment.objects.bulk_create([
        Enrolment(cohort=cohort, user=b, enrolled_at=now - 22 * day) for b in brokers
    ])

    SittingFactory(cohort=cohort, opens_at=now + day / 2, closes_at=now + 3 * day)
    question = QuestionFactory(type="short")
    closing = SittingFactory(cohort=cohort, paper=fixed_paper([question]),
                             opens_at=now - 5 * day, closes_at=now + day / 3)
    finished = SittingFactory(cohort=cohort, opens_at=now - 3 * day, closes_at=now - day)
    version = question.current_version
    for i, broker in enumerate(brokers):
        # Half submitted the closing exam four days ago; their essays wait for grading.
        if i % 2 == 0:
            attempt = _attempt(closing, broker, number=i, submitted_at=now - 4 * day,
                               status=Attempt.Status.SUBMITTED)
            item = AttemptItem.objects.create(attempt=attempt, position=0,
                                              question_version=version, points=Decimal("10"))
            Answer.objects.create(attempt=attempt, item=item, value="技术经纪人的作用……",
                                  saved_at=now - 4 * day,
                                  grading_status=Answer.GradingStatus.PENDING)
        # Everybody's earlier exam: auto-submitted an hour ago, or released today.
        if i % 2:
            _attempt(finished, broker, number=i, submitted_at=now - day / 24,
                     status=Attempt.Status.SUBMITTED, auto=True)
        else:
            _attempt(finished, broker, number=i, submitted_at=now - day / 2,
                     status=Attempt.Status.RELEASED, released_at=now - day / 24)
        PracticeRecord.objects.create(
            broker=broker, contract_name=f"技术转让合同{i}", registration_number=f"R{i:06d}",
            registry="三门峡市技术合同登记处", party_a="甲方", party_b="乙方",
            contract_amount=Decimal("100000"), contract_date=today - 30 * day,
            status=PracticeRecord.Status.SUBMITTED, submitted_at=now - 5 * day,
        )
        PracticeRecord.objects.create(
            broker=broker, contract_name=f"技术开发合同{i}", registration_number=f"D{i:06d}",
            registry="三门峡市技术合同登记处", party_a="甲方", party_b="乙方",
            contract_amount=Decimal("50000"), contract_date=today - 30 * day,
            status=PracticeRecord.Status.APPROVED, submitted_at=now - 3 * day,
            reviewed_at=now - day, reviewed_by=admin,
        )
    # Every broker holds a certificate expiring in 20 days (the 30-day band): junior ones
    # need 10 renewal hours (none earned); the first broker's is senior, whose level asks for
    # none (so they are simply told that it expires).
    from certificates.models.issued import Certificate, CertificatePolicy
    from tests.factories import level

    CertificatePolicy.objects.get_or_create(level=level("junior"),
                                            defaults={"validity_months": 36,
                                                      "renewal_hours": Decimal("10")})
    for i, broker in enumerate(brokers):
        Certificate.objects.create(
            broker=broker, level=level("junior" if i else "senior"),
            serial=f"W-{broker.pk:08d}", holder_name=broker.full_name, issued_at=now,
            valid_from=today - 700 * day, valid_until=today + 20 * day, subject_salt="s",
        )
    from tests.courses.factories import completed

    completed(brokers[0], programme.programme_courses.first().course.modules.first()
              .lessons.first(), hours=Decimal("2"), when=now - 30 * day)
    invitees = [UserFactory(roles=["broker"]) for _ in range(n)]
    Invitation.objects.bulk_create([
        Invitation(user=u, token_hash=f"{u.pk:064d}", sent_at=now - 4 * day,
                   expires_at=now + 10 * day) for i, u in enumerate(invitees)
    ])
    return World(brokers=brokers, trainer=trainer, admin=admin, cohort=cohort)


#: What each sweep creates per world of n brokers (rows of the reminder log, all channels).
def expected_rows(n: int) -> dict[str, int]:
    half_up, half_down = (n + 1) // 2, n // 2
    return {
        "courses.deadline_approaching": 2 * (2 * n),  # course due tomorrow + cohort's end
        "courses.session_tomorrow": 2 * n,
        "courses.inactive_brokers": 2 * n,
        "courses.trainer_overdue_digest": 2,
        "exams.window_opening": 2 * n,
        "exams.window_closing": 2 * half_down,
        "exams.auto_submitted": 2 * half_down,
        "exams.results_released": 2 * half_up,
        "exams.grading_backlog": 2,
        "people.invitation_pending": n,  # e-mail only: the invitee cannot sign in yet
        "people.practice_waiting_review": 2,  # the admin: in-app and e-mail
        "people.practice_reviewed": 2 * n,  # in the app and by e-mail, like any kind
        "notifications.delivery_failed": 0,
        "certificates.expiring": 2 * n,
    }
