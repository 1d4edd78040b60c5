"""In a real browser, on the demo data: a broker opens the programme, completes a lesson and
sees the progress bar and the transcript move; a trainer records attendance and the broker's
class hours rise."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from academy.people import demo as people_demo
from courses import demo as courses_demo
from courses.models import Attendance, OfflineSession

# Rows seeded by migrations come back after each flush (academy.seeding, post_migrate).
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BROKER = "broker14@demo.local"  # the first junior demo broker, enrolled in the demo cohort
TRAINER = "trainer1@demo.local"


@pytest.fixture
def demo_data(settings):
    # The trainer logs in with a password only: this test is about courses, not the MFA gate
    # (tests/e2e/test_foundation_browser.py types real TOTP codes).
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    cache.clear()
    out = io.StringIO()
    people_demo.seed(out)
    courses_demo.seed(out)
    yield
    cache.clear()


def log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name='login']", email)
    page.fill("input[name='password']", people_demo.PASSWORD)
    page.locator("form:has(input[name='login']) button[type='submit']").click()
    page.wait_for_url(re.compile(r"^" + re.escape(base_url) + r"/(\?.*)?$"))


def overall(page) -> int:
    bar = page.locator("[data-testid='overall-progress'] .progress-bar").first
    value = int(bar.get_attribute("data-progress"))
    # academy.js paints the width from data-progress (the CSP forbids inline styles).
    painted = bar.evaluate("el => el.style.width")
    assert painted == f"{value}%"
    return value


def _studied(page, email: str) -> None:
    """Heartbeats of the open lesson's page for the time (or video share) it requires."""
    from academy.people.models import User
    from courses.models import CreditMethod, Lesson, LessonProgress
    from tests.courses.factories import study

    lesson = Lesson.objects.get(pk=int(re.search(r"/lesson/(\d+)/", page.url).group(1)))
    user = User.objects.get(email=email)
    if lesson.credit_method == CreditMethod.VIDEO:
        LessonProgress.objects.filter(user=user, lesson=lesson).update(
            video_ranges=[[0, lesson.video_seconds]],
            video_seconds_watched=lesson.video_seconds)
    else:
        study(user, lesson)


def total_hours(page, base_url: str) -> Decimal:
    page.goto(base_url + "/courses/transcript/")
    return Decimal(page.locator("[data-testid='total-hours']").inner_text().strip())


def test_broker_completes_a_lesson_and_trainer_records_attendance(
    live_server, browser, demo_data, screenshot
):
    base = live_server.url
    broker_ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                     viewport={"width": 1280, "height": 900})
    broker_ctx.set_default_timeout(15_000)
    page = broker_ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, BROKER)

    hours_before = total_hours(page, base)
    page.goto(base + "/courses/programme/")
    before = overall(page)
    screenshot(page, "courses-programme-before")

    # Continue with the next lesson of the first unfinished course and mark it done.
    page.locator(".programme-card a[href*='/courses/lesson/']").first.click()
    page.wait_for_url(re.compile(r"/courses/lesson/\d+/$"))
    lesson_hours = Decimal(
        re.search(r"([\d.]+)", page.locator("article#lesson p.small").nth(1).inner_text()).group(1)
    )
    # Hours need observed study: the page's heartbeats for the time the policy asks.
    _studied(page, BROKER)
    page.reload()
    page.locator("[data-testid='mark-done']").click()
    page.locator(".alert-success").first.wait_for()

    page.goto(base + "/courses/programme/")
    after = overall(page)
    assert after > before
    screenshot(page, "courses-programme-after")
    hours_after_lesson = total_hours(page, base)
    assert hours_after_lesson == hours_before + lesson_hours

    # The trainer ticks the broker on the upcoming session's attendance list.
    session = OfflineSession.objects.get(title="供需对接与技术商务谈判模拟")
    assert not Attendance.objects.filter(session=session, user__email=BROKER).exists()
    trainer_ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                      viewport={"width": 1280, "height": 900})
    trainer_ctx.set_default_timeout(15_000)
    trainer = trainer_ctx.new_page()
    log_in(trainer, base, TRAINER)
    trainer.goto(base + "/courses/cohorts/")
    trainer.locator("table a[href*='/courses/cohorts/']").first.click()
    trainer.locator(f"a[href='/courses/sessions/{session.pk}/']").click()
    trainer.wait_for_url(re.compile(rf"/courses/sessions/{session.pk}/$"))
    broker_id = Attendance._meta.get_field("user").related_model.objects.get(email=BROKER).pk
    trainer.locator(f"#present-{broker_id}").check()
    trainer.locator("[data-testid='save-attendance']").click()
    trainer.locator(".alert-success").first.wait_for()
    assert trainer.locator(f"#present-{broker_id}").is_checked()
    screenshot(trainer, "courses-attendance")

    hours_after_session = total_hours(page, base)
    assert hours_after_session == hours_after_lesson + session.class_hours
    assert page.get_by_text(session.title).first.is_visible()
    screenshot(page, "courses-transcript")
    assert not errors, errors
    broker_ctx.close()
    trainer_ctx.close()


def test_broker_scans_the_qr_code_on_a_phone_logs_in_and_checks_in(
    live_server, browser, demo_data, screenshot
):
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from courses.models import Cohort
    from courses.services import attendance_checkin_token

    base = live_server.url
    now = timezone.now()
    session = OfflineSession.objects.create(
        cohort=Cohort.objects.get(code=courses_demo.COHORT_CODE), title="政策解读专题讲座",
        place="湖滨区科技服务中心", class_hours=Decimal("2"),
        starts_at=now, ends_at=now + datetime.timedelta(hours=2),
        checkin_opens_at=now - datetime.timedelta(minutes=15),
        checkin_closes_at=now + datetime.timedelta(minutes=30),
    )
    url = base + reverse("courses:checkin", args=[attendance_checkin_token(session=session).token])
    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.set_default_timeout(15_000)
    page = phone.new_page()
    page.goto(url)  # what the phone's camera opens
    assert "/accounts/login/" in page.url
    page.fill("input[name='login']", BROKER)
    page.fill("input[name='password']", people_demo.PASSWORD)
    page.locator("form:has(input[name='login']) button[type='submit']").click()
    page.wait_for_url(re.compile(r"/courses/checkin/"))
    page.locator("[data-testid='checkin-button']").click()
    page.locator("[data-testid='checkin-ok']").wait_for()
    screenshot(page, "courses-checkin-phone")
    attendance = Attendance.objects.get(session=session, user__email=BROKER)
    assert attendance.method == Attendance.Method.QR
    phone.close()
