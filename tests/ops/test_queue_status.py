"""manage.py queue_status: queue lengths on the broker and failed or stuck background work."""

from __future__ import annotations

import datetime
import json
import shutil
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from academy.queues import queue_status
from exams.models import Attempt
from tests import services
from tests.exams.factories import QuestionFactory, SittingFactory, enrolled_broker, fixed_paper
from tests.exams.factories import start as attempt_start


def _run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("queue_status", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_nothing_failed_reads_ok():
    code, out = _run()
    assert code == 0, out
    assert "attempts past their deadline still open: 0" in out
    assert out.rstrip().endswith("OK")


@pytest.mark.django_db
def test_an_attempt_the_auto_submit_missed_needs_attention():
    sitting = SittingFactory(paper=fixed_paper([QuestionFactory()]))
    attempt = attempt_start(sitting, enrolled_broker(sitting))
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1))

    code, out = _run()

    assert code == 1
    assert "attempts past their deadline still open: 1" in out
    assert "exams-attempts-close-overdue" in out  # the hint says what to look at
    code, out = _run("--json")
    report = json.loads(out)
    assert report["ok"] is False
    counts = {item["key"]: item["count"] for item in report["failed"]}
    assert counts["attempts_not_closed"] == 1 and counts["reminders_failed"] == 0


@pytest.mark.django_db
def test_ready_brokers_count_as_stuck_only_where_issuance_is_automatic():
    from certificates.models import BrokerReadiness, CertificatePolicy
    from tests.factories import BrokerFactory, level

    long_ago = timezone.now() - datetime.timedelta(days=2)
    automatic, by_hand = level("intermediate"), level("senior")
    CertificatePolicy.objects.create(level=by_hand, issue_automatically=False)
    for target in (automatic, by_hand, by_hand):
        BrokerReadiness.objects.create(broker=BrokerFactory(), level=target, ready=True,
                                       ready_since=long_ago, last_evaluated_at=long_ago)

    code, out = _run("--json")

    counts = {item["key"]: item["count"] for item in json.loads(out)["failed"]}
    assert counts["certificates_not_issued"] == 1
    assert code == 1


@pytest.mark.django_db
def test_messages_waiting_on_redis_are_counted(settings):
    from kombu import Connection

    from academy.celery import app
    from tests.faults.processes import RedisServer

    if not shutil.which("redis-server"):
        services.missing("redis-server is not installed (the test starts a private one)")
    redis = RedisServer()
    # Item access: the attribute broker_write_url falls back to broker_url.
    saved = app.conf["broker_url"], app.conf["broker_write_url"]
    try:
        redis.start()
        app.conf.broker_url = redis.url
        app.conf.broker_write_url = None
        with Connection(redis.url) as conn:
            queue = conn.SimpleQueue("ops-test")
            for n in range(3):
                queue.put({"n": n})
            queue.close()

        status = queue_status(queues=["ops-test", "never-used"])

        assert status.transport == "redis" and not status.error
        waiting = {q.name: q.waiting for q in status.queues}
        assert waiting["ops-test"] == 3 and waiting["never-used"] == 0
        assert status.unacked == 0

        redis.stop()
        down = queue_status()
        assert down.error.startswith("broker unreachable") and not down.ok
    finally:
        app.conf["broker_url"], app.conf["broker_write_url"] = saved
        redis.cleanup()
