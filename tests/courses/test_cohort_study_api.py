"""The cohort-progress API carries the study observed per lesson: over the cohort (the cohort
page's table) and for each broker and lesson (the figures the trainer's page of one broker
shows, and the lesson page shows the broker). One computation for all three; the same
permissions as the page; queries that do not grow with the cohort."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from courses.models import CreditMethod, LessonProgress
from courses.services import lesson_open
from tests.courses.factories import (
    CohortFactory,
    OfflineSessionFactory,
    attended,
    completed,
    enrol,
    study,
)
from tests.courses.test_queries import count_queries, grow
from tests.courses.test_study import _at, _video_lesson
from tests.factories import BrokerFactory, UserFactory

FIGURES = ["opened", "completed", "requirement_met", "avg_watched_percent",
           "required_video_percent"]
BROKER_FIGURES = ["opened", "active_seconds", "required_seconds", "video_watched_percent",
                  "video_required_percent", "requirement_met", "credited"]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def staff(trainer, mfa_enrolled):
    """The cohort's trainer, with the second factor staff need."""
    mfa_enrolled(trainer)
    return trainer


@pytest.fixture
def studied(cohort, lessons, enrolled):
    """Three brokers' study: time, a hosted video, a credited lesson, an attended session."""
    video = _video_lesson(lessons[1])
    lessons[3].credit_method = CreditMethod.ATTENDANCE
    lessons[3].save(update_fields=["credit_method"])
    second, third = BrokerFactory(), BrokerFactory()
    for broker in (second, third):
        enrol(broker, cohort)
    study(enrolled, lessons[0], seconds=600)
    study(second, lessons[0], seconds=24 * 60)  # the requirement met, not marked done
    start = timezone.now() + datetime.timedelta(hours=2)
    lesson_open(user=enrolled, lesson=video, now=start)
    lesson_open(user=enrolled, lesson=video, video={"ranges": [[0, 19]]}, now=_at(start, 19))
    completed(third, lessons[2], hours=Decimal("1.50"))
    attended(second, OfflineSessionFactory(cohort=cohort, course=lessons[3].module.course))
    return [enrolled, second, third]


def test_the_apis_figures_are_the_pages(api, client, staff, cohort, lessons, studied):
    api.force_authenticate(staff)
    data = api.get(reverse("api-cohort-progress", args=[cohort.pk])).json()
    client.force_login(staff)
    page = client.get(reverse("courses:cohort_detail", args=[cohort.pk])).context
    assert [f["lesson_id"] for f in data["lessons"]] == [
        f.lesson.pk for f in page["lesson_figures"]]
    for row, figures in zip(data["lessons"], page["lesson_figures"], strict=True):
        assert {k: row[k] for k in FIGURES} == {k: getattr(figures, k) for k in FIGURES}
        assert Decimal(row["avg_active_minutes"]) == figures.avg_active_minutes
        assert Decimal(row["required_minutes"]) == figures.required_minutes
    by_id = {f["lesson_id"]: f for f in data["lessons"]}
    assert by_id[lessons[0].pk]["opened"] == 2 and by_id[lessons[0].pk]["requirement_met"] == 1
    assert by_id[lessons[0].pk]["avg_active_minutes"] == "17.0"  # (10 + 24) / 2
    assert by_id[lessons[1].pk]["avg_watched_percent"] == 95
    for broker_row in data["brokers"]:
        user_id = broker_row["user_id"]
        detail = client.get(reverse("courses:cohort_broker", args=[cohort.pk, user_id]))
        shown = detail.context["study"]
        assert [x["lesson_id"] for x in broker_row["lessons"]] == list(by_id)
        for figures in broker_row["lessons"]:
            on_page = shown[figures["lesson_id"]]
            assert {k: figures[k] for k in BROKER_FIGURES} == {
                k: getattr(on_page, k) for k in BROKER_FIGURES}
            assert figures["credited_hours"] == (
                None if on_page.credited_hours is None else f"{on_page.credited_hours:.2f}")
            html = detail.content.decode()
            assert f'data-testid="study-{figures["lesson_id"]}"' in html


def test_each_brokers_figures_are_what_the_lesson_page_shows_them(api, staff, cohort, lessons,
                                                                   studied):
    from courses.selectors import lesson_requirement

    api.force_authenticate(staff)
    data = api.get(reverse("api-cohort-progress", args=[cohort.pk])).json()
    rows = {r["user_id"]: {x["lesson_id"]: x for x in r["lessons"]} for r in data["brokers"]}
    for broker in studied:
        for lesson in lessons:
            progress = LessonProgress.objects.filter(user=broker, lesson=lesson).first()
            rule = lesson_requirement(user=broker, lesson=lesson, progress=progress)
            mine = rows[broker.pk][lesson.pk]
            assert (mine["active_seconds"], mine["requirement_met"]) == (
                rule.active_seconds, rule.met)
    enrolled, second, third = studied
    time_lesson, video, credited, by_attendance = (rows[enrolled.pk][lessons[0].pk],
                                                   rows[enrolled.pk][lessons[1].pk],
                                                   rows[third.pk][lessons[2].pk],
                                                   rows[second.pk][lessons[3].pk])
    assert (time_lesson["active_seconds"], time_lesson["required_seconds"],
            time_lesson["video_watched_percent"]) == (600, 1440, None)
    assert (video["video_watched_percent"], video["video_required_percent"],
            video["required_seconds"], video["requirement_met"]) == (95, 90, None, True)
    assert (credited["credited"], credited["credited_hours"]) == (True, "1.50")
    assert by_attendance["requirement_met"] and not by_attendance["opened"]


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_the_bureau_and_admins_read_it(api, mfa_enrolled, cohort, studied, role):
    reader = UserFactory(roles=[role])
    mfa_enrolled(reader)
    api.force_authenticate(reader)
    response = api.get(reverse("api-cohort-progress", args=[cohort.pk]))
    assert response.status_code == 200 and len(response.json()["brokers"]) == 3


def test_other_trainers_and_brokers_do_not(api, mfa_enrolled, cohort, studied):
    other = UserFactory(roles=["trainer"])
    mfa_enrolled(other)
    CohortFactory(trainers=[other])
    api.force_authenticate(other)
    assert api.get(reverse("api-cohort-progress", args=[cohort.pk])).status_code == 403
    api.force_authenticate(studied[0])
    assert api.get(reverse("api-cohort-progress", args=[cohort.pk])).status_code == 403
    api.force_authenticate(None)
    assert api.get(reverse("api-cohort-progress", args=[cohort.pk])).status_code in (401, 403)


def test_the_api_costs_the_same_queries_whatever_the_cohorts_size(api, staff, cohort,
                                                                  lessons, studied):
    api.force_authenticate(staff)
    url = reverse("api-cohort-progress", args=[cohort.pk])
    api.get(url)  # per-session caches (roles, MFA)
    small = count_queries(lambda: api.get(url))
    grow(cohort, brokers=12, extra_lessons=4, sessions=2)
    assert count_queries(lambda: api.get(url)) == small
    data = api.get(url).json()
    assert len(data["brokers"]) == 15 and len(data["brokers"][0]["lessons"]) == len(
        data["lessons"]) == len(lessons) + 4


def test_the_schema_documents_the_figures(client):
    schema = client.get(reverse("schema")).content.decode()
    assert "BrokerLessonStudy" in schema and "CohortLessonFigures" in schema
    for name in ("active_seconds", "required_seconds", "video_watched_percent",
                 "requirement_met", "credited_hours"):
        assert name in schema
