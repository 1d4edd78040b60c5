"""Class hours only for observed study: active time, the hosted video, checks, attendance."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from academy.errors import ApplicationError
from courses.models import CreditMethod, LessonProgress, StudyPolicy
from courses.selectors import broker_hours, cohort_lesson_figures, lesson_requirement
from courses.services import (
    StudyIncomplete,
    lesson_check_submit,
    lesson_complete,
    lesson_open,
    lesson_update,
)
from tests.courses.factories import OfflineSessionFactory, attended, study
from tests.exams.test_concurrency import run_in_threads

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def teacher(trainer, mfa_enrolled):
    mfa_enrolled(trainer)
    return trainer

CLIP = "courses/demo_media/lesson-clip-20s.webm"


def _at(start, seconds):
    return start + datetime.timedelta(seconds=seconds)


def _video_lesson(lesson, seconds=20):
    with open(CLIP, "rb") as handle:
        lesson.video_file.save("clip.webm", SimpleUploadedFile("clip.webm", handle.read()),
                               save=False)
    lesson.video_seconds = seconds
    lesson.credit_method = CreditMethod.VIDEO
    lesson.save()
    return lesson


def test_immediate_completion_credits_nothing(enrolled, lessons):
    lesson_open(user=enrolled, lesson=lessons[0])
    with pytest.raises(StudyIncomplete) as refused:
        lesson_complete(user=enrolled, lesson=lessons[0])
    # 30 estimated minutes at the default 80 %: 24 minutes of active study.
    assert refused.value.extra["required_seconds"] == 24 * 60
    assert refused.value.extra["remaining_minutes"] == 24
    progress = LessonProgress.objects.get(user=enrolled, lesson=lessons[0])
    assert progress.completed_at is None and progress.credited_hours is None


def test_api_complete_answers_409_with_the_figures(api, enrolled, lessons):
    api.force_authenticate(enrolled)
    api.post(reverse("api-lesson-open", args=[lessons[0].pk]), {"seconds": 0}, format="json")
    response = api.post(reverse("api-lesson-complete", args=[lessons[0].pk]))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "study_incomplete" and body["met"] is False
    assert (body["active_seconds"], body["required_seconds"]) == (0, 1440)
    assert body["detail"]
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def test_active_page_for_the_required_time_credits_exactly_once(enrolled, lessons):
    lesson = lessons[0]
    start = timezone.now()
    lesson_open(user=enrolled, lesson=lesson, now=start)
    for tick in range(1, 48):  # 47 heartbeats of 30 s: 23.5 minutes
        lesson_open(user=enrolled, lesson=lesson, seconds=30, now=_at(start, 30 * tick))
    with pytest.raises(StudyIncomplete):
        lesson_complete(user=enrolled, lesson=lesson, now=_at(start, 30 * 47))
    lesson_open(user=enrolled, lesson=lesson, seconds=30, now=_at(start, 30 * 48))
    done = lesson_complete(user=enrolled, lesson=lesson, now=_at(start, 30 * 48))
    again = lesson_complete(user=enrolled, lesson=lesson, now=_at(start, 30 * 60))
    assert done.seconds_spent == 24 * 60
    assert done.credited_hours == again.credited_hours == Decimal("2.00")
    assert again.completed_at == done.completed_at
    assert LessonProgress.objects.filter(user=enrolled, completed_at__isnull=False).count() == 1


def test_two_tabs_never_count_the_same_minute_twice(enrolled, lessons):
    """Two tabs of the lesson (and a third on another lesson) all report 30 s every 30 s,
    out of step: the credit is the wall-clock time, not three times it."""
    start = timezone.now()
    lesson_open(user=enrolled, lesson=lessons[0], now=start)
    lesson_open(user=enrolled, lesson=lessons[1], now=start)
    for tick in range(1, 41):  # 20 minutes of wall-clock time
        lesson_open(user=enrolled, lesson=lessons[0], seconds=30, now=_at(start, 30 * tick))
        lesson_open(user=enrolled, lesson=lessons[0], seconds=30,
                    now=_at(start, 30 * tick + 10))
        lesson_open(user=enrolled, lesson=lessons[1], seconds=30,
                    now=_at(start, 30 * tick + 20))
    spent = dict(LessonProgress.objects.values_list("lesson_id", "seconds_spent"))
    assert spent[lessons[0].pk] + spent[lessons[1].pk] <= 30 * 40 + 20
    with pytest.raises(StudyIncomplete):
        lesson_complete(user=enrolled, lesson=lessons[0], now=_at(start, 1220))
    with pytest.raises(StudyIncomplete):
        lesson_complete(user=enrolled, lesson=lessons[1], now=_at(start, 1220))


def _completions(user):
    return LessonProgress.objects.filter(user=user, completed_at__isnull=False)


@pytest.mark.parametrize("offset", [0, 13], ids=["in-step", "out-of-step"])
def test_two_tabs_to_the_required_time_credit_the_wall_clock_once_and_complete_once(
        enrolled, lessons, offset):
    """Two tabs of one lesson each report 30 s every 30 s (the second ``offset`` seconds
    after the first) up to the 24 minutes required and on past them; both tabs ask to
    complete. The lesson is credited the wall-clock time, completed once, 2 h once."""
    lesson = lessons[0]
    start = timezone.now()
    lesson_open(user=enrolled, lesson=lesson, now=start)
    lesson_open(user=enrolled, lesson=lesson, now=start)

    def both_tabs_beat(tick):
        lesson_open(user=enrolled, lesson=lesson, seconds=30, now=_at(start, 30 * tick))
        lesson_open(user=enrolled, lesson=lesson, seconds=30,
                    now=_at(start, 30 * tick + offset))

    def both_tabs_complete(at):
        return [lesson_complete(user=enrolled, lesson=lesson, now=_at(start, at + tab))
                for tab in (0, 1)]

    for tick in range(1, 48):  # 23.5 minutes of wall-clock time
        both_tabs_beat(tick)
    assert LessonProgress.objects.get(user=enrolled, lesson=lesson).seconds_spent == \
        30 * 47 + offset
    for at in (30 * 47 + offset, 30 * 47 + offset + 1):
        with pytest.raises(StudyIncomplete):
            lesson_complete(user=enrolled, lesson=lesson, now=_at(start, at))
    both_tabs_beat(48)  # 24 minutes
    first, second = both_tabs_complete(30 * 48 + offset)
    for tick in range(49, 56):  # on past the required time, then both ask again
        both_tabs_beat(tick)
    third, fourth = both_tabs_complete(30 * 55 + offset)

    progress = LessonProgress.objects.get(user=enrolled, lesson=lesson)
    assert progress.seconds_spent == 30 * 55 + offset  # the wall-clock time, not twice it
    assert _completions(enrolled).count() == 1
    assert {p.completed_at for p in (first, second, third, fourth)} == {
        _at(start, 30 * 48 + offset)}
    assert progress.credited_hours == Decimal("2.00")
    assert broker_hours(user_ids=[enrolled.pk])[enrolled.pk].online == Decimal("2.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_beating_at_the_same_instant_on_postgres_credit_once(postgres, enrolled,
                                                                     lessons):
    """The same, with the two tabs' heartbeats and completions sent at once from two
    connections: the rows are locked, so only one of each pair counts."""
    lesson = lessons[0]
    start = timezone.now()
    lesson_open(user=enrolled, lesson=lesson, now=start)
    for tick in range(1, 51):  # 25 minutes: both tabs report the same 30 s together
        run_in_threads(2, lambda _tab, tick=tick: lesson_open(
            user=enrolled, lesson=lesson, seconds=30, now=_at(start, 30 * tick)))
    finished = run_in_threads(2, lambda _tab: lesson_complete(
        user=enrolled, lesson=lesson, now=_at(start, 30 * 50)))

    progress = LessonProgress.objects.get(user=enrolled, lesson=lesson)
    assert progress.seconds_spent == 30 * 50
    assert _completions(enrolled).count() == 1
    assert finished[0].completed_at == finished[1].completed_at == progress.completed_at
    assert broker_hours(user_ids=[enrolled.pk])[enrolled.pk].online == Decimal("2.00")


def test_a_forged_report_adds_no_more_than_real_time(enrolled, lessons):
    start = timezone.now()
    lesson_open(user=enrolled, lesson=lessons[0], now=start)
    progress = lesson_open(user=enrolled, lesson=lessons[0], seconds=86400,
                           now=_at(start, 5))
    assert progress.seconds_spent == 5


def test_policy_is_data_the_admin_edits(enrolled, lessons):
    StudyPolicy.objects.create(time_share_percent=50)
    study(enrolled, lessons[0], seconds=15 * 60)
    assert lesson_complete(user=enrolled, lesson=lessons[0]).completed_at is not None


@pytest.mark.parametrize("share", [0, 100])
def test_time_share_bounds(enrolled, lessons, share):
    StudyPolicy.objects.create(time_share_percent=share)
    lesson_open(user=enrolled, lesson=lessons[0])
    if share == 0:
        assert lesson_complete(user=enrolled, lesson=lessons[0]).completed_at
    else:
        with pytest.raises(StudyIncomplete):
            lesson_complete(user=enrolled, lesson=lessons[0])


def test_video_credits_distinct_seconds_and_skipping_does_not_count(enrolled, lessons):
    lesson = _video_lesson(lessons[0])
    start = timezone.now()
    lesson_open(user=enrolled, lesson=lesson, now=start)
    # Played 0-4 s, skipped to 15 s and played to the end: 9 distinct seconds.
    lesson_open(user=enrolled, lesson=lesson, video={"ranges": [[0, 4.2], [15, 20]]},
                now=_at(start, 10))
    progress = lesson_open(user=enrolled, lesson=lesson, video={"ranges": [[0, 4], [15, 20]]},
                           now=_at(start, 12))  # the same seconds again add nothing
    assert progress.video_seconds_watched == 9
    requirement = lesson_requirement(user=enrolled, lesson=lesson, progress=progress)
    assert requirement.video_watched_percent == 45 and not requirement.met
    assert requirement.remaining == "Watch 45% more of the video"
    with pytest.raises(StudyIncomplete):
        lesson_complete(user=enrolled, lesson=lesson, now=_at(start, 12))
    # A claim of the rest two seconds later is capped by real time (2 s at 2x, plus slack).
    progress = lesson_open(user=enrolled, lesson=lesson, video={"ranges": [[4, 15]]},
                           now=_at(start, 14))
    assert progress.video_seconds_watched == 9 + 2 * 2 + 3
    progress = lesson_open(user=enrolled, lesson=lesson, video={"ranges": [[4, 15]]},
                           now=_at(start, 30))
    assert progress.video_seconds_watched == 20
    assert lesson_complete(user=enrolled, lesson=lesson, now=_at(start, 30)).completed_at


def test_video_at_the_required_share_credits(enrolled, lessons):
    lesson = _video_lesson(lessons[0])
    start = timezone.now()
    lesson_open(user=enrolled, lesson=lesson, now=start)
    progress = lesson_open(user=enrolled, lesson=lesson, video={"ranges": [[0, 17]]},
                           now=_at(start, 20))
    assert not lesson_requirement(user=enrolled, lesson=lesson, progress=progress).met
    progress = lesson_open(user=enrolled, lesson=lesson, video={"ranges": [[17, 18]]},
                           now=_at(start, 21))
    assert progress.video_seconds_watched == 18  # 90 %
    assert lesson_complete(user=enrolled, lesson=lesson, now=_at(start, 21)).completed_at


def test_external_link_cannot_be_the_credit(enrolled, lessons, trainer):
    lesson = lessons[0]
    lesson.video_url = "https://example.org/video"
    lesson.save()
    with pytest.raises(ApplicationError, match="Only a video the academy hosts"):
        lesson_update(lesson=lesson, actor=trainer, credit_method=CreditMethod.VIDEO)
    # Clicking the link and completing at once credits nothing.
    lesson_open(user=enrolled, lesson=lesson)
    with pytest.raises(StudyIncomplete):
        lesson_complete(user=enrolled, lesson=lesson)


def test_lesson_form_refuses_video_credit_without_a_hosted_file(client, teacher, lessons):
    trainer = teacher
    lesson = lessons[0]
    lesson.module.course.owners.add(trainer)
    client.force_login(trainer)
    response = client.post(reverse("courses:lesson_edit", args=[lesson.pk]), {
        "title": lesson.title, "body": lesson.body, "video_url": "https://example.org/v",
        "class_hours": "2", "estimated_minutes": "30", "credit_method": "video", "save": "1",
    })
    assert response.status_code == 200
    lesson.refresh_from_db()
    assert lesson.credit_method == CreditMethod.TIME


def test_lesson_form_uploads_a_video_for_video_credit(client, teacher, lessons):
    trainer = teacher
    lesson = lessons[0]
    lesson.module.course.owners.add(trainer)
    client.force_login(trainer)
    with open(CLIP, "rb") as handle:
        upload = SimpleUploadedFile("clip.webm", handle.read(), content_type="video/webm")
    response = client.post(reverse("courses:lesson_edit", args=[lesson.pk]), {
        "title": lesson.title, "body": lesson.body, "class_hours": "2",
        "estimated_minutes": "30", "credit_method": "video", "video_seconds": "20",
        "video_file": upload, "save": "1",
    })
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.credit_method == CreditMethod.VIDEO and lesson.video_file
    assert lesson.version == 2


def test_hosted_video_is_served_in_ranges_to_learners_only(client, enrolled, lessons):
    from tests.factories import BrokerFactory

    lesson = _video_lesson(lessons[0])
    client.force_login(enrolled)
    url = reverse("courses:lesson_video", args=[lesson.pk])
    whole = client.get(url)
    assert whole.status_code == 200
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and part["Content-Range"].startswith("bytes 10-19/")
    assert len(b"".join(part.streaming_content)) == 10
    client.force_login(BrokerFactory())
    assert client.get(url).status_code == 403


def test_lesson_page_says_what_is_still_needed(client, enrolled, lessons):
    client.force_login(enrolled)
    with translation.override("zh-hans"):
        first_url = reverse("courses:lesson_detail", args=[lessons[0].pk])
        video_url = reverse("courses:lesson_detail", args=[lessons[1].pk])
    with_time = client.get(first_url)
    assert "还需学习 24 分钟" in with_time.content.decode()
    video = _video_lesson(lessons[1])
    progress = lesson_open(user=enrolled, lesson=video)
    LessonProgress.objects.filter(pk=progress.pk).update(
        video_ranges=[[0, 10]], video_seconds_watched=10)
    html = client.get(video_url).content.decode()
    assert "视频还需观看 40%" in html
    assert 'data-testid="lesson-video"' in html


def test_ping_answers_with_the_requirement(client, enrolled, lessons):
    client.force_login(enrolled)
    client.get(reverse("courses:lesson_detail", args=[lessons[0].pk]))
    LessonProgress.objects.filter(lesson=lessons[0]).update(
        last_viewed_at=timezone.now() - datetime.timedelta(seconds=40))
    data = client.post(reverse("courses:lesson_ping", args=[lessons[0].pk]),
                       data='{"seconds": 30}', content_type="application/json").json()
    assert data["seconds_spent"] == 30 and data["met"] is False
    assert data["remaining_minutes"] == 24 - 0  # 1,410 s left: 23.5 minutes, shown as 24


def test_check_lesson_credits_after_right_answers(enrolled, lessons, trainer):
    lesson = lesson_update(
        lesson=lessons[0], actor=trainer, credit_method=CreditMethod.CHECK,
        check_questions=[{"question": "技术合同应当如何订立？", "options": ["口头", "书面"],
                          "answer": 1}])
    lesson_open(user=enrolled, lesson=lesson)
    assert lesson_check_submit(user=enrolled, lesson=lesson, answers=["0"]) is False
    with pytest.raises(StudyIncomplete):
        lesson_complete(user=enrolled, lesson=lesson)
    assert lesson_check_submit(user=enrolled, lesson=lesson, answers=["1"]) is True
    assert lesson_complete(user=enrolled, lesson=lesson).credited_hours == Decimal("2.00")


def test_attendance_lesson_credits_after_a_session_of_the_course(enrolled, cohort, lessons,
                                                                 trainer):
    lesson = lesson_update(lesson=lessons[0], actor=trainer,
                           credit_method=CreditMethod.ATTENDANCE)
    lesson_open(user=enrolled, lesson=lesson)
    with pytest.raises(StudyIncomplete):
        lesson_complete(user=enrolled, lesson=lesson)
    attended(enrolled, OfflineSessionFactory(cohort=cohort, course=lesson.module.course))
    assert lesson_complete(user=enrolled, lesson=lesson).completed_at


def test_cohort_figures_per_lesson(enrolled, cohort, lessons, client, teacher):
    trainer = teacher
    video = _video_lesson(lessons[1])
    study(enrolled, lessons[0], seconds=600)
    start = timezone.now() + datetime.timedelta(hours=1)
    lesson_open(user=enrolled, lesson=video, now=start)
    lesson_open(user=enrolled, lesson=video, video={"ranges": [[0, 10]]}, now=_at(start, 10))
    figures = {f.lesson.pk: f for f in cohort_lesson_figures(cohort=cohort)}
    assert figures[lessons[0].pk].opened == 1
    assert figures[lessons[0].pk].avg_active_minutes == Decimal("10.0")
    assert figures[lessons[0].pk].required_minutes == Decimal("24.0")
    assert figures[video.pk].avg_watched_percent == 50
    assert figures[video.pk].requirement_met == 0
    assert figures[lessons[2].pk].opened == 0
    client.force_login(trainer)
    html = client.get(reverse("courses:cohort_detail", args=[cohort.pk])).content.decode()
    assert 'data-testid="lesson-figures"' in html and "50%" in html
