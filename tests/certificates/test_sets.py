"""Which requirement set judges a broker: versions, enrolment dates, an admin's move."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from certificates.models import BrokerRequirementSet, RequirementSet
from certificates.selectors.readiness import (
    SOURCE_ASSIGNED,
    SOURCE_CURRENT,
    SOURCE_ENROLMENT,
    TOTAL_HOURS,
    broker_readiness,
    brokers_readiness,
)
from certificates.services import (
    broker_requirement_set_assign,
    requirement_set_changed,
    requirement_set_new_version,
    requirement_set_publish,
)
from tests.certificates.conftest import ago, course_of, earn
from tests.certificates.factories import requirement_set
from tests.courses.factories import CohortFactory, EnrolmentFactory
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


def _total(readiness):
    return next(r for r in readiness.requirements if r.kind == TOTAL_HOURS)


@pytest.fixture
def v1_then_v2(cohort):
    """v1 in force a year ago (40 hours); v2 in force since 10 days ago (64 hours)."""
    v1 = requirement_set(version=1, total_hours=Decimal("40"), effective_from=ago(days=365))
    v2 = requirement_set(version=2, total_hours=Decimal("64"), effective_from=ago(days=10),
                         is_current=True)
    return v1, v2


def _enrolled_at(broker, cohort, when):
    return EnrolmentFactory(user=broker, cohort=cohort, enrolled_at=when)


def test_a_broker_is_judged_by_the_set_in_force_when_they_enrolled(broker, cohort, v1_then_v2):
    v1, v2 = v1_then_v2
    _enrolled_at(broker, cohort, ago(days=100))
    late = BrokerFactory()
    _enrolled_at(late, cohort, ago(days=2))
    answers = brokers_readiness([broker.pk, late.pk])
    assert answers[broker.pk].requirement_set == v1
    assert answers[broker.pk].set_source == SOURCE_ENROLMENT
    assert answers[late.pk].requirement_set == v2
    assert broker_readiness(broker) == answers[broker.pk]
    assert broker_readiness(late) == answers[late.pk]


def test_a_broker_not_enrolled_is_judged_by_the_set_in_force_now(broker, v1_then_v2):
    answer = broker_readiness(broker)
    assert answer.requirement_set == v1_then_v2[1] and answer.set_source == SOURCE_CURRENT


def test_enrolling_before_the_first_set_means_the_first_set(broker, cohort):
    first = requirement_set(version=1, total_hours=Decimal("10"), effective_from=ago(days=5))
    _enrolled_at(broker, cohort, ago(days=50))
    assert broker_readiness(broker).requirement_set == first


def test_the_earliest_enrolment_toward_the_level_counts(broker, cohort, programme, v1_then_v2):
    _enrolled_at(broker, CohortFactory(programme=programme), ago(days=2))
    _enrolled_at(broker, cohort, ago(days=100))
    assert broker_readiness(broker).requirement_set == v1_then_v2[0]


def test_a_set_changed_midway_keeps_enrolled_brokers_on_their_version(
    broker, cohort, programme, admin_user, v1_then_v2
):
    """A new version in force does not move brokers already on their way."""
    v1, v2 = v1_then_v2
    _enrolled_at(broker, cohort, ago(days=100))
    earn(broker, course_of(programme, "policy"), "40")
    assert broker_readiness(broker).ready
    v3 = requirement_set_new_version(source=v2, actor=admin_user)
    v3.total_hours = Decimal("80")
    v3.save()
    requirement_set_publish(requirement_set=v3, actor=admin_user)
    assert broker_readiness(broker).requirement_set == v1
    assert broker_readiness(broker).ready


def test_editing_the_set_in_force_changes_the_answer(broker, cohort, programme, admin_user,
                                                     v1_then_v2):
    v1, _ = v1_then_v2
    _enrolled_at(broker, cohort, ago(days=100))
    earn(broker, course_of(programme, "policy"), "40")
    assert broker_readiness(broker).ready
    v1.total_hours = Decimal("48")
    v1.save()
    requirement_set_changed(requirement_set=v1, actor=admin_user, before={"total_hours": "40"})
    answer = broker_readiness(broker)
    assert not answer.ready and _total(answer).required == Decimal("48")
    assert AuditEvent.objects.filter(action="certificates.requirement_set_changed").exists()


def test_an_admin_moves_a_broker_to_the_new_version_audited(broker, cohort, admin_user,
                                                            v1_then_v2):
    v1, v2 = v1_then_v2
    _enrolled_at(broker, cohort, ago(days=100))
    assert broker_readiness(broker).requirement_set == v1
    broker_requirement_set_assign(broker=broker, requirement_set=v2, actor=admin_user,
                                  reason="参加2026年新版培训")
    answer = broker_readiness(broker)
    assert answer.requirement_set == v2 and answer.set_source == SOURCE_ASSIGNED
    assert brokers_readiness([broker.pk])[broker.pk] == answer
    event = AuditEvent.objects.get(action="certificates.broker_requirement_set_assigned")
    assert event.person_id == broker.pk and event.actor_id == admin_user.pk
    assert event.before == {"requirement_set": None}
    assert event.after["requirement_set"] == v2.pk
    # Moving back replaces the assignment (one per broker and level).
    broker_requirement_set_assign(broker=broker, requirement_set=v1, actor=admin_user)
    assert BrokerRequirementSet.objects.get(broker=broker).requirement_set == v1


def test_only_admins_assign_and_only_sets_in_force(broker, trainer, admin_user, v1_then_v2):
    with pytest.raises(PermissionDenied):
        broker_requirement_set_assign(broker=broker, requirement_set=v1_then_v2[0],
                                      actor=trainer)
    draft = requirement_set(version=9, total_hours=Decimal("1"), effective_from=None)
    with pytest.raises(ApplicationError):
        broker_requirement_set_assign(broker=broker, requirement_set=draft, actor=admin_user)


def test_a_new_version_copies_every_row_as_a_draft(admin_user, programme, v1_then_v2):
    from tests.exams.factories import PaperFactory

    _, v2 = v1_then_v2
    v2.practice_records = 2
    v2.save()
    source = requirement_set(version=3, areas={"policy": "12"},
                             courses={course_of(programme, "policy"): "6"},
                             exams={PaperFactory(): "80"}, months_at_previous_level=24,
                             effective_from=ago(days=1))
    draft = requirement_set_new_version(source=source, actor=admin_user)
    assert draft.version == 4 and draft.is_draft and not draft.is_current
    assert list(draft.area_hours.values_list("area__code", "hours")) == [("policy",
                                                                          Decimal("12.00"))]
    assert draft.course_hours.count() == 1 and draft.exams.get().min_percent == Decimal("80")
    assert draft.months_at_previous_level == 24


def test_publishing_makes_the_draft_current_and_refuses_an_empty_one(admin_user, v1_then_v2):
    _, v2 = v1_then_v2
    draft = requirement_set_new_version(source=v2, actor=admin_user)
    published = requirement_set_publish(requirement_set=draft, actor=admin_user)
    assert published.is_current and published.effective_from is not None
    assert list(RequirementSet.objects.filter(is_current=True)) == [published]
    with pytest.raises(ApplicationError):
        requirement_set_publish(requirement_set=published, actor=admin_user)
    empty = requirement_set(version=20, effective_from=None)
    with pytest.raises(ApplicationError):
        requirement_set_publish(requirement_set=empty, actor=admin_user)
    assert AuditEvent.objects.filter(action="certificates.requirement_set_published").count() == 1


def test_one_current_set_per_level_is_a_database_rule(v1_then_v2):
    from django.db import IntegrityError, transaction

    v1, _ = v1_then_v2
    v1.is_current = True
    with pytest.raises(IntegrityError), transaction.atomic():
        v1.save()
