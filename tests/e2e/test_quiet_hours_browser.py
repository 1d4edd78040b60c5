"""In a real browser: a broker lets course deadlines through quiet hours and holds exam-window
closings back from the preferences page; the next night's reminders follow that choice."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from academy.notifications.models import QuietHoursOverride, Reminder
from academy.notifications.services import notify
from tests.browser import log_in
from tests.factories import BrokerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_broker_toggles_which_kinds_may_arrive_during_quiet_hours(live_server, page, settings,
                                                                   screenshot):
    broker = BrokerFactory(user__full_name="王小明")
    log_in(page, live_server.url, broker.email)
    page.goto(live_server.url + "/notifications/preferences/")
    section = page.locator("[data-testid='quiet-hours']")
    section.wait_for()
    deadline = page.locator("#id_quiet_course_deadline")
    closing = page.locator("#id_quiet_exam_window_closing")
    assert not deadline.is_checked() and closing.is_checked()  # the kinds' defaults
    assert page.locator("#id_quiet_broker_inactive").count() == 0  # never urgent: fixed

    deadline.check()
    closing.uncheck()
    page.locator("[data-testid='save-preferences']").click()
    page.wait_for_url("**/notifications/preferences/")
    assert page.locator("#id_quiet_course_deadline").is_checked()
    assert not page.locator("#id_quiet_exam_window_closing").is_checked()
    page.locator("[data-testid='quiet-hours']").scroll_into_view_if_needed()
    screenshot(page, "notification-quiet-hours-zh")
    assert dict(QuietHoursOverride.objects.filter(user=broker).values_list(
        "kind", "allowed")) == {"course_deadline": True, "exam_window_closing": False}

    # Now a night: quiet hours span the present moment.
    now = timezone.localtime()
    settings.ACADEMY_NOTIFY_QUIET_START = f"{now - datetime.timedelta(hours=1):%H:%M}"
    settings.ACADEMY_NOTIFY_QUIET_END = f"{now + datetime.timedelta(hours=1):%H:%M}"
    notify(recipients=[broker], kind="course_deadline",
           subject=("courses.cohortcoursedeadline", 1), window="due:7d",
           context={"course": "技术合同认定登记实务", "cohort": "第一期",
                    "due_on": "2026-12-20", "days": 7, "remaining": 2})
    notify(recipients=[broker], kind="exam_window_closing", subject=("exams.sitting", 1),
           window="closes", context={"sitting": "结业考试", "closes_at": "2026-12-08 06:00",
                                     "started": False})
    held = dict(Reminder.objects.filter(recipient=broker, channel="email")
                .values_list("kind", "scheduled_for"))
    assert held["course_deadline"] is None  # let through: sent now
    assert held["exam_window_closing"] is not None  # held until quiet hours end
    assert not page.js_errors, page.js_errors
