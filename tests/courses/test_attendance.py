"""Offline sessions: the trainer's list and the QR check-in with a signed, expiring token."""

import datetime
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.core import signing
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from courses.models import Attendance
from courses.selectors import broker_hours
from courses.services import attendance_checkin, attendance_checkin_token, attendance_record
from courses.services.attendance import CHECKIN_SALT
from tests.courses.factories import OfflineSessionFactory, enrol
from tests.factories import BrokerFactory

# Service messages are asserted in their English source wording.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def session(cohort):
    return OfflineSessionFactory(cohort=cohort, class_hours=Decimal("4"))


def test_checkin_credits_session_hours(enrolled, session):
    token = attendance_checkin_token(session=session).token
    attendance, created = attendance_checkin(token=token, user=enrolled)
    assert created and attendance.method == Attendance.Method.QR
    assert broker_hours(user_ids=[enrolled.pk])[enrolled.pk].offline == Decimal("4.00")


def test_checkin_twice_counts_once(enrolled, session):
    token = attendance_checkin_token(session=session).token
    attendance_checkin(token=token, user=enrolled)
    _, created = attendance_checkin(token=token, user=enrolled)
    assert not created
    assert Attendance.objects.filter(user=enrolled).count() == 1


def test_someone_elses_token_checks_in_the_scanner_only(enrolled, cohort, session):
    other = BrokerFactory()
    enrol(other, cohort)
    shown_to_other = attendance_checkin_token(session=session).token
    attendance, _ = attendance_checkin(token=shown_to_other, user=enrolled)
    assert attendance.user == enrolled
    assert not Attendance.objects.filter(user=other).exists()


def test_checkin_refused_before_the_window(enrolled, session):
    token = attendance_checkin_token(session=session).token
    with pytest.raises(ApplicationError, match="opens at"):
        attendance_checkin(token=token, user=enrolled,
                           now=session.checkin_opens_at - datetime.timedelta(minutes=1))
    assert not Attendance.objects.exists()


def test_checkin_refused_after_the_window(enrolled, session):
    token = attendance_checkin_token(session=session).token
    with pytest.raises(ApplicationError, match="closed at"):
        attendance_checkin(token=token, user=enrolled,
                           now=session.checkin_closes_at + datetime.timedelta(seconds=1))
    assert not Attendance.objects.exists()


def test_forged_token_refused(enrolled, session):
    forged = signing.TimestampSigner(salt=CHECKIN_SALT, key="not-the-secret-key").sign_object(
        {"s": session.pk, "w": [0, 0]}
    )
    for token in (forged, "garbage", attendance_checkin_token(session=session).token + "x"):
        with pytest.raises(ApplicationError, match="not valid"):
            attendance_checkin(token=token, user=enrolled)
    assert not Attendance.objects.exists()


def test_expired_token_refused(enrolled, session, settings):
    settings.ACADEMY_CHECKIN_TOKEN_SECONDS = 60
    token = attendance_checkin_token(session=session).token
    with mock.patch("time.time", return_value=time.time() + 61), \
            pytest.raises(ApplicationError, match="expired"):
        attendance_checkin(token=token, user=enrolled)
    assert not Attendance.objects.exists()


def test_token_voided_when_window_changes(enrolled, session):
    token = attendance_checkin_token(session=session).token
    session.checkin_closes_at += datetime.timedelta(hours=1)
    session.save()
    with pytest.raises(ApplicationError, match="changed"):
        attendance_checkin(token=token, user=enrolled)


def test_broker_outside_the_cohort_cannot_check_in(session):
    token = attendance_checkin_token(session=session).token
    with pytest.raises(ApplicationError, match="not enrolled"):
        attendance_checkin(token=token, user=BrokerFactory())


def test_trainer_list_adds_and_removes_with_audit(enrolled, cohort, session, trainer):
    other = BrokerFactory()
    enrol(other, cohort)
    attendance_record(session=session, actor=trainer, present_user_ids=[enrolled.pk, other.pk])
    assert broker_hours(user_ids=[other.pk])[other.pk].offline == Decimal("4.00")
    attendance_record(session=session, actor=trainer, present_user_ids=[enrolled.pk])
    assert set(Attendance.objects.values_list("user_id", flat=True)) == {enrolled.pk}
    removed = AuditEvent.objects.get(action="courses.attendance_removed")
    assert removed.person_id == other.pk and removed.before["credited_hours"] == "4.00"
    assert AuditEvent.objects.filter(action="courses.attendance_recorded").count() == 2


def test_trainer_list_refuses_brokers_of_other_cohorts(session, trainer):
    with pytest.raises(ApplicationError):
        attendance_record(session=session, actor=trainer, present_user_ids=[BrokerFactory().pk])


def test_trainer_may_record_after_the_window(enrolled, cohort, trainer):
    past = OfflineSessionFactory(cohort=cohort,
                                 starts_at=timezone.now() - datetime.timedelta(days=3))
    attendance_record(session=past, actor=trainer, present_user_ids=[enrolled.pk])
    assert Attendance.objects.filter(session=past, user=enrolled).exists()
