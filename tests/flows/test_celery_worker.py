"""A task really goes through Redis to a separate worker process, and /healthz sees it."""

import time

import pytest
from django.core.cache import cache

from academy.health import HEARTBEAT_KEY
from academy.tasks import worker_heartbeat
from tests.flows.conftest import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.mark.django_db(transaction=True)
def test_heartbeat_task_runs_in_a_real_worker_and_healthz_turns_green(celery_worker, client):
    # The worker wrote a heartbeat when it became ready; remove it so that only the task can
    # bring it back.
    cache.delete(HEARTBEAT_KEY)
    assert client.get("/healthz").status_code == 503

    sent_at = time.time()
    result = worker_heartbeat.delay()
    assert result.id  # sent, not run eagerly in this process

    beat = wait_for(lambda: cache.get(HEARTBEAT_KEY), timeout=30, worker=celery_worker,
                    what="the heartbeat task to run in the worker")
    assert float(beat) >= sent_at
    assert f"Task academy.tasks.worker_heartbeat[{result.id}] succeeded" in wait_for(
        lambda: (log := celery_worker.log()) and result.id in log and "succeeded" in log and log,
        timeout=10, worker=celery_worker, what="the worker's log of the task",
    )

    response = client.get("/healthz")
    report = response.json()
    assert response.status_code == 200, report
    assert report["ok"] is True
    assert report["database"] == {"ok": True, "vendor": "postgresql"}
    assert report["broker"]["ok"] is True
    assert report["broker"]["transport"] == "redis"
    assert report["worker"]["ok"] is True
