"""The broker's exam pages: my exams, the start page, the exam page and the result page.

Fixtures from tests/exams/conftest.py: ``sitting`` (open, one question of each type, for a
cohort whose trainer ``grader`` grades) and ``candidate`` (a broker of that cohort).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrolment
from exams.models import Attempt, QuestionVersion, Sitting
from exams.selectors import sitting_for_broker, sittings_for_broker
from exams.services.release import attempt_release
from tests.courses.factories import EnrolmentFactory
from tests.exams.factories import (
    SittingFactory,
    answer,
    enrolled_broker,
    fixed_paper,
    question_of_each_type,
    start,
    submit,
)
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db

EXPLANATION = "解析：技术合同认定登记由科技局负责-page"


@pytest.fixture
def broker_client(client, candidate):
    client.force_login(candidate)
    return client


def assert_no_inline_code(html: str) -> None:
    """The CSP forbids inline scripts and styles: every <script> has a src, no style=."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html)  # no inline event handlers


# --- My exams -----------------------------------------------------------------------------------

def test_my_exams_sorts_sittings_into_open_upcoming_and_closed(broker_client, sitting,
                                                               candidate):
    now = timezone.now()
    upcoming = SittingFactory(paper=sitting.paper, cohort=sitting.cohort, title="下月补考",
                              opens_at=now + datetime.timedelta(days=30),
                              closes_at=now + datetime.timedelta(days=31))
    closed = SittingFactory(paper=sitting.paper, cohort=sitting.cohort, title="上月考试",
                            opens_at=now - datetime.timedelta(days=31),
                            closes_at=now - datetime.timedelta(days=30))
    response = broker_client.get(reverse("exams:my_exams"))
    assert response.status_code == 200
    assert [r.sitting for r in response.context["open_rows"]] == [sitting]
    assert [r.sitting for r in response.context["upcoming_rows"]] == [upcoming]
    assert [r.sitting for r in response.context["closed_rows"]] == [closed]
    html = response.content.decode()
    assert reverse("exams:take_start", args=[sitting.pk]) in html
    assert response.context["open_rows"][0].attempts_left == 1
    assert_no_inline_code(html)


def test_my_exams_shows_attempts_left_and_resume(broker_client, sitting, candidate):
    Sitting.objects.filter(pk=sitting.pk).update(attempts_allowed=2)
    attempt = start(sitting, candidate)
    response = broker_client.get(reverse("exams:my_exams"))
    row = response.context["open_rows"][0]
    assert row.attempts_left == 1
    assert row.in_progress == attempt
    assert reverse("exams:take_attempt", args=[attempt.pk]) in response.content.decode()


def test_my_exams_has_empty_states(client):
    client.force_login(BrokerFactory())
    response = client.get(reverse("exams:my_exams"))
    assert response.status_code == 200
    assert response.content.decode().count('class="empty-state"') == 3


def test_my_exams_lists_only_the_brokers_own_sittings(client, sitting):
    client.force_login(BrokerFactory())
    response = client.get(reverse("exams:my_exams"))
    assert not response.context["open_rows"]
    assert sitting.title not in response.content.decode()


def test_my_exams_is_in_the_brokers_menu(broker_client):
    home = broker_client.get(reverse("home"))
    assert reverse("exams:my_exams") in {item["url"] for item in home.context["nav_items"]}


def test_my_exams_costs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    broker = BrokerFactory()
    questions = question_of_each_type()
    paper = fixed_paper([questions["single"]], points=1)
    for _ in range(4):
        s = SittingFactory(paper=paper, cohort=None, brokers=[broker], attempts_allowed=2)
        submit(start(s, broker))
    client.force_login(broker)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("exams:my_exams")).status_code == 200


# --- Start page ---------------------------------------------------------------------------------

def test_start_page_shows_rules_duration_and_window(broker_client, sitting):
    response = broker_client.get(reverse("exams:take_start", args=[sitting.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert sitting.title in html
    assert "60" in html  # minutes
    assert reverse("exams:take_begin", args=[sitting.pk]) in html
    assert_no_inline_code(html)


def test_start_page_of_a_sitting_not_mine_is_404(client, sitting):
    client.force_login(BrokerFactory())
    assert client.get(reverse("exams:take_start", args=[sitting.pk])).status_code == 404
    assert client.post(reverse("exams:take_begin", args=[sitting.pk])).status_code == 404
    assert not Attempt.objects.exists()


def test_the_start_page_admits_exactly_the_brokers_the_list_of_sittings_admits(
        client, sitting, candidate):
    listed = BrokerFactory()
    sitting.brokers.add(listed)
    withdrawn = BrokerFactory()
    EnrolmentFactory(cohort=sitting.cohort, user=withdrawn, status=Enrolment.Status.WITHDRAWN)
    for user, admitted in [(candidate, True), (listed, True), (withdrawn, False),
                           (BrokerFactory(), False)]:
        assert (sitting in sittings_for_broker(user)) is admitted
        assert (sitting_for_broker(user, sitting.pk) == sitting) is admitted
        client.force_login(user)
        page = client.get(reverse("exams:take_start", args=[sitting.pk]))
        assert page.status_code == (200 if admitted else 404)


def test_starting_opens_the_exam_page_and_fixes_the_deadline(broker_client, sitting,
                                                             candidate):
    response = broker_client.post(reverse("exams:take_begin", args=[sitting.pk]))
    attempt = Attempt.objects.get(user=candidate)
    assert response.status_code == 302
    assert response.url == reverse("exams:take_attempt", args=[attempt.pk])
    # Starting again resumes the same attempt.
    again = broker_client.post(reverse("exams:take_begin", args=[sitting.pk]))
    assert again.url == response.url
    assert Attempt.objects.filter(user=candidate).count() == 1


def test_starting_without_attempts_left_says_so(broker_client, sitting, candidate):
    submit(start(sitting, candidate))
    response = broker_client.post(reverse("exams:take_begin", args=[sitting.pk]), follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages
    assert Attempt.objects.filter(user=candidate).count() == 1


def test_start_page_of_an_upcoming_sitting_has_no_start_button(broker_client, sitting):
    Sitting.objects.filter(pk=sitting.pk).update(
        opens_at=timezone.now() + datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=2))
    response = broker_client.get(reverse("exams:take_start", args=[sitting.pk]))
    assert reverse("exams:take_begin", args=[sitting.pk]) not in response.content.decode()


# --- The exam page ------------------------------------------------------------------------------

def test_exam_page_renders_every_question_type_without_the_key(broker_client, sitting,
                                                               candidate):
    QuestionVersion.objects.filter(question__paper_items__paper=sitting.paper).update(
        explanation=EXPLANATION)
    attempt = start(sitting, candidate)
    response = broker_client.get(reverse("exams:take_attempt", args=[attempt.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in \
        response["Cache-Control"]
    html = response.content.decode()
    assert_no_inline_code(html)
    assert EXPLANATION not in html
    assert "外观设计" not in html  # the fill-in's accepted answer
    assert "识别关键问题" not in html  # rubric criterion
    for qtype in ("single", "multiple", "truefalse", "fillin", "short", "case"):
        assert f'data-type="{qtype}"' in html
    assert html.count('type="radio"') == 4 + 2  # single (4 options) + true/false
    assert html.count('type="checkbox"') == 4
    assert html.count("<textarea") == 2
    # What the script needs, in data attributes (no inline script under the CSP).
    assert f'data-attempt-id="{attempt.pk}"' in html
    assert reverse("api-exams-answer-save", args=[attempt.pk, 0]) in html
    assert reverse("api-exams-attempt-submit", args=[attempt.pk]) in html
    assert 'data-deadline="' in html and 'data-server-now="' in html
    assert "exams/exam.js" in html


def test_exam_page_shows_saved_answers_with_their_client_ts(broker_client, sitting, candidate):
    attempt = start(sitting, candidate)
    answer(attempt, 0, "C", client_ts=1111)            # single
    answer(attempt, 1, ["A", "D"], client_ts=2222)     # multiple
    answer(attempt, 2, False, client_ts=3333)          # true/false
    answer(attempt, 3, ["发明专利"], client_ts=4444)     # fill-in
    answer(attempt, 4, "我的简答", client_ts=5555)       # short
    html = broker_client.get(reverse("exams:take_attempt", args=[attempt.pk])).content.decode()
    assert re.search(r'value="C" checked', html)
    assert re.search(r'value="A" checked', html) and re.search(r'value="D" checked', html)
    assert re.search(r'value="false" checked', html)
    assert 'value="发明专利"' in html
    assert ">我的简答</textarea>" in html
    for ts in (1111, 2222, 3333, 4444, 5555):
        assert f'data-client-ts="{ts}"' in html


def test_exam_page_escapes_stems_options_and_saved_answers(broker_client, sitting, candidate):
    """The questions are written in Python: every text must still come out escaped."""
    hostile = '<img src=x onerror="alert(1)">&'
    versions = QuestionVersion.objects.filter(question__paper_items__paper=sitting.paper)
    versions.update(stem=hostile)
    single = versions.get(question__type="single")
    single.options = [{**option, "text": hostile} for option in single.options]
    single.save(update_fields=["options"])
    attempt = start(sitting, candidate)
    answer(attempt, 4, hostile, client_ts=1)  # the short answer
    html = broker_client.get(reverse("exams:take_attempt", args=[attempt.pk])).content.decode()
    assert "<img src=x" not in html and 'onerror="' not in html
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;"
    assert html.count(escaped) == 6 + 4 + 1  # six stems, four options, the saved answer


def test_exam_page_of_another_broker_is_404(client, sitting, candidate):
    attempt = start(sitting, candidate)
    client.force_login(enrolled_broker(sitting))
    assert client.get(reverse("exams:take_attempt", args=[attempt.pk])).status_code == 404
    assert client.get(reverse("exams:result", args=[attempt.pk])).status_code == 404


def test_exam_page_refuses_staff(client, sitting, candidate):
    attempt = start(sitting, candidate)
    trainer = UserFactory(roles=["trainer"])
    totp_enrol(trainer)
    client.force_login(trainer)
    assert client.get(reverse("exams:take_attempt", args=[attempt.pk])).status_code == 403


def test_exam_page_after_the_deadline_submits_once_and_shows_the_result(broker_client, sitting,
                                                                        candidate):
    attempt = start(sitting, candidate)
    answer(attempt, 0, "B")
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1))
    response = broker_client.get(reverse("exams:take_attempt", args=[attempt.pk]))
    assert response.status_code == 302
    assert response.url == reverse("exams:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status != Attempt.Status.IN_PROGRESS
    assert attempt.auto_submitted
    submitted_at = attempt.submitted_at
    broker_client.get(reverse("exams:take_attempt", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.submitted_at == submitted_at


def test_a_submitted_attempt_page_goes_to_the_result(broker_client, sitting, candidate):
    attempt = submit(start(sitting, candidate))
    response = broker_client.get(reverse("exams:take_attempt", args=[attempt.pk]))
    assert response.status_code == 302
    assert response.url == reverse("exams:result", args=[attempt.pk])


# --- The result page ----------------------------------------------------------------------------

def test_result_before_release_shows_no_score_and_no_key(broker_client, sitting, candidate):
    QuestionVersion.objects.filter(question__paper_items__paper=sitting.paper).update(
        explanation=EXPLANATION)
    Sitting.objects.filter(pk=sitting.pk).update(show_answers=True)
    attempt = start(sitting, candidate)
    answer(attempt, 0, "A")
    submit(attempt)
    response = broker_client.get(reverse("exams:result", args=[attempt.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="result-pending"' in html
    assert 'data-testid="result-score"' not in html
    assert EXPLANATION not in html
    assert not response.context["items"]


@pytest.fixture
def released(db):
    """A broker's released attempt at an objective sitting that shows answers."""
    questions = question_of_each_type()
    paper = fixed_paper([questions[t] for t in ("single", "multiple", "truefalse", "fillin")],
                        points=5)
    QuestionVersion.objects.filter(question__paper_items__paper=paper).update(
        explanation=EXPLANATION)
    sitting = SittingFactory(paper=paper, release_policy=Sitting.ReleasePolicy.IMMEDIATE,
                             show_answers=True, pass_mark=Decimal("60"))
    broker = enrolled_broker(sitting)
    attempt = start(sitting, broker)
    answer(attempt, 0, "B")          # right
    answer(attempt, 1, ["A"])        # wrong (all or nothing)
    answer(attempt, 2, True)         # right
    answer(attempt, 3, ["外观设计"])   # right
    return submit(attempt)


def test_result_after_release_shows_score_pass_areas_and_answers(client, released):
    assert released.status == Attempt.Status.RELEASED
    client.force_login(released.user)
    response = client.get(reverse("exams:result", args=[released.pk]))
    html = response.content.decode()
    assert_no_inline_code(html)
    assert 'data-testid="result-score"' in html
    assert "15" in html and "20" in html
    assert response.context["attempt"].passed is True
    assert response.context["areas"]
    assert EXPLANATION in html
    assert "result-option-correct" in html
    items = response.context["items"]
    assert [i.outcome for i in items] == ["full", "none", "full", "full"]


def test_result_without_show_answers_hides_key_and_explanation(client, released):
    Sitting.objects.filter(pk=released.sitting_id).update(show_answers=False)
    client.force_login(released.user)
    html = client.get(reverse("exams:result", args=[released.pk])).content.decode()
    assert 'data-testid="result-score"' in html
    assert EXPLANATION not in html
    assert "result-option-correct" not in html
    assert "外观设计 /" not in html


def test_result_of_a_graded_but_unreleased_attempt_stays_hidden(client, sitting, candidate,
                                                                 grader):
    """after_grading policy: graded is not released until a trainer releases it."""
    questions = question_of_each_type()
    paper = fixed_paper([questions["single"]], points=1)
    s = SittingFactory(paper=paper, cohort=sitting.cohort,
                       release_policy=Sitting.ReleasePolicy.AFTER_GRADING)
    attempt = start(s, candidate)
    answer(attempt, 0, "B")
    attempt = submit(attempt)
    assert attempt.status == Attempt.Status.GRADED
    client.force_login(candidate)
    html = client.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert 'data-testid="result-score"' not in html
    attempt_release(attempt_id=attempt.pk, actor=grader)
    html = client.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert 'data-testid="result-score"' in html
