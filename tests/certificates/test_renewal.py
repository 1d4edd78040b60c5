"""Renewing a certificate once the renewal hours are met: by the holder, by an administrator
(also as an exemption, with a reason), and by the daily task; exactly once, audited, notified,
with the PDF and the credential made like an issuance's."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from academy.notifications.models import Notification
from certificates import tasks as tasks_issued
from certificates.models.issued import Certificate, CertificatePolicy
from certificates.selectors.readiness import add_months
from certificates.services.issuance import certificate_revoke, certificate_torch_number_set
from certificates.services.renewal import (
    certificate_renew,
    certificate_renewal_hours,
    certificate_renewal_state,
    certificates_renew_due,
    renewal_chain,
)
from tests.certificates.conftest import earn
from tests.certificates.issued_fixtures import issue, level, signing_key_tmp  # noqa: F401
from tests.courses.factories import CourseFactory, area
from tests.factories import BrokerFactory, UserFactory
from tests.notices import shown

pytestmark = pytest.mark.django_db


def _today() -> datetime.date:
    return timezone.localdate()


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour),
                                     tzinfo=timezone.get_current_timezone())


@pytest.fixture
def policy():
    return CertificatePolicy.objects.create(level=level("intermediate"), validity_months=36,
                                            renewal_hours=Decimal("24"))


@pytest.fixture
def course():
    return CourseFactory(area=area("policy"))


def held(broker, *, expires_in: int, months: int = 36) -> Certificate:
    """A certificate of ``broker`` whose last valid day is ``expires_in`` days from today."""
    issued_on = add_months(_today() + datetime.timedelta(days=expires_in + 1), -months)
    certificate = issue(broker, now=_at(issued_on))
    assert certificate.valid_until == _today() + datetime.timedelta(days=expires_in)
    return certificate


def test_only_hours_earned_since_the_certificate_became_valid_count(policy, course):
    broker = BrokerFactory()
    certificate = held(broker, expires_in=30)
    earn(broker, course, "40", when=_at(certificate.valid_from) - datetime.timedelta(days=2))
    earn(broker, course, "6", when=_at(certificate.valid_from + datetime.timedelta(days=100)))
    assert certificate_renewal_hours(certificate_id=certificate.pk) == Decimal("6.00")
    state = certificate_renewal_state(certificate=certificate)
    assert state.applicable and not state.eligible
    assert state.required == Decimal("24") and state.done == Decimal("6.00")
    assert state.missing == Decimal("18.00") and state.percent == 25
    assert "6.00 of the 24.00 class hours" in state.reason and "18.00 to go" in state.reason


def test_hours_that_renewed_a_certificate_do_not_count_again_for_the_next(policy, course):
    broker = BrokerFactory()
    old = held(broker, expires_in=30)
    earn(broker, course, "24", when=timezone.now() - datetime.timedelta(minutes=5))
    new = certificate_renew(certificate_id=old.pk, actor=broker)
    assert new.valid_from == _today()  # the same day as those hours
    assert certificate_renewal_hours(certificate_id=new.pk) == Decimal("0.00")
    earn(broker, course, "2")
    assert certificate_renewal_hours(certificate_id=new.pk) == Decimal("2.00")


def test_renewal_opens_only_within_the_window_before_expiry(policy, course, settings):
    settings.ACADEMY_CERT_RENEWAL_WINDOW_DAYS = 60
    broker = BrokerFactory()
    certificate = held(broker, expires_in=200)
    earn(broker, course, "30")
    state = certificate_renewal_state(certificate=certificate)
    assert not state.eligible
    assert state.opens_on == certificate.valid_until - datetime.timedelta(days=60)
    assert "Renewal opens on" in state.reason
    with pytest.raises(ApplicationError, match="Renewal opens on"):
        certificate_renew(certificate_id=certificate.pk, actor=broker)
    assert certificate_renewal_state(certificate=certificate,
                                     today=state.opens_on).eligible


def test_a_certificate_that_does_not_expire_has_nothing_to_renew():
    certificate = issue(BrokerFactory())
    state = certificate_renewal_state(certificate=certificate)
    assert not state.applicable and not state.eligible
    with pytest.raises(ApplicationError, match="does not expire"):
        certificate_renew(certificate_id=certificate.pk, actor=UserFactory(roles=["admin"]),
                          reason="试试")


def test_the_holder_renews_once_with_everything_an_issuance_has(
        policy, course, django_capture_on_commit_callbacks):
    broker = BrokerFactory()
    old = held(broker, expires_in=30)
    certificate_torch_number_set(certificate_id=old.pk, actor=UserFactory(roles=["admin"]),
                                 number="TJ-2026-0001")
    earn(broker, course, "24", when=_at(_today() - datetime.timedelta(days=5)))
    assert certificate_renewal_state(certificate=old).eligible

    with django_capture_on_commit_callbacks(execute=True):
        new = certificate_renew(certificate_id=old.pk, actor=broker)

    assert new.renewed_now and new.pk != old.pk
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == Certificate.Status.SUPERSEDED
    assert new.status == Certificate.Status.VALID and new.renewed_from_id == old.pk
    assert new.source == Certificate.Source.RENEWAL and new.serial != old.serial
    assert new.valid_from == _today()
    # Renewing early loses nothing: the new one runs on from the old one's last day.
    assert new.valid_until == add_months(old.valid_until + datetime.timedelta(days=1),
                                         36) - datetime.timedelta(days=1)
    assert new.torch_number == "TJ-2026-0001"
    assert new.pdf and new.credential  # queued like an issuance's, run here eagerly
    assert Certificate.objects.filter(broker=broker, status__in=Certificate.ACTIVE).count() == 1
    assert AuditEvent.objects.filter(action="certificates.renewed",
                                     subject_id=str(old.pk)).count() == 1
    issued = AuditEvent.objects.get(action="certificates.issued", subject_id=str(new.pk))
    assert issued.after["renewed_from"] == old.pk and issued.after["source"] == "renewal"
    assert not AuditEvent.objects.filter(action="people.level_changed",
                                         after__certificate=new.serial).exists()
    notices = Notification.objects.filter(recipient=broker, kind="certificate_renewed")
    assert notices.count() == 1 and old.serial in shown(notices.get()).body

    again = certificate_renew(certificate_id=old.pk, actor=broker)
    assert again.pk == new.pk and not again.renewed_now
    assert Notification.objects.filter(recipient=broker, kind="certificate_renewed").count() == 1
    assert renewal_chain(old) == [old, new] and renewal_chain(new) == [old, new]


def test_a_late_renewal_runs_from_today(policy, course):
    broker = BrokerFactory()
    old = held(broker, expires_in=-10)
    earn(broker, course, "24")
    new = certificate_renew(certificate_id=old.pk, actor=broker)
    assert new.valid_until == add_months(_today(), 36) - datetime.timedelta(days=1)


def test_only_the_holder_or_an_administrator_may_renew(policy, course):
    broker = BrokerFactory()
    certificate = held(broker, expires_in=30)
    earn(broker, course, "24")
    for stranger in (BrokerFactory(), UserFactory(roles=["auditor"]),
                     UserFactory(roles=["trainer"])):
        with pytest.raises(PermissionDenied):
            certificate_renew(certificate_id=certificate.pk, actor=stranger)
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID


def test_an_administrator_may_renew_early_only_with_a_reason(policy):
    admin = UserFactory(roles=["admin"])
    broker = BrokerFactory()
    certificate = held(broker, expires_in=300)
    with pytest.raises(ApplicationError):
        certificate_renew(certificate_id=certificate.pk, actor=admin)
    with pytest.raises(ApplicationError):  # the holder has no exemption
        certificate_renew(certificate_id=certificate.pk, actor=broker, reason="请续期")
    new = certificate_renew(certificate_id=certificate.pk, actor=admin, reason="援疆期间豁免")
    event = AuditEvent.objects.get(action="certificates.renewed")
    assert event.after["override"] is True and event.after["reason"] == "援疆期间豁免"
    assert event.actor_id == admin.pk
    assert new.reason == "援疆期间豁免" and new.created_by == admin


def test_a_revoked_certificate_is_not_renewed(policy, course):
    admin = UserFactory(roles=["admin"])
    broker = BrokerFactory()
    certificate = held(broker, expires_in=30)
    earn(broker, course, "24")
    certificate_revoke(certificate_id=certificate.pk, actor=admin, reason="材料造假")
    with pytest.raises(ApplicationError, match="revoked"):
        certificate_renew(certificate_id=certificate.pk, actor=admin, reason="x")
    assert certificates_renew_due() == 0


def test_the_daily_task_renews_what_is_due_and_nothing_else(policy, course):
    done = BrokerFactory()
    due = held(done, expires_in=20)
    earn(done, course, "30")
    short = BrokerFactory()
    held(short, expires_in=20)
    earn(short, course, "10")
    early = BrokerFactory()
    held(early, expires_in=400)
    earn(early, course, "30")
    assert certificates_renew_due() == 1
    assert certificates_renew_due() == 0
    due.refresh_from_db()
    assert due.status == Certificate.Status.SUPERSEDED
    renewal = Certificate.objects.get(renewed_from=due)
    assert renewal.created_by is None and renewal.source == "renewal"
    event = AuditEvent.objects.get(action="certificates.renewed")
    assert event.actor_id is None and event.actor_label == "system"
    assert Certificate.objects.filter(status=Certificate.Status.SUPERSEDED).count() == 1


def test_a_level_that_asks_no_hours_is_renewed_on_request_only():
    CertificatePolicy.objects.create(level=level("intermediate"), validity_months=36)
    broker = BrokerFactory()
    certificate = held(broker, expires_in=20)
    assert certificates_renew_due() == 0
    assert certificate_renewal_state(certificate=certificate).eligible
    assert certificate_renew(certificate_id=certificate.pk, actor=broker).renewed_now


def test_the_daily_task_renews_before_it_expires(policy, course):
    broker = BrokerFactory()
    lapsed = held(broker, expires_in=-1)  # past its last day, the task has not run yet
    earn(broker, course, "24")
    other = held(BrokerFactory(), expires_in=-1)
    tasks_issued.certificates_expire_due()
    lapsed.refresh_from_db()
    other.refresh_from_db()
    assert lapsed.status == Certificate.Status.SUPERSEDED
    assert Certificate.objects.get(renewed_from=lapsed).status == Certificate.Status.VALID
    assert other.status == Certificate.Status.EXPIRED
