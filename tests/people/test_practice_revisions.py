"""A submitted practice record is frozen: a change is a new revision that goes back to review,
and the approval names the revision the reviewer saw, with a hash of its fields and evidence."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from academy.people.models import PracticeRecord, PracticeRecordRevision
from academy.people.practice.api import REVISION_REQUIRED
from academy.people.selectors import revision_content
from academy.people.services import practice_record_review, practice_record_update
from tests.certificates.factories import PNG, upload
from tests.people.test_practice import _english, create  # noqa: F401 - English texts

pytestmark = pytest.mark.django_db


def test_submitting_freezes_the_record_as_a_revision_with_its_hash(broker):
    record = create(broker)
    [revision] = PracticeRecordRevision.objects.filter(record=record)
    assert (record.revision, revision.number) == (1, 1)
    assert revision.fields["contract_amount"] == "500000.00"
    assert [e["sha256"] for e in revision.evidence] == [record.evidence.get().sha256]
    assert revision.content_hash == revision_content(record)[2]


def test_a_change_after_submission_is_a_new_revision_back_to_review(broker):
    record = create(broker)
    record = practice_record_update(record_id=record.pk, actor=broker,
                                    fields={"contract_amount": Decimal("99999999.00")})
    assert record.status == PracticeRecord.Status.SUBMITTED and record.revision == 2
    first, second = PracticeRecordRevision.objects.filter(record=record).order_by("number")
    assert first.fields["contract_amount"] == "500000.00"
    assert second.fields["contract_amount"] == "99999999.00"
    assert first.content_hash != second.content_hash


def test_new_evidence_changes_the_hash(broker):
    record = create(broker)
    practice_record_update(record_id=record.pk, actor=broker, fields={},
                           evidence_add=[upload("合同.png", PNG, "image/png")])
    first, second = PracticeRecordRevision.objects.filter(record=record).order_by("number")
    assert first.fields == second.fields and first.content_hash != second.content_hash
    assert len(second.evidence) == 2


def test_an_approval_of_a_revision_that_changed_since_is_refused(broker, admin_user):
    record = create(broker)
    practice_record_update(record_id=record.pk, actor=broker,
                           fields={"contract_amount": Decimal("99999999.00")})
    with pytest.raises(ApplicationError, match="review it again"):
        practice_record_review(record_id=record.pk, reviewer=admin_user, approve=True,
                               revision=1)
    assert PracticeRecord.objects.get(pk=record.pk).status == PracticeRecord.Status.SUBMITTED


def test_the_approval_names_the_revision_and_its_hash(broker, admin_user):
    record = create(broker)
    practice_record_update(record_id=record.pk, actor=broker,
                           fields={"contract_amount": Decimal("600000")})
    record = practice_record_review(record_id=record.pk, reviewer=admin_user, approve=True,
                                    revision=2)
    approved = PracticeRecord.objects.select_related("approved_revision").get(pk=record.pk)
    assert approved.approved_revision.number == 2
    assert approved.approved_revision.fields["contract_amount"] == "600000.00"
    event = AuditEvent.objects.get(action="people.practice_approved")
    assert event.after["revision"] == 2
    assert event.after["content_hash"] == approved.approved_revision.content_hash


def test_a_patch_through_the_api_makes_a_new_revision_and_the_stale_approval_fails(
        broker, admin_user, mfa_enrolled):
    record = create(broker)
    api = APIClient()
    api.force_authenticate(broker)
    response = api.patch(f"/api/v1/practice-records/{record.pk}/",
                         {"contract_amount": "99999999"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["revision"] == 2 and response.json()["status"] == "submitted"
    mfa_enrolled(admin_user)
    api.force_authenticate(admin_user)
    stale = api.post(f"/api/v1/practice-records/{record.pk}/review/",
                     {"decision": "approve", "revision": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "revision_changed" and stale.json()["revision"] == 2
    assert PracticeRecord.objects.get(pk=record.pk).status == "submitted"
    fresh = api.post(f"/api/v1/practice-records/{record.pk}/review/",
                     {"decision": "approve", "revision": 2}, format="json")
    assert fresh.status_code == 200 and fresh.json()["approved_revision_number"] == 2


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decision_through_the_api_without_the_revision_is_refused(
        broker, admin_user, mfa_enrolled, decision):
    record = create(broker)
    mfa_enrolled(admin_user)
    api = APIClient()
    api.force_authenticate(admin_user)

    for body in ({"decision": decision, "comment": "看过"},
                 {"decision": decision, "comment": "看过", "revision": None}):
        response = api.post(f"/api/v1/practice-records/{record.pk}/review/", body,
                            format="json")
        assert response.status_code == 400
        with translation.override(response["Content-Language"]):
            assert response.json()["revision"] == [str(REVISION_REQUIRED)]
    record.refresh_from_db()
    assert record.status == "submitted" and record.reviewed_at is None
    assert not AuditEvent.objects.filter(action__in=["people.practice_approved",
                                                     "people.practice_rejected"]).exists()


def test_the_review_page_sends_the_revision_on_display(client, broker, admin_user,
                                                       mfa_enrolled):
    from django.urls import reverse

    record = create(broker)
    practice_record_update(record_id=record.pk, actor=broker,
                           fields={"contract_amount": Decimal("800000")})
    mfa_enrolled(admin_user)
    client.force_login(admin_user)

    for page in (reverse("people:practice_review_queue"),
                 reverse("people:practice_detail", args=[record.pk])):
        body = client.get(page).content.decode()
        assert '<input type="hidden" name="revision" value="2">' in body, page


def test_the_schema_requires_the_revision_and_documents_the_conflict():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    review = schema["paths"]["/api/v1/practice-records/{id}/review/"]["post"]
    assert {"200", "400", "409"} <= set(review["responses"])
    body = schema["components"]["schemas"]["Review"]
    assert "revision" in body["required"]
