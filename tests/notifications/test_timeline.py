"""A cohort's whole timeline, day by day: exactly which e-mails and in-app notifications each
person gets, once each, with every sweep run twice a day.

The cohort runs from 1 March to 30 April 2026 with two required courses (A due 20 March, B due
15 April), an offline session on 10 March and an exam from 20 to 22 April.

- Alice finishes everything on 2–3 March, sits the exam on 20 April and gets her result on
  25 April: she hears only of the session, the exam window opening and her result.
- Bob does nothing: every deadline band (7, 3, 1 days) of A, B and the cohort's end, the
  session, inactivity after 21 and 42 days, the exam window opening and closing.
- Carol did one lesson on 5 March; she wants course deadlines only in the app, no inactivity
  nudges, the session in her daily digest and no exam e-mails (which are mandatory: she gets
  them anyway).
- Tom, their trainer, gets the daily list of overdue brokers from 21 March to 30 April.
"""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.core import mail

from academy.notifications.models import NotificationPreference
from academy.notifications.services import digests_send, reminders_send_due
from academy.notifications.sweeps import sweeps_run_all
from exams.models import Attempt
from exams.services import result_released
from tests.courses.factories import (
    CohortFactory,
    DeadlineFactory,
    OfflineSessionFactory,
    completed,
    enrol,
    programme_with_lessons,
)
from tests.exams.factories import SittingFactory
from tests.factories import BrokerFactory, UserFactory
from tests.notifications.conftest import inapp, local, sent_emails

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 1)
END = datetime.date(2026, 5, 2)


def _world(clock):
    clock.go(local(2026, 3, 1, 9))
    programme = programme_with_lessons(courses=2, modules=1, lessons=2)
    course_a, course_b = [pc.course for pc in programme.programme_courses.order_by("order")]
    tom = UserFactory(roles=["trainer"], email="tom@example.test")
    cohort = CohortFactory(programme=programme, starts_on=START,
                           ends_on=datetime.date(2026, 4, 30), trainers=[tom])
    DeadlineFactory(cohort=cohort, course=course_a, due_on=datetime.date(2026, 3, 20))
    DeadlineFactory(cohort=cohort, course=course_b, due_on=datetime.date(2026, 4, 15))
    people = {}
    for name in ("alice", "bob", "carol"):
        people[name] = BrokerFactory(user__email=f"{name}@example.test")
        enrol(people[name], cohort)
    OfflineSessionFactory(cohort=cohort, starts_at=local(2026, 3, 10, 10),
                          ends_at=local(2026, 3, 10, 12))
    sitting = SittingFactory(cohort=cohort, opens_at=local(2026, 4, 20, 9),
                             closes_at=local(2026, 4, 22, 18))
    carol = people["carol"]
    for kind, choice in (("course_deadline", "inapp"), ("broker_inactive", "off"),
                         ("session_tomorrow", "digest"), ("exam_window_opening", "off"),
                         ("exam_window_closing", "off")):
        NotificationPreference.objects.create(user=carol, kind=kind, choice=choice)
    lessons = {c.pk: list(c.modules.get().lessons.order_by("order")) for c in (course_a,
                                                                             course_b)}
    return {"tom": tom, **people, "sitting": sitting, "a": lessons[course_a.pk],
            "b": lessons[course_b.pk]}


def _events(world):
    """What people do, by (month, day)."""

    def alice_learns_a():
        for lesson in world["a"]:
            completed(world["alice"], lesson)

    def alice_learns_b():
        for lesson in world["b"]:
            completed(world["alice"], lesson)

    def carol_learns():
        completed(world["carol"], world["a"][0])

    def alice_sits():
        from django.utils import timezone

        now = timezone.now()
        world["attempt"] = Attempt.objects.create(
            sitting=world["sitting"], user=world["alice"], seed=1, started_at=now,
            deadline=now + datetime.timedelta(hours=1), submitted_at=now,
            status=Attempt.Status.GRADED, code="ALIC-E001", score=43, max_score=50, passed=True,
        )

    def alice_result():
        from django.utils import timezone

        attempt = world["attempt"]
        attempt.status = Attempt.Status.RELEASED
        attempt.released_at = timezone.now()
        attempt.save(update_fields=["status", "released_at"])
        result_released.send(sender=Attempt, attempt=attempt, regraded=False)

    return {(3, 2): alice_learns_a, (3, 3): alice_learns_b, (3, 5): carol_learns,
            (4, 20): alice_sits, (4, 25): alice_result}


def _run_the_day(committed):
    for _ in range(2):  # every sweep twice: the second run must change nothing
        committed(sweeps_run_all)
        committed(digests_send)
        committed(reminders_send_due)


def _expected() -> tuple[Counter, Counter]:
    emails, notes = Counter(), Counter()

    def both(who, kind, window, *, email=True, note=True):
        if email:
            emails[(f"{who}@example.test", kind, window)] += 1
        if note:
            notes[(f"{who}@example.test", kind, window)] += 1

    for who, email in (("bob", True), ("carol", False)):
        for due in ("2026-03-20", "2026-04-15"):
            for band in (7, 3, 1):
                both(who, "course_deadline", f"due-{due}:{band}d", email=email)
    for who in ("bob", "carol"):
        for band in (7, 3, 1):
            both(who, "cohort_deadline", f"ends-2026-04-30:{band}d")
        both(who, "exam_window_closing", "closes-2026-04-22T18:00")
    for who in ("alice", "bob", "carol"):
        both(who, "exam_window_opening", "opens-2026-04-20T09:00")
    both("alice", "session_tomorrow", "session-2026-03-10T10:00")
    both("bob", "session_tomorrow", "session-2026-03-10T10:00")
    both("carol", "session_tomorrow", "session-2026-03-10T10:00", email=False)
    both("bob", "broker_inactive", "idle-since-2026-03-01:1")
    both("bob", "broker_inactive", "idle-since-2026-03-01:2")
    both("alice", "exam_result_released", "released")
    day = datetime.date(2026, 3, 21)
    while day <= datetime.date(2026, 4, 30):
        both("tom", "trainer_overdue_digest", f"overdue-{day:%Y-%m-%d}")
        day += datetime.timedelta(days=1)
    return emails, notes


def test_a_cohort_timeline_reminds_each_person_of_each_thing_once(clock, committed):
    world = _world(clock)
    events = _events(world)
    day = START
    while day <= END:
        clock.go(local(day.year, day.month, day.day, 9))
        action = events.get((day.month, day.day))
        if action:
            committed(action)
        _run_the_day(committed)
        day += datetime.timedelta(days=1)

    emails, notes = _expected()
    got_emails = sent_emails()
    # Carol's digest: the session, the morning after she was told in the app.
    digest = [key for key in got_emails if key[1] == "daily_digest"]
    assert [key[0] for key in digest] == ["carol@example.test"]
    assert got_emails.pop(digest[0]) == 1
    assert got_emails == emails
    assert inapp() == notes
    assert len(mail.outbox) == sum(emails.values()) + 1
    assert max(got_emails.values()) == 1
