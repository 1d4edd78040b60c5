"""The readiness endpoints and the practice-record endpoints."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from academy.people.models import PracticeRecord
from tests.certificates.conftest import course_of, earn
from tests.certificates.factories import PNG, requirement_set, submitted_record, upload
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def zh(text: str) -> str:
    """The API answers in the site's language (Chinese): ``text`` as it reads there."""
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


@pytest.fixture
def staff(mfa_enrolled):
    def make(user):
        mfa_enrolled(user)
        return user

    return make


RECORD = {
    "contract_name": "卢氏县香菇深加工技术开发合同",
    "contract_kind": "development",
    "registration_number": "2025411224000042",
    "registry": "卢氏县科技局技术合同登记点",
    "party_a": "卢氏县食用菌产业技术服务中心",
    "party_b": "河南农业大学",
    "contract_amount": "300000.00",
    "technical_income": "250000.00",
    "contract_date": "2025-05-06",
    "broker_role": "lead",
}


def test_my_readiness(api, enrolled, programme):
    requirement_set(total_hours=Decimal("64"), practice_records=1, example_values=True)
    earn(enrolled, course_of(programme, "policy"), "52")
    api.force_authenticate(enrolled)
    data = api.get(reverse("api-me-readiness")).json()
    assert data["level"]["code"] == "intermediate" and data["current_level"]["code"] == "junior"
    assert data["ready"] is False and data["ready_since"] is None
    assert (data["met"], data["total"]) == (0, 2)
    assert data["requirement_set"]["example_values"] is True
    hours = data["requirements"][0]
    with translation.override("zh-hans"):
        programme_url = reverse("courses:my_programme")
    assert hours == {
        "kind": "total_hours", "key": "total_hours", "label": zh("Class hours in total"),
        "met": False, "state": "in_progress", "state_label": zh_state("In progress"),
        "current": "52.00", "required": "64.00", "unit": "hours", "percent": 81,
        "detail": zh("%(current)s of %(required)s class hours") % {"current": "52",
                                                                   "required": "64"},
        "next_action_url": programme_url,
    }


def zh_state(text: str) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(translation.pgettext("requirement state", text))


def test_broker_readiness_is_scoped(api, enrolled, trainer, auditor, staff):
    url = reverse("api-broker-readiness", args=[enrolled.pk])
    api.force_authenticate(staff(trainer))  # teaches the cohort
    assert api.get(url).status_code == 200
    api.force_authenticate(staff(auditor))
    assert api.get(url).json()["broker_id"] == enrolled.pk
    api.force_authenticate(BrokerFactory())
    assert api.get(url).status_code == 404
    from tests.factories import UserFactory

    api.force_authenticate(staff(UserFactory(roles=["trainer"])))
    assert api.get(url).status_code == 404


def test_staff_have_no_readiness_of_their_own(api, auditor, staff):
    api.force_authenticate(staff(auditor))
    assert api.get(reverse("api-me-readiness")).status_code == 403


def test_broker_creates_with_evidence_edits_submits_and_deletes(api, broker):
    api.force_authenticate(broker)
    response = api.post(reverse("api-practice-records"),
                        {**RECORD, "evidence": [upload("证明.png", PNG, "image/png")],
                         "submit": "true"}, format="multipart")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "submitted" and data["evidence"][0]["content_type"] == "image/png"
    url = reverse("api-practice-record", args=[data["id"]])
    response = api.patch(url, {"contract_amount": "350000.00"}, format="json")
    assert response.status_code == 200 and response.json()["contract_amount"] == "350000.00"
    response = api.patch(url, {"technical_income": "999999.00"}, format="json")
    assert response.status_code == 400 and "technical_income" in response.json()
    listing = api.get(reverse("api-practice-records")).json()
    assert [r["id"] for r in listing["results"]] == [data["id"]]
    assert api.delete(url).status_code == 204
    assert not PracticeRecord.objects.exists()


def test_a_draft_gets_evidence_then_is_submitted(api, broker):
    api.force_authenticate(broker)
    record = api.post(reverse("api-practice-records"), RECORD, format="json").json()
    assert record["status"] == "draft"
    submit = reverse("api-practice-record-submit", args=[record["id"]])
    response = api.post(submit)
    assert response.status_code == 400
    assert response.json()["detail"] == zh(
        "Attach at least one evidence file (the registration certificate or the contract) "
        "before submitting.")
    response = api.post(reverse("api-practice-record-evidence", args=[record["id"]]),
                        {"evidence": upload("fake.png", b"not an image")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"] == zh("“%(name)s” is not a PDF, JPEG or PNG file.") % {
        "name": "fake.png"}
    response = api.post(reverse("api-practice-record-evidence", args=[record["id"]]),
                        {"evidence": upload()}, format="multipart")
    assert response.status_code == 201 and len(response.json()["evidence"]) == 1
    assert api.post(submit).json()["status"] == "submitted"


def test_admin_reviews_through_the_api(api, admin_user, staff):
    record = submitted_record(BrokerFactory())
    api.force_authenticate(staff(admin_user))
    url = reverse("api-practice-record-review", args=[record.pk])
    revision = record.revision
    response = api.post(url, {"decision": "reject", "revision": revision}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == zh(
        "Say why the record is rejected, so that the broker can correct it.")
    response = api.post(url, {"decision": "approve", "revision": revision}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert api.post(url, {"decision": "approve", "revision": revision},
                    format="json").status_code == 400


def test_others_cannot_change_or_see_a_brokers_records(api, broker, trainer, auditor, staff):
    record = submitted_record(broker)
    url = reverse("api-practice-record", args=[record.pk])
    api.force_authenticate(BrokerFactory())
    assert api.get(url).status_code == 404
    assert api.patch(url, {"contract_amount": "1"}, format="json").status_code == 404
    assert api.post(reverse("api-practice-record-submit", args=[record.pk])).status_code == 404
    assert api.post(reverse("api-practice-record-review", args=[record.pk]),
                    {"decision": "approve"}).status_code == 403
    api.force_authenticate(staff(auditor))
    assert api.get(url).status_code == 200
    assert api.patch(url, {"contract_amount": "1"}, format="json").status_code == 403
    assert api.post(reverse("api-practice-records"), RECORD, format="json").status_code == 403
    api.force_authenticate(staff(trainer))  # not the broker's trainer
    assert api.get(url).status_code == 404
    assert api.get(reverse("api-practice-records")).json()["results"] == []


def test_admin_lists_the_review_queue(api, admin_user, staff):
    waiting = submitted_record(BrokerFactory())
    api.force_authenticate(staff(admin_user))
    data = api.get(reverse("api-practice-records") + "?status=submitted").json()
    assert [r["id"] for r in data["results"]] == [waiting.pk]
