"""The course pages render for the people they are for, and do what their buttons say."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from academy.people.models import BrokerProfile
from courses.models import Attendance, Enrolment, Lesson, LessonProgress, Module
from courses.services import attendance_checkin_token
from tests.courses.factories import (
    DeadlineFactory,
    LessonFactory,
    OfflineSessionFactory,
    completed,
    enrol,
    study,
)
from tests.factories import BrokerFactory


@pytest.fixture
def staff(mfa_enrolled, trainer, auditor, admin_user):
    for user in (trainer, auditor, admin_user):
        mfa_enrolled(user)
    return {"trainer": trainer, "auditor": auditor, "admin": admin_user}


def test_broker_programme_page_shows_progress_and_due(client, enrolled, cohort, lessons):
    DeadlineFactory(cohort=cohort, course=lessons[0].module.course,
                    due_on=timezone.localdate() - datetime.timedelta(days=2))
    completed(enrolled, lessons[0])
    client.force_login(enrolled)
    response = client.get(reverse("courses:my_programme"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-progress="12"' in html  # 1 of 8 lessons overall
    assert 'data-progress="25"' in html  # 1 of 4 in the first course
    assert "Overdue" in html or "逾期" in html or "overdue" in html


def test_lesson_page_records_view_and_mark_done_moves_progress(client, enrolled, lessons):
    client.force_login(enrolled)
    lesson = lessons[0]
    response = client.get(reverse("courses:lesson_detail", args=[lesson.pk]))
    assert response.status_code == 200
    assert "<strong>书面</strong>" in response.content.decode()
    assert LessonProgress.objects.get(user=enrolled, lesson=lesson).completed_at is None
    study(enrolled, lesson)
    response = client.post(reverse("courses:lesson_done", args=[lesson.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:lesson_detail", args=[lessons[1].pk])
    assert LessonProgress.objects.get(user=enrolled, lesson=lesson).credited_hours == 2


def test_lesson_body_is_sanitised(client, enrolled, lessons):
    lesson = lessons[0]
    lesson.body = '<script>alert(1)</script>[x](javascript:alert(1)) <img src=x onerror=alert(1)>'
    lesson.save()
    client.force_login(enrolled)
    html = client.get(reverse("courses:lesson_detail", args=[lesson.pk])).content.decode()
    assert "<script>alert" not in html and "javascript:alert" not in html
    assert "onerror" not in html


def test_locked_lesson_page_says_why(client, enrolled, lessons):
    lessons[1].requires = lessons[0]
    lessons[1].save()
    client.force_login(enrolled)
    response = client.get(reverse("courses:lesson_detail", args=[lessons[1].pk]))
    assert response.status_code == 403
    assert lessons[0].title in response.content.decode()
    assert not LessonProgress.objects.filter(lesson=lessons[1]).exists()


def test_ping_adds_time(client, enrolled, lessons):
    client.force_login(enrolled)
    client.get(reverse("courses:lesson_detail", args=[lessons[0].pk]))
    LessonProgress.objects.filter(lesson=lessons[0]).update(
        last_viewed_at=timezone.now() - datetime.timedelta(seconds=40))
    response = client.post(reverse("courses:lesson_ping", args=[lessons[0].pk]),
                           data='{"seconds": 30}', content_type="application/json")
    assert response.status_code == 200 and response.json()["seconds_spent"] == 30


def test_mark_done_without_opening_is_refused_with_message(client, enrolled, lessons):
    client.force_login(enrolled)
    response = client.post(reverse("courses:lesson_done", args=[lessons[0].pk]))
    assert response.status_code == 302
    assert not LessonProgress.objects.exists()
    with translation.override("zh-hans"):
        messages = [str(m) for m in response.wsgi_request._messages]
        assert messages == [translation.gettext("Open the lesson before marking it done.")]


def test_transcript_page_and_pdf(client, enrolled, cohort, lessons):
    completed(enrolled, lessons[0])
    attended(enrolled, OfflineSessionFactory(cohort=cohort, class_hours=Decimal("3.5")))
    client.force_login(enrolled)
    html = client.get(reverse("courses:transcript")).content.decode()
    assert 'data-testid="total-hours">5.5<' in html
    response = client.get(reverse("courses:transcript_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def attended(user, session):
    from tests.courses.factories import attended as _attended

    return _attended(user, session)


def test_checkin_flow_for_logged_in_broker(client, enrolled, cohort):
    session = OfflineSessionFactory(cohort=cohort)
    url = reverse("courses:checkin", args=[attendance_checkin_token(session=session).token])
    client.force_login(enrolled)
    response = client.get(url)
    assert response.status_code == 200 and 'data-testid="checkin-button"' in response.content.decode()
    response = client.post(url)
    assert 'data-testid="checkin-ok"' in response.content.decode()
    assert Attendance.objects.get(user=enrolled).method == "qr"


def test_checkin_asks_anonymous_to_log_in_and_keeps_the_scan(client, enrolled, cohort, settings):
    settings.ACADEMY_CHECKIN_TOKEN_SECONDS = 60
    session = OfflineSessionFactory(cohort=cohort)
    url = reverse("courses:checkin", args=[attendance_checkin_token(session=session).token])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(enrolled)
    # The token would have expired while logging in; the remembered scan still counts.
    later = timezone.now() + datetime.timedelta(seconds=120)
    with mock.patch("time.time", return_value=later.timestamp()), \
            mock.patch("django.utils.timezone.now", return_value=later):
        response = client.post(url)
    assert 'data-testid="checkin-ok"' in response.content.decode()


def test_checkin_with_bad_token_shows_error(client, enrolled):
    client.force_login(enrolled)
    response = client.get(reverse("courses:checkin", args=["forged:token"]))
    assert response.status_code == 400
    assert 'data-testid="checkin-error"' in response.content.decode()


def test_trainer_cohort_view_lists_brokers_and_opens_detail(client, staff, enrolled, cohort,
                                                           lessons):
    completed(enrolled, lessons[0])
    client.force_login(staff["trainer"])
    response = client.get(reverse("courses:cohort_detail", args=[cohort.pk]),
                          {"sort": "progress", "desc": "on", "q": enrolled.full_name})
    assert response.status_code == 200
    html = response.content.decode()
    assert enrolled.full_name in html and 'data-progress="12"' in html
    response = client.get(reverse("courses:cohort_broker", args=[cohort.pk, enrolled.pk]))
    assert response.status_code == 200 and lessons[0].title in response.content.decode()


def test_trainer_records_attendance_from_the_list(client, staff, enrolled, cohort):
    session = OfflineSessionFactory(cohort=cohort)
    client.force_login(staff["trainer"])
    url = reverse("courses:session_detail", args=[session.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"present": [enrolled.pk]})
    assert response.status_code == 302
    assert Attendance.objects.get(user=enrolled).recorded_by == staff["trainer"]


def test_qr_page_and_svg(client, staff, cohort):
    session = OfflineSessionFactory(cohort=cohort)
    client.force_login(staff["trainer"])
    assert client.get(reverse("courses:session_qr", args=[session.pk])).status_code == 200
    svg = client.get(reverse("courses:session_qr_svg", args=[session.pk]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    status = client.get(reverse("courses:session_qr_status", args=[session.pk])).json()
    assert status == {"present": 0, "open": True}


def test_trainer_schedules_a_session(client, staff, cohort):
    client.force_login(staff["trainer"])
    start = timezone.localtime() + datetime.timedelta(days=3)
    fmt = "%Y-%m-%dT%H:%M"
    response = client.post(reverse("courses:session_new", args=[cohort.pk]), {
        "title": "技术合同登记实务研讨", "place": "会议室", "class_hours": "3",
        "starts_at": start.strftime(fmt),
        "ends_at": (start + datetime.timedelta(hours=3)).strftime(fmt),
        "checkin_opens_at": (start - datetime.timedelta(minutes=30)).strftime(fmt),
        "checkin_closes_at": (start + datetime.timedelta(minutes=30)).strftime(fmt),
    })
    assert response.status_code == 302
    assert cohort.sessions.get().title == "技术合同登记实务研讨"


def test_trainer_course_editor(client, staff, lessons):
    trainer = staff["trainer"]
    course = lessons[0].module.course
    course.owners.add(trainer)
    client.force_login(trainer)
    assert client.get(reverse("courses:trainer_courses")).status_code == 200
    assert client.get(reverse("courses:course_edit", args=[course.pk])).status_code == 200
    response = client.post(reverse("courses:module_new", args=[course.pk]), {"title": "新单元"})
    assert response.status_code == 302
    module = Module.objects.get(title="新单元")
    data = {"title": "新课", "body": "# 标题\n\n正文", "video_url": "", "class_hours": "1.5",
            "estimated_minutes": "20", "requires": ""}
    preview = client.post(reverse("courses:lesson_new", args=[module.pk]), {**data, "preview": "1"})
    assert "<h1>标题</h1>" in preview.content.decode()
    assert not Lesson.objects.filter(title="新课").exists()
    response = client.post(reverse("courses:lesson_new", args=[module.pk]), data)
    lesson = Lesson.objects.get(title="新课")
    assert not lesson.is_published
    client.post(reverse("courses:lesson_publish", args=[lesson.pk]), {"published": "1"})
    client.post(reverse("courses:lesson_move", args=[lessons[1].pk]), {"direction": "up"})
    assert list(lessons[0].module.lessons.order_by("order").values_list("pk", flat=True)) == [
        lessons[1].pk, lessons[0].pk]
    client.post(reverse("courses:module_move", args=[module.pk]), {"direction": "up"})
    assert list(course.modules.order_by("order").values_list("title", flat=True))[-2] == "新单元"
    upload = SimpleUploadedFile("讲义.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.post(reverse("courses:attachment_add", args=[lesson.pk]), {"title": "讲义", "file": upload})
    lesson.refresh_from_db()
    assert lesson.is_published and lesson.attachments.count() == 1
    attachment = lesson.attachments.get()
    download = client.get(reverse("courses:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"


def test_lesson_edit_form_shows_errors_inline(client, staff, lessons):
    trainer = staff["trainer"]
    lessons[0].module.course.owners.add(trainer)
    client.force_login(trainer)
    response = client.post(reverse("courses:lesson_edit", args=[lessons[0].pk]),
                           {"title": "", "class_hours": "-1", "estimated_minutes": "x"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()


def test_admin_enrols_one_broker_found_by_name_initials_or_phone_tail(client, staff, cohort):
    zeng = BrokerFactory(user__full_name="曾国藩")
    li = BrokerFactory(user__full_name="李强")
    tail = BrokerFactory(phone="13900004321")
    client.force_login(staff["admin"])
    url = reverse("courses:cohort_enrol", args=[cohort.pk])
    page = client.get(url).content.decode()
    assert 'data-person-search="/people/search/?brokers=1"' in page
    for term in ("曾国", "lq", "4321"):
        assert client.post(url, {"enrol_one": "1", "one-broker": term}).status_code == 302
    assert set(Enrolment.objects.filter(cohort=cohort).values_list("user_id", flat=True)) \
        == {zeng.pk, li.pk, tail.pk}


def test_enrolling_one_broker_reports_unknown_or_ambiguous_words_inline(client, staff, cohort):
    BrokerFactory(user__full_name="王芳")
    BrokerFactory(user__full_name="王强")
    client.force_login(staff["admin"])
    url = reverse("courses:cohort_enrol", args=[cohort.pk])
    response = client.post(url, {"enrol_one": "1", "one-broker": "王"})
    assert response.status_code == 200
    [error] = response.context["one"].errors["broker"]
    assert "王芳" in error and "王强" in error
    response = client.post(url, {"enrol_one": "1", "one-broker": "赵六"})
    assert response.status_code == 200 and "赵六" in response.context["one"].errors["broker"][0]
    assert "is-invalid" in response.content.decode()
    assert not Enrolment.objects.filter(cohort=cohort).exists()


def test_admin_enrols_a_list_of_addresses_names_initials_and_tails(client, staff, cohort):
    brokers = [BrokerFactory(user__full_name=name) for name in ("赵强", "钱亚楠", "孙悦", "李四")]
    BrokerProfile.objects.filter(user=brokers[3]).update(phone="13700002468")
    client.force_login(staff["admin"])
    url = reverse("courses:cohort_enrol", args=[cohort.pk])
    listed = f"{brokers[0].email.upper()}\n钱亚楠\nsy, 2468"
    response = client.post(url, {"enrol_bulk": "1", "bulk-brokers": listed})
    assert response.status_code == 302
    assert set(Enrolment.objects.filter(cohort=cohort).values_list("user_id", flat=True)) \
        == {b.pk for b in brokers}


def test_a_bulk_list_reports_each_bad_line_inline_and_saves_nothing(client, staff, cohort):
    good = BrokerFactory(user__full_name="王芳")
    BrokerFactory(user__full_name="王强")
    client.force_login(staff["admin"])
    url = reverse("courses:cohort_enrol", args=[cohort.pk])
    listed = f"{good.email}\n王\nnobody@x.test\n赵六"
    response = client.post(url, {"enrol_bulk": "1", "bulk-brokers": listed})
    assert response.status_code == 200
    errors = response.context["bulk"].errors["brokers"]
    assert len(errors) == 3
    # One message a bad line, in the list's order: the ambiguous one names its candidates.
    assert "“王”" in errors[0] and "王芳" in errors[0] and "王强" in errors[0]
    assert "nobody@x.test" in errors[1] and "赵六" in errors[2]
    assert response.context["bulk"]["brokers"].value() == listed  # kept, to be corrected
    assert not Enrolment.objects.filter(cohort=cohort).exists()


def test_broker_self_enrols_in_open_cohort(client, broker, programme):
    from tests.courses.factories import CohortFactory

    cohort = CohortFactory(programme=programme, is_open_for_enrolment=True)
    client.force_login(broker)
    assert cohort.name in client.get(reverse("courses:open_cohorts")).content.decode()
    client.post(reverse("courses:cohort_join", args=[cohort.pk]))
    assert Enrolment.objects.filter(cohort=cohort, user=broker).exists()


def test_home_pages_show_programme_and_cohorts(client, staff, enrolled, cohort, lessons):
    completed(enrolled, lessons[0])
    client.force_login(enrolled)
    html = client.get(reverse("home")).content.decode()
    assert cohort.programme.title in html and 'data-testid="home-hours">2<' in html
    client.force_login(staff["trainer"])
    assert cohort.name in client.get(reverse("home")).content.decode()


def test_unpublished_lesson_is_hidden_from_brokers(client, enrolled, lessons):
    hidden = LessonFactory(module=lessons[0].module, is_published=False)
    client.force_login(enrolled)
    assert client.get(reverse("courses:lesson_detail", args=[hidden.pk])).status_code == 403


def test_withdrawn_broker_loses_access(client, enrolled, lessons):
    Enrolment.objects.filter(user=enrolled).update(status=Enrolment.Status.WITHDRAWN)
    client.force_login(enrolled)
    assert client.get(reverse("courses:lesson_detail", args=[lessons[0].pk])).status_code == 403


def test_other_broker_cannot_open_anothers_lessons(client, lessons, cohort):
    outsider = BrokerFactory()
    enrol(BrokerFactory(), cohort)
    client.force_login(outsider)
    assert client.get(reverse("courses:lesson_detail", args=[lessons[0].pk])).status_code == 403
