"""The demo's funnel after a worker ran: every step holds brokers who stopped there, the ready
brokers among them, who wait on the ready-for-promotion list for the admin to issue them.

Real commits (``transaction=True``), so that every task the seeding queues runs as the eager
worker of the test settings runs it; then the beat's readiness and issuance sweeps run too."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from academy.people.models import User
from certificates.demo import FUNNEL_AWAITING, FUNNEL_READY
from certificates.models.issued import Certificate
from certificates.selectors.readiness_sets import STEP_KEYS, ready_for_promotion
from certificates.tasks import certificates_issue_sweep, readiness_sweep
from courses.demo import COHORT_CODE
from talent.selectors import TalentFilters
from talent.selectors.funnel import funnel

pytestmark = pytest.mark.django_db(transaction=True)


def _juniors() -> list[str]:
    return list(User.objects.filter(broker_profile__level__code="junior",
                                     enrolments__cohort__code=COHORT_CODE,
                                     enrolments__status="active")
                .order_by("email").values_list("email", flat=True))


def test_after_a_worker_ran_every_step_holds_brokers_and_the_ready_ones_wait_for_the_admin():
    call_command("seed_demo", "--force", stdout=StringIO())
    # apply() has run the task already; get() only hands back its result. Celery's guard
    # against waiting inside a task is one flag for the whole process, which an eager task
    # running in another thread (the live server of a browser test) sets for its duration.
    readiness_sweep.apply(kwargs={"after_id": 0}).get(disable_sync_subtasks=False)
    certificates_issue_sweep.apply(kwargs={"after_id": 0}).get(disable_sync_subtasks=False)

    steps, _req = funnel(TalentFilters())
    counts = {step.key: step.count for step in steps}
    assert list(counts) == list(STEP_KEYS)
    stopped = {key: counts[key] - counts[after]
               for key, after in zip(STEP_KEYS, STEP_KEYS[1:], strict=False)}
    stopped["certified"] = counts["certified"]
    # Enrolled only, hours met without an exam, awaiting grading, passed without practice,
    # practice without the months, ready but not certified, certified.
    assert all(n > 0 for n in stopped.values()), counts
    assert stopped["exams_sat"] == len(FUNNEL_AWAITING)  # awaiting grading
    assert stopped["ready"] == len(FUNNEL_READY)  # ready, not certified

    waiting = [pk for pk, _level in ready_for_promotion()]
    assert sorted(User.objects.filter(pk__in=waiting).values_list("email", flat=True)) \
        == [_juniors()[i] for i in FUNNEL_READY]
    assert not Certificate.objects.filter(broker_id__in=waiting).exists()
