"""In a real browser: a trainer grades a broker's short answer and case analysis in the
grading queue (seeing only the answer code), releases the sitting's results, and the broker
sees the score.

The broker's half (starting, answering, reloading, submitting) is
tests/e2e/test_exam_browser.py; this test starts from its ``broker_submitted_attempt``.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from exams.models import Attempt, Mark
from tests.e2e.test_exam_browser import broker_submitted_attempt, log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BROKER_NAME = "欧阳明远"


@pytest.fixture
def flow(settings):
    # The trainer signs in with a password only: this test is about grading, not the MFA
    # gate (tests/e2e/test_foundation_browser.py types real TOTP codes).
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    cache.clear()
    trainer = UserFactory(roles=["trainer"], full_name="张振华")
    sitting, attempt = broker_submitted_attempt(grader=trainer, user__full_name=BROKER_NAME)
    yield trainer, sitting, attempt
    cache.clear()


def grade_open_answer(page, scores: list[str], comment: str) -> None:
    """Fill the rubric of the grading page on screen and save ("save and next")."""
    form = page.locator("form[data-mark-form]")
    inputs = form.locator("input[data-criterion-input]")
    assert inputs.count() == len(scores)
    for index, score in enumerate(scores):
        inputs.nth(index).fill(score)
    total = sum(Decimal(s) for s in scores)
    # staff.js keeps a running total of the criteria.
    assert Decimal(form.locator("[data-mark-total]").inner_text()) == total
    form.locator("textarea[name='comment']").fill(comment)
    form.locator("button[type='submit']").click()


def test_trainer_grades_the_essays_and_releases_and_the_broker_sees_the_result(
    live_server, browser, page, flow, screenshot
):
    trainer, sitting, attempt = flow
    base = live_server.url
    broker = attempt.user

    # The trainer's backlog shows the sitting with two answers waiting.
    log_in(page, base, trainer.email)
    page.goto(base + "/exams/staff/grading/")
    row = page.locator("tr", has=page.locator(f"a[href='/exams/staff/sittings/{sitting.pk}/']"))
    assert row.locator(".badge").inner_text().strip() == "2"
    screenshot(page, "grading-backlog")

    # Start grading: the first answer opens, with the answer code and never the broker.
    page.locator("a[href='/exams/staff/grading/next/']").first.click()
    page.wait_for_url(re.compile(r"/exams/staff/grading/answers/\d+/$"))
    assert page.locator("[data-answer-code]").inner_text().strip() == attempt.code
    html = page.content()
    assert BROKER_NAME not in html and broker.email not in html
    screenshot(page, "grading-answer")

    # A score above a criterion's points is refused on the page, nothing is saved.
    inputs = page.locator("form[data-mark-form] input[data-criterion-input]")
    inputs.nth(0).fill("9")
    assert "is-invalid" in (inputs.nth(0).get_attribute("class") or "")
    for index in range(1, inputs.count()):
        inputs.nth(index).fill("1")
    page.locator("form[data-mark-form] button[type='submit']").click()
    page.locator("form[data-mark-form] .invalid-feedback").first.wait_for()
    assert not Mark.objects.exists()

    # Save and next: the short answer, then the case analysis, each out of 4 + 3 + 3.
    grade_open_answer(page, ["4", "3", "3"], "要点齐全，表述清楚。")
    page.wait_for_url(re.compile(r"/exams/staff/grading/answers/\d+/$"))
    assert page.locator("[data-answer-code]").inner_text().strip() == attempt.code
    grade_open_answer(page, ["3", "2", "0"], "方案不够具体。")
    page.wait_for_url(re.compile(r"/exams/staff/grading/$"))
    assert Mark.objects.filter(grader=trainer).count() == 2
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED

    # The sitting's dashboard: grading complete; release (the page asks first).
    page.goto(base + f"/exams/staff/sittings/{sitting.pk}/")
    bars = page.locator(".progress-bar[data-progress]")
    assert bars.count() >= 3
    assert bars.nth(0).evaluate("el => el.style.width") != ""  # painted from data-progress
    assert BROKER_NAME not in page.content()  # anonymous until released
    screenshot(page, "sitting-dashboard-graded")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"form[action='/exams/staff/sittings/{sitting.pk}/release/'] button").click()
    page.wait_for_url(re.compile(rf"/exams/staff/sittings/{sitting.pk}/$"))
    page.locator(".alert-success").first.wait_for()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.RELEASED
    assert attempt.score == Decimal("11.00")  # 8 objective + 2 + 1 (rubric 10 → 2 points)
    assert BROKER_NAME in page.content()  # released: names are shown
    screenshot(page, "sitting-dashboard-released")
    assert not page.js_errors, page.js_errors

    # The broker sees the released result.
    broker_ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                     viewport={"width": 390, "height": 844})
    broker_ctx.set_default_timeout(15_000)
    broker_page = broker_ctx.new_page()
    errors: list[str] = []
    broker_page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(broker_page, base, broker.email)
    broker_page.goto(base + f"/exams/attempts/{attempt.pk}/result/")
    score = broker_page.locator("[data-testid='result-score']").inner_text()
    assert "11" in score
    broker_page.locator("[data-testid='result-outcome']").wait_for()
    screenshot(broker_page, "broker-result-released")
    assert not errors, errors
    broker_ctx.close()
