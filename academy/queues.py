"""Background work at a glance, for operators: Celery queue lengths and work that failed.

``queue_status()`` answers two questions (``manage.py queue_status`` prints it, as text or
JSON for a monitoring system):

- **Queues**: how many messages wait on the broker in each queue (Redis or the embedded
  filesystem transport), and, on Redis, how many a worker has taken but not yet acknowledged.
  A queue that keeps growing means too few workers, or none.
- **Failed or stuck work**, read from the database, because tasks keep no results
  (``CELERY_TASK_IGNORE_RESULT``): every task records its outcome on its own rows. Reminders
  whose delivery failed for good, reminders overdue for sending, exports that failed or hang,
  certificates whose PDF or signed credential is still missing, attempts past their deadline
  that the auto-submit has not closed, brokers ready for a level with no certificate yet.
  Each check is one aggregate query; models are looked up by name, so this project-level
  module imports no app.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import ChannelError

#: How late background work may be before it counts as stuck.
STUCK_AFTER = datetime.timedelta(minutes=15)


@dataclass
class QueueLength:
    name: str
    waiting: int


@dataclass
class FailedWork:
    key: str
    label: str
    count: int
    hint: str


@dataclass
class QueueStatus:
    transport: str
    queues: list[QueueLength] = field(default_factory=list)
    unacked: int | None = None
    worker_heartbeat_age: float | None = None
    failed: list[FailedWork] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not any(f.count for f in self.failed)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _queue_names(extra: list[str] | None) -> list[str]:
    names = [getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", None) or "celery"]
    for name in extra or []:
        if name not in names:
            names.append(name)
    return names


def _broker(status: QueueStatus, names: list[str]) -> None:
    from academy.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            status.transport = conn.transport.driver_type
            channel = conn.default_channel
            for name in names:
                try:
                    # passive: count only, never create the queue
                    _queue, waiting, _consumers = channel.queue_declare(queue=name,
                                                                        passive=True)
                except ChannelError:
                    waiting = 0  # never declared, or (Redis) empty: an empty list has no key
                status.queues.append(QueueLength(name, int(waiting)))
            client = getattr(channel, "client", None)
            if status.transport == "redis" and client is not None:
                status.unacked = int(client.hlen(channel.unacked_key))
    except Exception as exc:  # noqa: BLE001 - report, do not crash the monitoring
        status.error = f"broker unreachable: {type(exc).__name__}"


def _heartbeat(status: QueueStatus) -> None:
    from django.core.cache import cache

    from academy.health import HEARTBEAT_KEY

    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001
        return
    if beat is not None:
        status.worker_heartbeat_age = round(time.time() - float(beat), 1)


def _failed(now: datetime.datetime) -> list[FailedWork]:
    late = now - STUCK_AFTER
    out: list[FailedWork] = []

    def add(model: str, key: str, label: str, hint: str, query: Q) -> None:
        try:
            model_cls = apps.get_model(model)
        except LookupError:
            return
        out.append(FailedWork(key, label, model_cls._default_manager.filter(query).count(),
                              hint))

    add("notifications.Reminder", "reminders_failed", "reminders failed for good",
        "see last_error in the admin (Notifications › Reminders); fix the mail settings",
        Q(status="failed"))
    add("notifications.Reminder", "reminders_overdue", "reminders overdue for sending",
        "pending past their time: is a worker running, and beat (reminders_send_due)?",
        Q(status="pending") & (Q(scheduled_for__lt=late)
                               | Q(scheduled_for__isnull=True, created_at__lt=late)))
    add("talent.TalentExport", "exports_failed", "exports failed in the last 7 days",
        "see the error column in the admin (Talent › Exports)",
        Q(status="failed", created_at__gte=now - datetime.timedelta(days=7)))
    add("talent.TalentExport", "exports_stuck", "exports waiting or running for too long",
        "a worker died mid-export or none runs; ask the user to request it again",
        Q(status__in=["pending", "running"], created_at__lt=late))
    add("certificates.Certificate", "certificates_unrendered",
        "certificates without a PDF or a signed credential",
        "rendering or signing failed: check the worker log and the signing key",
        Q(issued_at__lt=late) & (Q(pdf="") | Q(credential="")))
    add("exams.Attempt", "attempts_not_closed", "attempts past their deadline still open",
        "the auto-submit (beat: exams-attempts-close-overdue) is not running",
        Q(status="in_progress", deadline__lt=late))
    try:
        readiness = apps.get_model("certificates.BrokerReadiness")
        certificate = apps.get_model("certificates.Certificate")
    except LookupError:
        return out
    from django.db.models import Exists, OuterRef

    # A level whose policy leaves issuance to an administrator keeps its ready brokers on the
    # ready-for-promotion list by design: waiting there is not stuck work.
    ready = readiness.objects.filter(ready=True, ready_since__lt=late).exclude(
        Exists(certificate.objects.filter(broker_id=OuterRef("broker_id"),
                                          level_id=OuterRef("level_id")))).exclude(
        level__certificate_policy__issue_automatically=False)
    out.append(FailedWork("certificates_not_issued",
                          "brokers ready for a level for a while, without its certificate",
                          ready.count(),
                          "issuance is not running (beat: certificates-issue-sweep)"))
    return out


def queue_status(*, queues: list[str] | None = None,
                 now: datetime.datetime | None = None) -> QueueStatus:
    """The broker's queue lengths and the failed or stuck background work (see module doc)."""
    status = QueueStatus(transport="?")
    _broker(status, _queue_names(queues))
    _heartbeat(status)
    status.failed = _failed(now or timezone.now())
    return status
