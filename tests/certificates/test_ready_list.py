"""The ready-for-promotion list: brokers the engine finds ready and who hold no certificate,
with their evidence; an administrator issues one or all; bulk runs name unmet requirements
in words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from academy.audit.models import AuditEvent
from certificates.models.issued import Certificate
from certificates.selectors.readiness import broker_readiness
from certificates.selectors.readiness_sets import ready_for_promotion
from tests.certificates.conftest import course_of, earn
from tests.certificates.factories import approved_record, requirement_set
from tests.courses.factories import enrol
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_brokers(programme, cohort):
    """Two brokers who meet every requirement (never evaluated: no certificate yet) and one
    who does not."""
    requirement_set(total_hours=Decimal("8"), practice_records=1)
    brokers = []
    for hours in ("10", "9", "2"):
        broker = BrokerFactory()
        enrol(broker, cohort)
        earn(broker, course_of(programme, "policy"), hours)
        approved_record(broker)
        brokers.append(broker)
    return brokers


@pytest.fixture
def admin_client(client, admin_user, mfa_enrolled):
    mfa_enrolled(admin_user)
    client.force_login(admin_user)
    return client


def test_the_list_holds_the_ready_brokers_without_a_certificate(ready_brokers):
    a, b, c = ready_brokers
    assert [pk for pk, _level in ready_for_promotion()] == [a.pk, b.pk]
    for pk, _level in ready_for_promotion():
        assert broker_readiness(pk).ready


def test_the_page_shows_each_with_evidence_and_an_admin_issues_one(admin_client, ready_brokers):
    a, b, _c = ready_brokers
    body = admin_client.get(reverse("certificates:ready_list")).content.decode()
    assert f'data-broker="{a.pk}"' in body and f'data-broker="{b.pk}"' in body
    assert "10 of 8 class hours" in body and "1 of 1 approved" in body
    response = admin_client.post(reverse("certificates:ready_list"), {"broker": a.pk})
    assert response.status_code == 302
    certificate = Certificate.objects.get(broker=a)
    assert certificate.broker.broker_profile.level.code == "intermediate"
    event = AuditEvent.objects.get(action="certificates.issued", person_id=a.pk)
    assert event.actor_id is not None
    assert AuditEvent.objects.filter(action="people.level_changed", person_id=a.pk).exists()
    assert [pk for pk, _level in ready_for_promotion()] == [b.pk]


def test_an_admin_issues_all(admin_client, ready_brokers, django_capture_on_commit_callbacks):
    a, b, c = ready_brokers
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("certificates:ready_list"), {"all": "1"})
    assert set(Certificate.objects.values_list("broker_id", flat=True)) == {a.pk, b.pk}
    assert ready_for_promotion() == []


def test_the_auditor_reads_the_list_but_cannot_issue(client, auditor, mfa_enrolled,
                                                     ready_brokers):
    mfa_enrolled(auditor)
    client.force_login(auditor)
    body = client.get(reverse("certificates:ready_list")).content.decode()
    assert 'data-testid="issue-one"' not in body
    assert client.post(reverse("certificates:ready_list"), {"all": "1"}).status_code == 403
    assert not Certificate.objects.exists()


def test_bulk_reasons_name_the_requirement_its_state_and_figure(ready_brokers):
    from certificates.services.bulk import _requirement_gaps

    text = _requirement_gaps(broker_readiness(ready_brokers[2]))
    assert text == "Class hours in total (In progress): 2 of 8 class hours"
    assert "—" not in text and " / " not in text
