"""Redis stops while brokers take an exam.

Redis is the cache and the Celery broker. While it is down, the exam must go on: the pages
render, answers save, a broker submits and sees the result. The work that needed Celery
(re-evaluating readiness after a released result, auto-submitting an attempt whose time ran
out, issuing the certificate) happens once Redis is back, through the periodic tasks beat
sends, with nothing lost and nothing doubled.

The web process is gunicorn on the project's WSGI application, the worker a real Celery
worker, both against this test's PostgreSQL database and a private Redis that the test stops
and starts again (never the shared one).
"""

from __future__ import annotations

import datetime
import os
import secrets
import time
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from academy.notifications.models import Notification
from certificates.models.issued import Certificate
from exams.models import Answer, Attempt, QuestionType, Sitting
from tests import services
from tests.certificates.factories import requirement_set
from tests.exams.factories import QuestionFactory, SittingFactory, enrolled_broker, fixed_paper
from tests.faults.processes import (
    Browser,
    CeleryWorker,
    Gunicorn,
    celery_call,
    wait_until,
    wait_worker_drained,
)
from tests.flows.conftest import database_url

pytestmark = [pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]

CORRECT = "B"  # the key of every single-choice question the factory builds


def _signed_in(port: int, user) -> Browser:
    """A browser with a session for ``user`` (stored as django.contrib.auth.login does)."""
    store = SessionStore()
    store.update({"_auth_user_id": str(user.pk),
                  "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                  "_auth_user_hash": user.get_session_auth_hash()})
    store.create()
    return Browser(port, session_key=store.session_key, csrf=secrets.token_hex(16))


def _start(browser: Browser, sitting: Sitting) -> dict:
    status, payload = browser.json("POST", reverse("api-exams-attempt-start",
                                                   args=[sitting.pk]))
    assert status == 200, payload
    return payload


def _answer_all(browser: Browser, payload: dict, value: str = CORRECT) -> int:
    saved = 0
    for n, item in enumerate(payload["items"]):
        status, body = browser.json(
            "PUT", reverse("api-exams-answer-save", args=[payload["id"], item["id"]]),
            {"value": value, "client_ts": int(time.time() * 1000) + n})
        assert status == 200 and body["saved"], (status, body)
        saved += 1
    return saved


def _certificates(broker) -> int:
    return Certificate.objects.filter(broker=broker).count()


@pytest.fixture
def exam(db):
    """An objective paper released at once, whose pass is all the intermediate level needs."""
    paper = fixed_paper([QuestionFactory(type=QuestionType.SINGLE) for _ in range(4)],
                        points=Decimal("5"))
    sitting = SittingFactory(paper=paper, release_policy=Sitting.ReleasePolicy.IMMEDIATE,
                             duration_minutes=60)
    requirement_set(exams={paper: "60"})
    return sitting


def test_exam_goes_on_while_redis_is_down_and_celery_work_catches_up(
        exam, private_redis, tmp_path):
    if connection.vendor != "postgresql":
        services.missing("PostgreSQL not configured (set DATABASE_URL=postgres://...): the "
                         "web server and the worker must reach the test database")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "academy.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": private_redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "ACADEMY_TEST_CACHE_URL": private_redis.url,
        "ACADEMY_TEST_CACHE_PREFIX": "fault",
        "ACADEMY_TEST_CELERY_QUEUE": "celery",
        "SIGNING_KEY_PATH": str(tmp_path / "keys" / "signing-ed25519.pem"),
        "PYTHONUNBUFFERED": "1",
    }
    web = Gunicorn(env)
    worker = CeleryWorker(env)
    logs = lambda: web.log() + "\n" + worker.log()  # noqa: E731
    try:
        web.start()
        submitter = enrolled_broker(exam)    # submits while Redis is down
        overdue = enrolled_broker(exam)      # runs out of time while Redis is down
        after = enrolled_broker(exam)        # submits after Redis is back
        browsers = {u.pk: _signed_in(web.port, u) for u in (submitter, overdue, after)}

        # Both start while everything is up.
        started = {u.pk: _start(browsers[u.pk], exam) for u in (submitter, overdue)}

        # --- Redis goes away ----------------------------------------------------------------
        private_redis.stop()

        for user in (submitter, overdue):
            browser = browsers[user.pk]
            for path in (reverse("home"), reverse("exams:my_exams"),
                         reverse("exams:take_attempt", args=[started[user.pk]["id"]])):
                status, body = browser.get(path)
                assert status == 200, (path, status, body[:300], logs())
            # Resuming (a reload, another device) and saving every answer.
            assert _start(browser, exam)["id"] == started[user.pk]["id"]
            assert _answer_all(browser, started[user.pk]) == 4

        # The submitter submits and sees the result; the follow-up cannot be queued.
        browser = browsers[submitter.pk]
        attempt_id = started[submitter.pk]["id"]
        status, body = browser.json("POST", reverse("api-exams-attempt-submit",
                                                    args=[attempt_id]))
        assert status == 200, (body, logs())
        status, body = browser.json("POST", reverse("api-exams-attempt-submit",
                                                    args=[attempt_id]))
        assert status == 200, (body, logs())  # a double submit counts once, even now
        status, page = browser.get(reverse("exams:result", args=[attempt_id]))
        assert status == 200, (page[:300], logs())
        attempt = Attempt.objects.get(pk=attempt_id)
        assert attempt.status == Attempt.Status.RELEASED and attempt.passed is True

        # The other's time runs out (as the deadline passing would): nothing may close it yet.
        Attempt.objects.filter(pk=started[overdue.pk]["id"]).update(
            deadline=timezone.now() - datetime.timedelta(seconds=1))

        # The health endpoint says what is wrong instead of failing.
        status, report = browser.json("GET", "/healthz")
        assert status == 503 and report["database"]["ok"] and not report["broker"]["ok"], \
            report
        assert _certificates(submitter) == 0

        # --- Redis is back, a worker runs -----------------------------------------------------
        private_redis.start()
        worker.start()

        # The web process's own enqueues work again (its broker connection recovered): a
        # broker who submits now gets the certificate without any sweep.
        browser = browsers[after.pk]
        payload = _start(browser, exam)
        _answer_all(browser, payload)
        status, body = browser.json("POST", reverse("api-exams-attempt-submit",
                                                    args=[payload["id"]]))
        assert status == 200, (body, logs())
        wait_until(lambda: _certificates(after) == 1, timeout=90, log=logs,
                   what="the certificate of the broker who submitted after the outage")
        assert _certificates(submitter) == 0  # nothing of the outage was queued

        # Beat's periodic tasks catch up with what the outage left undone.
        celery_call(env, "exams.tasks.attempts_close_overdue")
        celery_call(env, "certificates.tasks.readiness_sweep", after_id=0)
        wait_until(lambda: _certificates(submitter) == 1 and _certificates(overdue) == 1,
                   timeout=90, log=logs,
                   what="the certificates of the brokers of the outage")

        closed = Attempt.objects.get(pk=started[overdue.pk]["id"])
        assert closed.auto_submitted and closed.passed is True
        # Every answer saved during the outage is there, graded.
        assert Answer.objects.filter(attempt__sitting=exam).count() == 12
        assert not Answer.objects.filter(attempt__sitting=exam, final_score__isnull=True
                                         ).exists()

        # Nothing doubled: a second round of the same periodic tasks changes nothing.
        celery_call(env, "certificates.tasks.readiness_sweep", after_id=0)
        celery_call(env, "certificates.tasks_issued.certificates_issue_sweep")
        wait_worker_drained(env, log=logs)
        for user in (submitter, overdue, after):
            assert _certificates(user) == 1
            assert Notification.objects.filter(recipient=user,
                                               kind="certificate_issued").count() == 1
            user.broker_profile.refresh_from_db()
            assert user.broker_profile.level.code == "intermediate"
        assert worker.running, worker.log()
    finally:
        worker.cleanup()
        web.cleanup()
