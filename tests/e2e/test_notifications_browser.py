"""In a real browser: a broker sees the unread badge, opens the notification centre, follows a
notification to the exam it announces, and the badge count drops; then marks the rest read."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from academy.notifications.services import notify
from academy.notifications.sweeps import sweep_run
from tests.browser import PHONE, log_in
from tests.courses.factories import enrol
from tests.exams.factories import SittingFactory
from tests.factories import BrokerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _badge(page) -> str:
    badge = page.locator("[data-notification-badge] [data-unread-count]")
    return badge.inner_text().strip() if badge.count() else ""


def test_broker_follows_a_notification_to_the_exam_and_the_badge_drops(
    live_server, page, screenshot
):
    import datetime

    from django.utils import timezone

    broker = BrokerFactory(user__full_name="王小明")
    sitting = SittingFactory(title="2026年中级技术经纪人结业考试",
                             opens_at=timezone.now() + datetime.timedelta(hours=2),
                             closes_at=timezone.now() + datetime.timedelta(days=2))
    enrol(broker, sitting.cohort)
    # The exam's sweep announces the window opening (a real reminder, e-mail and in-app) ...
    sweep_run("exams.window_opening")
    # ... and something else is unread too.
    notify(recipients=[broker], kind="session_tomorrow", subject=("courses.offlinesession", 1),
           window="demo", url="/courses/programme/",
           context={"session": "线下集中授课", "starts_at": "2026-12-02 09:00",
                    "place": "三门峡市科技局三楼会议室", "cohort": sitting.cohort.name})

    log_in(page, live_server.url, broker.email)

    assert _badge(page) == "2"
    screenshot(page, "notifications-badge-zh")
    page.locator("[data-notification-badge]").click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    links = page.locator("[data-testid='notification-link']")
    assert links.count() == 2
    screenshot(page, "notifications-centre-zh")

    exam_link = links.filter(has_text="2026年中级技术经纪人结业考试")
    exam_link.click()
    page.wait_for_url(re.compile(rf"/exams/sittings/{sitting.pk}/$"))
    assert _badge(page) == "1"

    # Back in the centre the followed one is read; "mark all as read" clears the badge.
    page.locator("[data-notification-badge]").click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    assert page.locator("[data-read='0']").count() == 1
    page.locator("[data-testid='read-all']").click()
    page.locator("[data-read='0']").first.wait_for(state="detached")
    assert _badge(page) == ""
    assert page.locator("[data-read='0']").count() == 0

    # On a phone the bell stays in the bar, outside the collapsed menu.
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/notifications/preferences/")
    assert page.locator("[data-notification-badge]").is_visible()
    screenshot(page, "notifications-preferences-zh-phone")
    assert not page.js_errors, page.js_errors
