"""Print the Celery queue lengths and the failed or stuck background work (academy.queues)."""

import json

from django.core.management.base import BaseCommand

from academy.queues import queue_status


class Command(BaseCommand):
    help = ("Celery queue lengths (messages waiting, and on Redis taken but not acknowledged), "
            "the worker heartbeat's age, and background work that failed or is stuck "
            "(reminders, exports, certificate PDFs and credentials, overdue attempts, "
            "issuance). Exit status 1 when something needs attention (for monitoring).")

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="append", default=[],
                            help="Another queue to measure besides the default one "
                                 "(repeatable).")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args, queue=(), json=False, **options):
        status = queue_status(queues=list(queue))
        if json:
            self.stdout.write(_dumps(status.as_dict()))
        else:
            self._text(status)
        if not status.ok:
            raise SystemExit(1)

    def _text(self, status):
        write = self.stdout.write
        if status.error:
            write(f"broker ({status.transport}): {status.error}")
        else:
            write(f"broker: {status.transport}")
        for q in status.queues:
            write(f"  queue {q.name}: {q.waiting} waiting")
        if status.unacked is not None:
            write(f"  taken by workers, not yet acknowledged: {status.unacked}")
        age = status.worker_heartbeat_age
        write("worker heartbeat: " + ("none" if age is None else f"{age:.0f} s ago"))
        write("failed or stuck work:")
        for item in status.failed:
            line = f"  {item.label}: {item.count}"
            write(line + (f"  → {item.hint}" if item.count else ""))
        write("OK" if status.ok else "ATTENTION NEEDED")


def _dumps(data):
    return json.dumps(data, indent=2, ensure_ascii=False)
