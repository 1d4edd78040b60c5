"""In a real browser: a lesson's time counts only while its page is visible and not idle, its
hosted video credits only the seconds actually played (to the policy's 90 %), and an exam's
integrity log shows a tab switch and a second session."""

from __future__ import annotations

import datetime
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from courses.models import CreditMethod, LessonProgress
from courses.selectors import study_policy
from exams.models import AttemptEvent, QuestionType
from tests.browser import log_in
from tests.courses.factories import CohortFactory, enrol, programme_with_lessons
from tests.exams.factories import QuestionFactory, SittingFactory, fixed_paper
from tests.factories import BrokerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLIP = Path(__file__).resolve().parents[2] / "courses" / "demo_media" / "lesson-clip-20s.webm"


def _wait(predicate, *, seconds: float = 20.0, step: float = 0.25):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met before the deadline")


def _play(page, start: float, until: float) -> None:
    """Play the lesson video from ``start`` at double speed until it reaches ``until``."""
    page.evaluate(
        """([start]) => { const v = document.querySelector('video[data-lesson-video]');
           v.muted = true; v.playbackRate = 2; v.currentTime = start; return v.play(); }""",
        [start])
    page.wait_for_function(
        "([until]) => { const v = document.querySelector('video[data-lesson-video]');"
        " return v.currentTime >= until || v.ended; }", arg=[until], timeout=30_000)
    page.evaluate("() => document.querySelector('video[data-lesson-video]').pause()")


def _time_lesson(broker):
    """A lesson credited by time (30 estimated minutes) in a cohort ``broker`` is in."""
    programme = programme_with_lessons(courses=1, modules=1, lessons=2)
    enrol(broker, CohortFactory(programme=programme))
    return programme.courses.first().modules.first().lessons.order_by("order").first()


def _spent(broker, lesson) -> int:
    record = LessonProgress.objects.filter(user=broker, lesson=lesson).first()
    return record.seconds_spent if record else 0


def _set_visibility(page, state: str) -> None:
    """What the browser does when the tab goes to the back or comes to the front again."""
    page.evaluate(
        """([state]) => {
             Object.defineProperty(document, 'visibilityState',
                                   {configurable: true, get: () => state});
             Object.defineProperty(document, 'hidden',
                                   {configurable: true, get: () => state !== 'visible'});
             document.dispatchEvent(new Event('visibilitychange'));
           }""", [state])


def _counts_again_only_from(broker, lesson, before: int, since: float) -> None:
    """The next heartbeat after the page may count again (at ``since``, by time.monotonic)
    adds no more than the seconds that have passed since then, and the fraction of a second
    counted before it stopped and not sent yet."""
    after = _wait(lambda: _spent(broker, lesson) > before and _spent(broker, lesson))
    assert after - before <= time.monotonic() - since + 1, (before, after)


def test_a_hidden_page_counts_no_time(live_server, page, settings):
    settings.ACADEMY_LESSON_PING_SECONDS = 2
    cache.clear()
    broker = BrokerFactory()
    lesson = _time_lesson(broker)
    log_in(page, live_server.url, broker.email)
    page.clock.install()  # the page's own clock, to hold its timers as a background tab's
    page.goto(f"{live_server.url}/courses/lesson/{lesson.pk}/")
    _wait(lambda: _spent(broker, lesson) >= 2)  # a visible page counts

    _set_visibility(page, "hidden")
    # Time has to pass for it not to be counted: 3 s hidden, the timers running (the last
    # visible seconds sent on hiding arrive meanwhile), then 3 s more must add nothing.
    page.wait_for_timeout(3000)
    hidden_from = _spent(broker, lesson)
    page.wait_for_timeout(3000)
    assert _spent(broker, lesson) == hidden_from
    # A background tab's timers are throttled or stopped: 6 s more in which none runs, and
    # the page comes to the front before they run again. That time is hidden time too.
    # The Python API counts in seconds; a moment just ahead, since the page's clock has moved
    # on by the time the pause arrives (it can only be moved forward).
    held_at = page.evaluate("Date.now()") / 1000 + 1
    page.clock.pause_at(held_at)
    page.wait_for_timeout(6000)
    page.clock.set_system_time(held_at + 6)
    since = time.monotonic()
    _set_visibility(page, "visible")
    page.clock.resume()
    page.mouse.move(200, 200)
    _counts_again_only_from(broker, lesson, hidden_from, since)


def test_an_idle_page_counts_no_time(live_server, page, settings):
    settings.ACADEMY_LESSON_PING_SECONDS = 2
    cache.clear()
    broker = BrokerFactory()
    lesson = _time_lesson(broker)
    log_in(page, live_server.url, broker.email)
    page.clock.install()  # the page's own clock, to pass the policy's idle limit at once
    page.goto(f"{live_server.url}/courses/lesson/{lesson.pk}/")
    page.mouse.move(100, 100)
    _wait(lambda: _spent(broker, lesson) >= 2)

    # No keyboard, mouse, touch or scroll for longer than the policy's idle limit.
    page.clock.fast_forward((study_policy().idle_minutes * 60 + 1) * 1000)
    page.wait_for_timeout(3000)  # what was counted before arrives; then 4 s must add nothing
    idle_from = _spent(broker, lesson)
    page.wait_for_timeout(4000)
    assert _spent(broker, lesson) == idle_from

    since = time.monotonic()
    page.mouse.move(300, 300)
    _counts_again_only_from(broker, lesson, idle_from, since)


def test_video_to_90_percent_and_skipping_forward_does_not_count(
        live_server, page, settings, screenshot):
    settings.ACADEMY_LESSON_PING_SECONDS = 2
    cache.clear()
    programme = programme_with_lessons(courses=1, modules=1, lessons=2)
    broker = BrokerFactory()
    enrol(broker, CohortFactory(programme=programme))
    lesson = programme.courses.first().modules.first().lessons.order_by("order").first()
    lesson.video_file.save("clip.webm", SimpleUploadedFile("clip.webm", CLIP.read_bytes()),
                           save=False)
    lesson.video_seconds = 20
    lesson.credit_method = CreditMethod.VIDEO
    lesson.save()

    base = live_server.url
    log_in(page, base, broker.email)
    page.goto(f"{base}/courses/lesson/{lesson.pk}/")
    page.wait_for_function("() => document.querySelector('video[data-lesson-video]')"
                           ".readyState >= 1")
    done = page.locator("[data-testid='mark-done']")
    assert done.is_disabled()

    def watched() -> int:
        record = LessonProgress.objects.filter(user=broker, lesson=lesson).first()
        return record.video_seconds_watched if record else 0

    # Play 0–4 s, skip forward to 15 s and play to the end: about 9 seconds watched.
    _play(page, 0, 4)
    _play(page, 15, 20)
    _wait(lambda: watched() >= 8)
    page.wait_for_timeout(2500)  # one more heartbeat: nothing else may arrive
    assert 8 <= watched() <= 11
    assert done.is_disabled()
    remaining = page.locator("[data-testid='study-remaining']").inner_text()
    assert "视频还需观看" in remaining
    screenshot(page, "study-video-skipped")

    # Go back and play the part that was skipped: now 90 % or more, and the button opens.
    _play(page, 4, 15.5)
    _wait(lambda: watched() >= 18)
    page.wait_for_function("() => !document.querySelector(\"[data-testid='mark-done']\")"
                           ".disabled", timeout=15_000)
    done.click()
    page.locator(".alert-success").first.wait_for()
    record = LessonProgress.objects.get(user=broker, lesson=lesson)
    assert record.completed_at is not None and record.credited_hours == Decimal("2.00")
    screenshot(page, "study-video-done")


def test_integrity_log_shows_a_tab_switch_and_a_second_session(
        live_server, browser, page, settings, screenshot):
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    cache.clear()
    essay = QuestionFactory(type=QuestionType.CASE)
    single = QuestionFactory(type=QuestionType.SINGLE)
    sitting = SittingFactory(paper=fixed_paper([single, essay], points=10),
                             opens_at=timezone.now() - datetime.timedelta(minutes=5))
    broker = BrokerFactory()
    enrol(broker, sitting.cohort)
    trainer = UserFactory(roles=["trainer"])
    sitting.cohort.trainers.add(trainer)

    base = live_server.url
    log_in(page, base, broker.email)
    page.goto(f"{base}/exams/sittings/{sitting.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/start/'] button[type='submit']").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/$"))
    attempt_id = int(re.search(r"/attempts/(\d+)/", page.url).group(1))

    # Another tab comes to the front for a while, then the exam again. (Playwright lets every
    # page believe it has the focus; real focus handling is switched back on for the exam.)
    page.context.new_cdp_session(page).send("Emulation.setFocusEmulationEnabled",
                                            {"enabled": False})
    page.bring_to_front()
    other = page.context.new_page()
    other.goto(base + "/")
    other.bring_to_front()
    page.wait_for_timeout(1500)
    page.bring_to_front()
    page.locator("textarea").first.click()
    _wait(lambda: AttemptEvent.objects.filter(attempt_id=attempt_id, kind="left_page").first())
    left = AttemptEvent.objects.get(attempt_id=attempt_id, kind="left_page")
    assert left.duration_ms >= 1000

    # The same broker opens the attempt on a second device (another browser profile).
    second_device = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    phone = second_device.new_page()
    log_in(phone, base, broker.email)
    phone.goto(f"{base}/exams/attempts/{attempt_id}/")
    assert AttemptEvent.objects.filter(attempt_id=attempt_id, kind="second_session").exists()
    second_device.close()
    other.close()

    # Staff see the log on the attempt's page.
    staff_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    staff = staff_context.new_page()
    log_in(staff, base, trainer.email)
    staff.goto(f"{base}/exams/staff/attempts/{attempt_id}/")
    log = staff.locator("[data-testid='integrity-log']")
    assert log.locator("tr[data-kind='left_page']").count() == 1
    assert log.locator("tr[data-kind='second_session']").count() == 1
    assert broker.full_name not in staff.content()  # anonymous grading: the code only
    screenshot(staff, "integrity-log")
    staff_context.close()
