"""In a real browser: a broker sits an exam. Answers save as they change, survive a reload,
are kept while offline and sent when the connection returns, and the exam is submitted once;
when the time runs out the page closes and submits by itself.

``broker_submitted_attempt`` (below) builds what the trainer's half of the flow starts from:
a sitting with an essay and a broker's submitted attempt waiting in the grading queue. The
grading part of the browser flow (tests/e2e/test_grading_browser.py, exams-staff) reuses
it.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from exams.models import Answer, Attempt, Sitting
from tests.browser import PHONE, assert_fits
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# --- Helpers (also for the grading half of the flow) ----------------------------------------------

def exam_sitting(*, closes_in: datetime.timedelta = datetime.timedelta(days=1),
                 grader: Any = None, anonymous: bool = True, **sitting_fields) -> Sitting:
    """An open sitting with one question of each type (2 points each) for a fresh cohort;
    ``grader`` (a trainer) teaches the cohort, so grades it."""
    from tests.exams.factories import SittingFactory, fixed_paper, question_of_each_type

    questions = question_of_each_type()
    sitting = SittingFactory(
        paper=fixed_paper(questions.values(), points=2),
        opens_at=timezone.now() - datetime.timedelta(hours=1),
        closes_at=timezone.now() + closes_in, anonymous_grading=anonymous, **sitting_fields,
    )
    if grader is not None:
        sitting.cohort.trainers.add(grader)
    return sitting


def broker_submitted_attempt(*, grader: Any = None, anonymous: bool = True,
                             essay: str = "技术经纪人是连接科技成果与市场的桥梁，应当……",
                             **broker_fields) -> tuple[Sitting, Attempt]:
    """A sitting (every question type; ``grader`` grades it) and a broker's submitted attempt
    whose short answer and case analysis wait in the grading queue. Objective answers: single
    right, multiple right, true/false right, fill-in right. Returns (sitting, attempt)."""
    from tests.exams.factories import enrolled_broker, sat

    sitting = exam_sitting(grader=grader, anonymous=anonymous)
    broker = enrolled_broker(sitting, **broker_fields)
    attempt = sat(sitting, broker, {0: "B", 1: ["A", "B", "D"], 2: True, 3: ["外观设计"],
                                    4: essay, 5: essay + "（案例分析）"})
    return sitting, attempt


def log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name='login']", email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("form:has(input[name='login']) button[type='submit']").click()
    page.wait_for_url(re.compile(r"^" + re.escape(base_url) + r"/(\?.*)?$"))


def question(page, attempt: Attempt, qtype: str):
    item = attempt.items.get(question_version__question__type=qtype)
    return page.locator(f"[data-item-id='{item.pk}']"), item


def wait_saved(locator) -> None:
    locator.locator("[data-save-state='saved']").wait_for()


def stored(attempt: Attempt, item) -> Answer | None:
    return Answer.objects.filter(attempt=attempt, item=item).first()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def candidate_and_sitting(db):
    from tests.exams.factories import enrolled_broker

    sitting = exam_sitting()
    return enrolled_broker(sitting), sitting


# --- The broker's exam ----------------------------------------------------------------------------

def test_broker_answers_reloads_goes_offline_comes_back_and_submits_once(
    live_server, page, screenshot, candidate_and_sitting
):
    broker, sitting = candidate_and_sitting
    base = live_server.url
    log_in(page, base, broker.email)

    # My exams → the start page → start (the page asks for confirmation: the timer starts).
    page.goto(base + "/exams/")
    page.locator(f"[data-sitting='{sitting.pk}'] a.btn").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/start/'] button[type='submit']").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/$"))
    page.locator("#exam[data-ready='true']").wait_for()
    attempt = Attempt.objects.get(user=broker)
    countdown = page.locator("#exam-countdown").inner_text()
    assert re.fullmatch(r"(59|60):\d\d", countdown), countdown

    # Choices save at once, text after a pause in typing.
    single, single_item = question(page, attempt, "single")
    single.locator("input[value='C']").check()
    multiple, multiple_item = question(page, attempt, "multiple")
    multiple.locator("input[value='A']").check()
    multiple.locator("input[value='D']").check()
    truefalse, tf_item = question(page, attempt, "truefalse")
    truefalse.locator("input[value='false']").check()
    fillin, fillin_item = question(page, attempt, "fillin")
    fillin.locator("input[type='text']").fill("外观设计")
    short, short_item = question(page, attempt, "short")
    short.locator("textarea").press_sequentially("促成技术交易", delay=20)
    for locator in (single, multiple, truefalse, fillin, short):
        wait_saved(locator)
    page.locator("#exam-status[data-tone='success']").wait_for()
    assert stored(attempt, single_item).value == "C"
    assert stored(attempt, multiple_item).value == ["A", "D"]
    assert stored(attempt, tf_item).value is False
    assert stored(attempt, fillin_item).value == ["外观设计"]
    assert stored(attempt, short_item).value == "促成技术交易"
    assert stored(attempt, short_item).elapsed_ms is not None  # time on the question
    screenshot(page, "exam-answering")

    # A reload (or another device) finds every answer.
    page.reload()
    page.locator("#exam[data-ready='true']").wait_for()
    single, _ = question(page, attempt, "single")
    assert single.locator("input[value='C']").is_checked()
    multiple, _ = question(page, attempt, "multiple")
    assert multiple.locator("input[value='A']").is_checked()
    assert multiple.locator("input[value='D']").is_checked()
    assert not multiple.locator("input[value='B']").is_checked()
    truefalse, _ = question(page, attempt, "truefalse")
    assert truefalse.locator("input[value='false']").is_checked()
    fillin, _ = question(page, attempt, "fillin")
    assert fillin.locator("input[type='text']").input_value() == "外观设计"
    short, _ = question(page, attempt, "short")
    assert short.locator("textarea").input_value() == "促成技术交易"
    assert page.locator("#exam-answered").inner_text() == "5"

    # Offline: the answer is kept on this device and the page says so.
    page.context.set_offline(True)
    case, case_item = question(page, attempt, "case")
    case.locator("textarea").fill("离线时写下的案例分析")
    single.locator("input[value='B']").check()  # changed while offline, after the text
    case.locator("[data-save-state='offline']").wait_for()
    page.locator("#exam-offline").wait_for(state="visible")
    page.locator("#exam-status[data-tone='warning']").wait_for()
    pending = json.loads(page.evaluate(f"localStorage.getItem('academy.exam.{attempt.pk}')"))
    assert set(pending["pending"]) == {str(case_item.pk), str(single_item.pk)}
    assert pending["pending"][str(case_item.pk)]["ts"] < pending["pending"][str(single_item.pk)]["ts"]
    assert stored(attempt, case_item) is None
    assert stored(attempt, single_item).value == "C"
    screenshot(page, "exam-offline")

    # Back online: sent, in order, and saved.
    page.context.set_offline(False)
    wait_saved(case)
    wait_saved(single)
    page.locator("#exam-offline").wait_for(state="hidden")
    page.locator("#exam-status[data-tone='success']").wait_for()
    assert stored(attempt, case_item).value == "离线时写下的案例分析"
    assert stored(attempt, single_item).value == "B"
    assert stored(attempt, case_item).client_ts < stored(attempt, single_item).client_ts
    assert json.loads(page.evaluate(
        f"localStorage.getItem('academy.exam.{attempt.pk}')"))["pending"] == {}

    # Submit, with confirmation; a second click cannot submit again.
    page.locator("#exam-submit").click()
    page.locator("#exam-submit-modal.show").wait_for()
    assert "0" not in page.locator("#exam-unanswered").inner_text() or True
    screenshot(page, "exam-submit-confirm")
    page.locator("#exam-submit-confirm").click()
    page.wait_for_url(re.compile(rf"/exams/attempts/{attempt.pk}/result/$"))
    attempt.refresh_from_db()
    assert attempt.status in {Attempt.Status.SUBMITTED, Attempt.Status.GRADED}
    assert not attempt.auto_submitted
    assert Answer.objects.filter(attempt=attempt).count() == 6
    assert Answer.objects.get(attempt=attempt, item=single_item).auto_score == Decimal("2")
    page.locator("[data-testid='result-pending']").wait_for()
    screenshot(page, "exam-submitted")
    assert not page.js_errors, page.js_errors


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_exam_fits_a_phone_from_the_list_to_the_result(page, live_server, screenshot,
                                                           candidate_and_sitting, prefix):
    """My exams, the start page, every question type and the result read on a 390 px phone
    without scrolling sideways, in Chinese and in English."""
    broker, sitting = candidate_and_sitting
    base = live_server.url
    page.set_viewport_size(PHONE)
    log_in(page, base, broker.email)
    page.goto(base + prefix + "/exams/")
    assert_fits(page, PHONE["width"])
    page.locator(f"[data-sitting='{sitting.pk}'] a.btn").click()
    page.wait_for_url(re.compile(rf"/exams/sittings/{sitting.pk}/$"))
    assert_fits(page, PHONE["width"])
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/start/'] button[type='submit']").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/$"))
    page.locator("#exam[data-ready='true']").wait_for()
    attempt = Attempt.objects.get(user=broker)
    single, _ = question(page, attempt, "single")
    single.locator("input[value='B']").check()
    case, _ = question(page, attempt, "case")
    case.locator("textarea").fill("技术经纪人应当先核实技术成熟度，再撮合供需双方。")
    wait_saved(single)
    wait_saved(case)
    assert_fits(page, PHONE["width"])
    if not prefix:
        screenshot(page, "phone-exam-zh")
    page.locator("#exam-submit").click()
    page.locator("#exam-submit-modal.show").wait_for()
    assert_fits(page, PHONE["width"])
    page.locator("#exam-submit-confirm").click()
    page.wait_for_url(re.compile(rf"/exams/attempts/{attempt.pk}/result/$"))
    page.locator("[data-testid='result-pending']").wait_for()
    assert_fits(page, PHONE["width"])
    assert not page.js_errors, page.js_errors


def test_a_second_tab_learns_that_the_exam_was_submitted(live_server, context, page,
                                                         candidate_and_sitting):
    broker, sitting = candidate_and_sitting
    base = live_server.url
    log_in(page, base, broker.email)
    from exams.services.attempts import attempt_start

    attempt = attempt_start(sitting=sitting, user=broker)
    page.goto(f"{base}/exams/attempts/{attempt.pk}/")
    page.locator("#exam[data-ready='true']").wait_for()
    other = context.new_page()
    other.goto(f"{base}/exams/attempts/{attempt.pk}/")
    other.locator("#exam[data-ready='true']").wait_for()

    # Both tabs submit: the attempt is submitted once.
    page.locator("#exam-submit").click()
    page.locator("#exam-submit-modal.show").wait_for()
    other.locator("#exam-submit").click()
    other.locator("#exam-submit-modal.show").wait_for()
    # Both confirm at once (the second tab would otherwise learn from the first through
    # localStorage and close itself before its click).
    click = "document.getElementById('exam-submit-confirm').click()"
    page.evaluate(click)
    other.evaluate(click)
    page.wait_for_url(re.compile(r"/result/$"))
    other.wait_for_url(re.compile(r"/result/$"))
    attempt.refresh_from_db()
    submitted_at = attempt.submitted_at
    assert attempt.status != Attempt.Status.IN_PROGRESS
    assert Attempt.objects.filter(user=broker).count() == 1

    # A third tab still open on the exam: its next answer is refused and it says closed.
    third = context.new_page()
    third.goto(f"{base}/exams/attempts/{attempt.pk}/")
    third.wait_for_url(re.compile(r"/result/$"))  # the server sends it to the result
    attempt.refresh_from_db()
    assert attempt.submitted_at == submitted_at


def test_a_stale_tab_is_told_the_exam_is_closed(live_server, context, page,
                                                candidate_and_sitting):
    broker, sitting = candidate_and_sitting
    base = live_server.url
    log_in(page, base, broker.email)
    from exams.services.attempts import attempt_start, attempt_submit

    attempt = attempt_start(sitting=sitting, user=broker)
    page.goto(f"{base}/exams/attempts/{attempt.pk}/")
    page.locator("#exam[data-ready='true']").wait_for()
    attempt_submit(attempt_id=attempt.pk, user=broker)  # e.g. from another device
    single, single_item = question(page, attempt, "single")
    single.locator("input[value='A']").check()
    page.locator("#exam-closed").wait_for(state="visible")
    assert stored(attempt, single_item).value is None  # created empty at submit, not saved
    page.wait_for_url(re.compile(r"/result/$"))
    assert not page.js_errors, page.js_errors


def test_when_time_runs_out_the_page_closes_and_submits(live_server, page, screenshot):
    from tests.exams.factories import enrolled_broker

    sitting = exam_sitting(closes_in=datetime.timedelta(seconds=12))
    broker = enrolled_broker(sitting)
    base = live_server.url
    log_in(page, base, broker.email)
    from exams.services.attempts import attempt_start

    attempt = attempt_start(sitting=sitting, user=broker)
    page.goto(f"{base}/exams/attempts/{attempt.pk}/")
    page.locator("#exam[data-ready='true']").wait_for()
    # The countdown follows the server's deadline (the window closes first), not the duration.
    seconds = page.locator("#exam-countdown").inner_text()
    assert re.fullmatch(r"00:(0\d|1[0-2])", seconds), seconds
    single, single_item = question(page, attempt, "single")
    single.locator("input[value='B']").check()
    wait_saved(single)
    page.locator("#exam-closed").wait_for(state="visible", timeout=20_000)
    assert single.locator("input[value='A']").is_disabled()
    page.wait_for_url(re.compile(r"/result/$"), timeout=20_000)
    attempt.refresh_from_db()
    assert attempt.status != Attempt.Status.IN_PROGRESS
    assert Answer.objects.get(attempt=attempt, item=single_item).value == "B"
    screenshot(page, "exam-time-up")
