"""A sweep through a real Celery worker on Redis: the sweep task, then the e-mail tasks it
queues after commit, all in the worker process; run again, it changes nothing."""

from __future__ import annotations

import pytest

from academy.notifications.models import Notification, Reminder
from academy.notifications.tasks import reminders_sweep
from tests.flows.conftest import _worker_process, celery_worker, wait_for  # noqa: F401
from tests.notifications.world import build

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _succeeded(worker, task_id: str):
    return lambda: f"reminders_sweep[{task_id}] succeeded" in worker.log()


@pytest.mark.django_db(transaction=True)
def test_a_sweep_runs_in_a_real_worker_and_its_emails_go_out_once(celery_worker):  # noqa: F811
    build(4)  # two of the four brokers have not submitted the exam that closes tonight
    emails = Reminder.objects.filter(kind="exam_window_closing", channel="email")

    first = reminders_sweep.delay("exams.window_closing")
    assert first.id  # sent to the worker, not run here
    wait_for(_succeeded(celery_worker, first.id), timeout=60, worker=celery_worker,
             what="the sweep task to run in the worker")
    # The window closes within hours: urgent, so sent even in quiet hours, by the
    # reminder_send tasks the sweep queued after its commit.
    wait_for(lambda: emails.filter(status="sent").count() == 2, timeout=60,
             worker=celery_worker, what="the two e-mails to be sent by the worker")
    assert Notification.objects.filter(kind="exam_window_closing").count() == 2

    second = reminders_sweep.delay("exams.window_closing")
    wait_for(_succeeded(celery_worker, second.id), timeout=60, worker=celery_worker,
             what="the second sweep to run")
    assert emails.count() == 2
    assert set(emails.values_list("status", "attempts")) == {("sent", 1)}
    assert Notification.objects.filter(kind="exam_window_closing").count() == 2
    assert "reminder_send" in celery_worker.log()
