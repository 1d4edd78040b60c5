"""Enrolment by admins (one by one, in bulk) and by brokers themselves."""

import datetime

import pytest
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from courses.models import Enrolment
from courses.services import enrolment_bulk_create, enrolment_create, enrolment_self
from tests.courses.factories import CohortFactory
from tests.factories import BrokerFactory, UserFactory, level

# Service messages are asserted in their English source wording.
pytestmark = pytest.mark.usefixtures("english")


def test_admin_enrols_one_broker_with_audit(cohort, broker, admin_user):
    enrolment = enrolment_create(cohort=cohort, user=broker, actor=admin_user)
    assert enrolment.enrolled_by == admin_user
    event = AuditEvent.objects.get(action="courses.enrolment_created")
    assert event.person_id == broker.pk and event.actor_id == admin_user.pk


def test_enrolling_twice_is_refused(cohort, broker, admin_user):
    enrolment_create(cohort=cohort, user=broker, actor=admin_user)
    with pytest.raises(ApplicationError, match="already enrolled"):
        enrolment_create(cohort=cohort, user=broker, actor=admin_user)


def test_only_brokers_can_be_enrolled(cohort, admin_user):
    with pytest.raises(ApplicationError, match="not a broker"):
        enrolment_create(cohort=cohort, user=UserFactory(), actor=admin_user)


def test_bulk_by_level_skips_those_already_enrolled(cohort, admin_user):
    juniors = [BrokerFactory() for _ in range(3)]
    BrokerFactory(level=level("intermediate"))
    enrolment_create(cohort=cohort, user=juniors[0], actor=admin_user)
    result = enrolment_bulk_create(cohort=cohort, actor=admin_user, level="junior")
    assert len(result.created) == 2 and result.already == [juniors[0]]
    assert Enrolment.objects.filter(cohort=cohort).count() == 3


def test_bulk_by_emails_is_all_or_nothing(cohort, admin_user):
    a, b = BrokerFactory(), BrokerFactory()
    with pytest.raises(ApplicationError, match="nobody@example.test"):
        enrolment_bulk_create(cohort=cohort, actor=admin_user,
                              emails=f"{a.email}\n nobody@example.test")
    assert not Enrolment.objects.exists()
    result = enrolment_bulk_create(cohort=cohort, actor=admin_user,
                                   emails=f"{a.email.upper()}, {b.email}")
    assert len(result.created) == 2


def test_bulk_needs_some_criterion(cohort, admin_user):
    with pytest.raises(ApplicationError):
        enrolment_bulk_create(cohort=cohort, actor=admin_user)


def test_broker_enrols_in_open_cohort(programme, broker):
    cohort = CohortFactory(programme=programme, is_open_for_enrolment=True)
    enrolment = enrolment_self(cohort=cohort, user=broker)
    assert enrolment.enrolled_by == broker
    with pytest.raises(ApplicationError, match="already"):
        enrolment_self(cohort=cohort, user=broker)


@pytest.mark.parametrize("case", ["closed", "ended", "other_level"])
def test_broker_cannot_enrol_where_not_allowed(programme, case):
    cohort = CohortFactory(programme=programme, is_open_for_enrolment=case != "closed")
    if case == "ended":
        cohort.starts_on = timezone.localdate() - datetime.timedelta(days=90)
        cohort.ends_on = timezone.localdate() - datetime.timedelta(days=1)
        cohort.save()
    broker = BrokerFactory(level=level("intermediate" if case == "other_level" else "junior"))
    with pytest.raises(ApplicationError):
        enrolment_self(cohort=cohort, user=broker)
    assert not Enrolment.objects.exists()
