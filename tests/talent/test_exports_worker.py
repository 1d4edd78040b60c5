"""Through a real Celery worker on Redis: a background export asked for on the page is
written by the worker, its progress endpoint then reports it done, and the task delivered
twice still writes one file and one audit event.

(The worker keeps the file in its own storage, in-memory in the test settings, so the
download itself is tested in test_exports.py with the task run eagerly.)
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from academy.audit.models import AuditEvent
from talent.models import TalentExport
from talent.tasks import talent_export_run
from tests.factories import BrokerFactory, UserFactory, totp_enrol
from tests.flows.conftest import (  # noqa: F401 - fixtures
    _worker_process,
    celery_worker,
    wait_drained,
    wait_for,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]


def test_the_worker_writes_a_background_export_once(client, settings,
                                                    celery_worker):  # noqa: F811
    settings.ACADEMY_TALENT_EXPORT_BACKGROUND_ROWS = 1
    settings.ACADEMY_TALENT_EXPORT_CHUNK_ROWS = 1
    for _ in range(4):
        BrokerFactory()
    auditor = UserFactory(roles=["auditor"])
    totp_enrol(auditor)
    client.force_login(auditor)

    response = client.post(reverse("talent:export_start"),
                           {"kind": "brokers", "file_format": "csv", "query": ""})
    assert response.status_code == 302
    export = TalentExport.objects.get(requested_by=auditor)
    wait_for(lambda: TalentExport.objects.filter(pk=export.pk, status="done").exists(),
             timeout=60, worker=celery_worker, what="the export to be written")
    export.refresh_from_db()
    assert (export.rows, export.total, export.progress) == (4, 4, 100)
    assert export.file.name.startswith(f"talent-exports/{export.pk}-")
    state = client.get(reverse("talent:export_progress", args=[export.pk])).json()
    assert state["done"] is True and state["percent"] == 100

    talent_export_run.delay(export.pk)
    talent_export_run.delay(export.pk)
    wait_drained(celery_worker)
    export.refresh_from_db()
    assert export.status == "done"
    assert AuditEvent.objects.filter(action="talent.exported",
                                     after__export=export.pk).count() == 1
