"""On PostgreSQL: the holder, an administrator and the daily task renewing the same
certificate at the same moment leave exactly one renewal, one audit event, one notification."""

from __future__ import annotations

from decimal import Decimal

import pytest

from academy.audit.models import AuditEvent
from academy.notifications.models import Notification
from certificates.models.issued import Certificate, CertificatePolicy
from certificates.services.renewal import certificate_renew, certificates_renew_due
from tests.certificates.conftest import earn
from tests.certificates.issued_fixtures import level, signing_key_tmp  # noqa: F401
from tests.certificates.test_issuance_postgres import _race
from tests.certificates.test_renewal import held
from tests.courses.factories import CourseFactory, area
from tests.factories import BrokerFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_renewals_renew_exactly_once(postgres, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    CertificatePolicy.objects.create(level=level("intermediate"), validity_months=36,
                                     renewal_hours=Decimal("12"))
    broker = BrokerFactory()
    admin = UserFactory(roles=["admin"])
    old = held(broker, expires_in=15)
    earn(broker, CourseFactory(area=area("policy")), "12")
    outcomes = _race(
        [lambda: certificate_renew(certificate_id=old.pk, actor=broker)] * 3
        + [lambda: certificate_renew(certificate_id=old.pk, actor=admin)] * 2
        + [certificates_renew_due]
    )
    assert outcomes == [None] * 6
    assert Certificate.objects.filter(broker=broker).count() == 2
    assert Certificate.objects.filter(broker=broker, status="valid",
                                      renewed_from=old).count() == 1
    assert Certificate.objects.get(pk=old.pk).status == Certificate.Status.SUPERSEDED
    assert AuditEvent.objects.filter(action="certificates.renewed").count() == 1
    assert AuditEvent.objects.filter(action="certificates.issued",
                                     after__source="renewal").count() == 1
    assert Notification.objects.filter(recipient=broker, kind="certificate_renewed").count() == 1
