"""The courses REST API: the broker's own data, lesson completion, check-in, cohort progress."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from courses.models import Attendance, LessonProgress
from courses.services import attendance_checkin_token
from tests.courses.factories import (
    CohortFactory,
    OfflineSessionFactory,
    attended,
    completed,
    study,
)
from tests.factories import BrokerFactory, UserFactory


@pytest.fixture
def api():
    return APIClient()


def test_my_transcript(api, enrolled, cohort, lessons):
    completed(enrolled, lessons[0])
    attended(enrolled, OfflineSessionFactory(cohort=cohort, class_hours=Decimal("4")))
    api.force_authenticate(enrolled)
    data = api.get(reverse("api-me-transcript")).json()
    assert data["user_id"] == enrolled.pk
    assert (data["total_hours"], data["online_hours"], data["offline_hours"]) == (
        "6.00", "2.00", "4.00")
    policy = next(a for a in data["areas"] if a["code"] == "policy")
    assert policy["courses"][0]["lessons_completed"] == 1
    assert data["sessions"][0]["credited_hours"] == "4.00"


def test_my_courses_shows_only_my_progress(api, enrolled, cohort, lessons):
    completed(enrolled, lessons[0])
    classmate = BrokerFactory()
    from tests.courses.factories import enrol

    enrol(classmate, cohort)
    completed(classmate, lessons[1])
    api.force_authenticate(enrolled)
    [programme] = api.get(reverse("api-me-courses")).json()
    course = programme["courses"][0]
    assert course["lessons_done"] == 1
    states = [lesson["done"] for m in course["modules"] for lesson in m["lessons"]]
    assert states == [True, False, False, False]


def test_open_then_complete_lesson(api, enrolled, lessons):
    api.force_authenticate(enrolled)
    url = reverse("api-lesson-complete", args=[lessons[0].pk])
    refused = api.post(url)
    # The API speaks the interface's default language, Simplified Chinese.
    assert refused.status_code == 400 and "请先打开课节" in refused.json()["detail"]
    assert api.post(reverse("api-lesson-open", args=[lessons[0].pk]), {"seconds": 0},
                    format="json").status_code == 200
    study(enrolled, lessons[0])
    done = api.post(url).json()
    assert done["credited_hours"] == "2.00" and done["completed_at"]


def test_complete_locked_lesson_is_400(api, enrolled, lessons):
    lessons[1].requires = lessons[0]
    lessons[1].save()
    api.force_authenticate(enrolled)
    response = api.post(reverse("api-lesson-open", args=[lessons[1].pk]), {}, format="json")
    assert response.status_code == 400 and lessons[0].title in response.json()["detail"]
    assert not LessonProgress.objects.exists()


def test_checkin_by_api(api, enrolled, cohort):
    session = OfflineSessionFactory(cohort=cohort)
    token = attendance_checkin_token(session=session).token
    api.force_authenticate(enrolled)
    first = api.post(reverse("api-attendance-checkin"), {"token": token}, format="json")
    assert first.status_code == 201 and first.json()["method"] == "qr"
    again = api.post(reverse("api-attendance-checkin"), {"token": token}, format="json")
    assert again.status_code == 200 and again.json()["created"] is False
    forged = api.post(reverse("api-attendance-checkin"), {"token": token[:-2] + "xx"},
                      format="json")
    assert forged.status_code == 400
    assert Attendance.objects.count() == 1


def test_cohort_progress_for_its_trainer(api, trainer, mfa_enrolled, enrolled, cohort, lessons):
    mfa_enrolled(trainer)
    completed(enrolled, lessons[0])
    api.force_authenticate(trainer)
    data = api.get(reverse("api-cohort-progress", args=[cohort.pk]), {"sort": "progress"}).json()
    [row] = data["brokers"]
    assert (row["user_id"], row["lessons_done"], row["lessons_total"], row["hours"]) == (
        enrolled.pk, 1, 8, "2.00")


def test_cohort_progress_refused_to_trainer_of_another_cohort(api, mfa_enrolled, cohort):
    other = UserFactory(roles=["trainer"])
    mfa_enrolled(other)
    CohortFactory(trainers=[other])
    api.force_authenticate(other)
    assert api.get(reverse("api-cohort-progress", args=[cohort.pk])).status_code == 403


def test_broker_cannot_read_cohort_progress(api, enrolled, cohort):
    api.force_authenticate(enrolled)
    assert api.get(reverse("api-cohort-progress", args=[cohort.pk])).status_code == 403


def test_schema_documents_course_endpoints(client):
    schema = client.get(reverse("schema")).content.decode()
    for path in ("/api/v1/me/transcript/", "/api/v1/me/courses/",
                 "/api/v1/lessons/{id}/complete/", "/api/v1/attendance/checkin/",
                 "/api/v1/cohorts/{id}/progress/"):
        assert path in schema
