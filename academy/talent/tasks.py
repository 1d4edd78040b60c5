"""Background work of the talent pool: thin wrappers around ``background``.

Both tasks take primary keys only, are safe to run twice and to be killed at any line (see
``background``'s docstring), and retry database operational errors a bounded number of times
with backoff.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

RETRY = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (OperationalError,),
    "max_retries": 5,
    "retry_backoff": 5,
    "retry_backoff_max": 5 * 60,
    "retry_jitter": True,
}


@shared_task(name="academy.talent.tasks.talent_export_run", **RETRY)
def talent_export_run(export_id: int) -> str | None:
    """Write the file of background export ``export_id`` (``background.export_run``).

    Twice is harmless: a finished export is left alone, and of two runs at once only the
    first to commit keeps its file. Killed half-way, the redelivered message starts over.
    Returns the export's status.
    """
    from .background import export_run

    export = export_run(export_id=export_id)
    return export.status if export is not None else None


@shared_task(name="academy.talent.tasks.talent_exports_cleanup", **RETRY)
def talent_exports_cleanup() -> dict[str, int]:
    """Daily: delete export files past their download window; fail exports lost with their
    worker. Twice is harmless: what it cleaned is not selected again."""
    from .background import exports_cleanup

    return exports_cleanup()
