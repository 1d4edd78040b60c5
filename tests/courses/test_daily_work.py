"""The course side of everyone's day: the catalogue and self-enrolment, a trainer's home and
new course, the session form's defaults, and no check-in code outside its window."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.audit.models import AuditEvent
from courses.forms import OfflineSessionForm
from courses.models import Course, Enrolment
from courses.selectors import course_catalogue_for
from tests.courses.factories import (
    CohortFactory,
    CourseFactory,
    DeadlineFactory,
    OfflineSessionFactory,
    ProgrammeCourseFactory,
    enrol,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, mfa_enrolled):
    def login(user):
        mfa_enrolled(user)
        client.force_login(user)
        return client

    return login


def test_the_catalogue_lists_every_published_course_and_how_to_join(broker, programme, cohort):
    other = CourseFactory(title="科技成果评价实务", is_published=True)
    hidden = CourseFactory(title="草稿课程", is_published=False)
    open_cohort = CohortFactory(is_open_for_enrolment=True)
    ProgrammeCourseFactory(programme=open_cohort.programme, course=other)
    enrol(broker, cohort)

    cohorts, areas = course_catalogue_for(broker)
    entries = {e.course.pk: e for _area, rows in areas for e in rows}
    assert cohorts == [open_cohort]
    assert hidden.pk not in entries
    assert entries[other.pk].open_cohorts == [open_cohort] and not entries[other.pk].mine
    mine = [e for e in entries.values() if e.mine]
    assert {e.course.pk for e in mine} == set(
        programme.programme_courses.values_list("course_id", flat=True))


def test_a_broker_enrols_themself_from_the_catalogue(client, broker):
    course = CourseFactory(is_published=True)
    open_cohort = CohortFactory(is_open_for_enrolment=True)
    ProgrammeCourseFactory(programme=open_cohort.programme, course=course)
    client.force_login(broker)
    page = client.get(reverse("courses:open_cohorts"))
    assert page.status_code == 200 and course.title in page.content.decode()
    response = client.post(reverse("courses:cohort_join", args=[open_cohort.pk]))
    assert response.status_code == 302
    assert Enrolment.objects.filter(user=broker, cohort=open_cohort).exists()


def test_the_broker_menu_reaches_the_catalogue_and_practice_records(client, broker):
    client.force_login(broker)
    urls = [item["url"] for item in client.get(reverse("home")).context["nav_items"]]
    assert reverse("courses:open_cohorts") in urls
    assert reverse("people:practice_list") in urls


def test_a_trainer_creates_a_course_they_own(staff_client, trainer):
    from academy.people.models import Level
    from courses.models import CourseArea

    client = staff_client(trainer)
    assert 'data-testid="new-course"' in client.get(reverse("home")).content.decode()
    area = CourseArea.objects.first()
    response = client.post(reverse("courses:course_new"), {
        "title": "技术经纪人职业道德", "code": "broker-ethics", "area": area.pk,
        "level": Level.objects.get(code="junior").pk, "summary": "职业规范"})
    course = Course.objects.get(code="broker-ethics")
    assert response.status_code == 302
    assert response.url == reverse("courses:course_edit", args=[course.pk])
    assert list(course.owners.all()) == [trainer] and not course.is_published
    assert AuditEvent.objects.filter(action="courses.course_created",
                                     subject_id=str(course.pk)).exists()
    again = client.post(reverse("courses:course_new"), {
        "title": "重复", "code": "broker-ethics", "area": area.pk,
        "level": Level.objects.get(code="junior").pk})
    assert again.status_code == 200 and Course.objects.filter(code="broker-ethics").count() == 1


def test_the_trainer_home_shows_grading_sessions_and_overdue_brokers(staff_client, trainer,
                                                                    cohort, programme, broker):
    enrol(broker, cohort)
    course = programme.programme_courses.first().course
    DeadlineFactory(cohort=cohort, course=course,
                    due_on=timezone.localdate() - datetime.timedelta(days=3))
    session = OfflineSessionFactory(
        cohort=cohort, title="合同登记实务",
        starts_at=timezone.now() + datetime.timedelta(days=2))
    page = staff_client(trainer).get(reverse("home"))
    html = page.content.decode()
    for testid in ("home-grading", "home-sessions", "home-overdue"):
        assert f'data-testid="{testid}"' in html
    assert [s.pk for s in page.context["next_sessions"]] == [session.pk]
    assert [o["row"].user for o in page.context["overdue"]] == [broker]


def test_the_session_form_starts_with_sensible_times(cohort):
    form = OfflineSessionForm(cohort=cohort)
    starts = form.initial["starts_at"]
    assert timezone.localtime(starts).time() == datetime.time(9, 0)
    assert starts.date() >= timezone.localdate()
    assert form.initial["checkin_opens_at"] < starts < form.initial["checkin_closes_at"]
    bound = OfflineSessionForm({
        "title": "线下课", "place": "会议室", "class_hours": "2",
        "starts_at": "2027-03-01T09:00"}, cohort=cohort)
    assert bound.is_valid(), bound.errors
    data = bound.cleaned_data
    assert data["ends_at"] - data["starts_at"] == datetime.timedelta(hours=2)
    assert data["starts_at"] - data["checkin_opens_at"] == datetime.timedelta(minutes=30)


def test_no_check_in_code_before_check_in_opens(staff_client, trainer, cohort):
    later = OfflineSessionFactory(cohort=cohort,
                                  starts_at=timezone.now() + datetime.timedelta(days=1))
    client = staff_client(trainer)
    page = client.get(reverse("courses:session_qr", args=[later.pk])).content.decode()
    assert 'data-testid="qr-not-open"' in page and 'id="checkin-qr"' not in page
    assert client.get(reverse("courses:session_qr_svg", args=[later.pk])).status_code == 409

    now = OfflineSessionFactory(cohort=cohort)  # check-in open now
    page = client.get(reverse("courses:session_qr", args=[now.pk])).content.decode()
    assert 'id="checkin-qr"' in page
    svg = client.get(reverse("courses:session_qr_svg", args=[now.pk]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"


def test_the_check_in_link_is_built_from_the_site_url(staff_client, trainer, cohort, settings):
    from courses.views.cohorts import _checkin_url

    settings.ACADEMY_SITE_URL = "http://127.0.0.1:8512/"
    session = OfflineSessionFactory(cohort=cohort)
    assert _checkin_url(None, session).startswith("http://127.0.0.1:8512/courses/checkin/")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_class_hours_help_carries_no_note_about_demo_data(staff_client, trainer, cohort,
                                                             lessons, prefix):
    lesson = lessons[0]
    lesson.module.course.owners.add(trainer)
    client = staff_client(trainer)
    for url in (reverse("courses:lesson_edit", args=[lesson.pk]),
                reverse("courses:session_new", args=[cohort.pk])):
        html = client.get(prefix + url).content.decode()
        help_text = "values here are set by the bureau" if prefix else "此处数值由科技局设定"
        assert help_text in html, url
        for note in ("demo data", "example values", "演示数据", "示例数值"):
            assert note not in html, (url, note)


def _sat_with_essays(sitting, broker):
    """An attempt of ``broker`` submitted with its essays written: they wait for grading."""
    from exams.models import QuestionType
    from tests.exams.factories import answer, start, submit

    attempt = start(sitting, broker)
    for item in attempt.items.select_related("question_version__question"):
        if item.question_version.question.type in QuestionType.subjective():
            answer(attempt, item.position, "技术经纪人促成供需对接，提供评估与谈判服务。")
    return submit(attempt)


def test_the_trainer_home_counts_the_answers_waiting_for_their_grading(staff_client, trainer,
                                                                       cohort):
    from tests.exams.factories import (
        SittingFactory,
        enrolled_broker,
        fixed_paper,
        question_of_each_type,
    )

    paper = fixed_paper(question_of_each_type().values(), points=2)  # two essays in six
    mine = SittingFactory(paper=paper, cohort=cohort, title="结业考试（第一期）")
    for _ in range(2):
        _sat_with_essays(mine, enrolled_broker(mine))
    others = SittingFactory(paper=paper, title="另一期的考试")  # a cohort trainer is not on
    _sat_with_essays(others, enrolled_broker(others))

    page = staff_client(trainer).get(reverse("home"))
    assert page.context["backlog_total"] == 4
    assert [(b["sitting_title"], b["waiting"]) for b in page.context["backlog"]] == [
        ("结业考试（第一期）", 4)]
    html = page.content.decode()
    assert f'<a href="{reverse("exams:grading_queue")}">4</a>' in html
    assert "另一期的考试" not in html
