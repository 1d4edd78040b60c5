"""Large exports in the background: request, run (in Celery), download window, cleanup.

``export_request`` records what a person asked for (a ``TalentExport``, waiting) and queues
``tasks.talent_export_run`` once the row is committed. ``export_run`` streams the kind's
tables to a temporary file, reporting progress every few thousand rows, stores the file
under an unguessable name, marks the export ready for ``ACADEMY_TALENT_EXPORT_HOURS`` and
writes the audit event, all or nothing. The daily ``exports_cleanup`` deletes files past
their window (their download then answers 410 Gone) and fails exports whose worker was lost.

Safe to run twice and to be killed at any line: a finished export is never run again; a run
killed half-way leaves the export "running" and the redelivered message (acks late) starts it
over; of two runs at once, the first to commit wins and the other deletes its own file.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import tempfile
from typing import Any

from django.core.files import File
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError

from .. import spreadsheets
from ..conf import app_settings
from ..models import TalentExport
from ..selectors.export_kinds import ExportKind, Spec, export_kind

logger = logging.getLogger(__name__)
Status = TalentExport.Status
# A person's exports waiting or running at once (the rest of the worker is for everyone else).
MAX_UNFINISHED_PER_PERSON = 3


def export_record(*, actor: Any, kind: str, file_format: str, filters: dict[str, Any],
                  rows: int, personal: bool, export_id: int | None = None) -> None:
    """Write an export to the audit trail (``talent.exported``): who, what, which filters,
    how many rows, whether it held personal data, and the background export if any."""
    after = {"kind": kind, "format": file_format, "filters": filters, "rows": rows,
             "personal_data": personal}
    if export_id is not None:
        after["export"] = export_id
    with transaction.atomic():
        audit_record(action="talent.exported", actor=actor, after=after)


def export_goes_to_background(*, kind: ExportKind, rows: int) -> bool:
    """Whether an export of ``rows`` rows runs in the background (else: downloaded at once)."""
    return kind.always_background or rows > int(app_settings.TALENT_EXPORT_BACKGROUND_ROWS)


def export_request(*, user: Any, kind: ExportKind, file_format: str, spec: Spec,
                   rows: int | None = None) -> TalentExport:
    """Record an export ``user`` asked for and queue its run once the row is committed."""
    if file_format not in kind.formats:
        file_format = kind.formats[0]
    with transaction.atomic():
        unfinished = TalentExport.objects.filter(
            requested_by=user, status__in=[Status.PENDING, Status.RUNNING]).count()
        if unfinished >= MAX_UNFINISHED_PER_PERSON:
            raise ApplicationError(_("You already have %(n)d exports being prepared: wait for "
                                     "one to finish.") % {"n": unfinished})
        export = TalentExport.objects.create(
            requested_by=user, kind=kind.key, label=kind.describe(spec)[:200],
            file_format=file_format, filters=spec, personal=kind.personal,
            total=rows if rows is not None else 0,
        )

        def queue() -> None:
            from ..tasks import talent_export_run

            try:
                talent_export_run.delay(export.pk)
            except Exception:  # noqa: BLE001 - the broker is down: say so, never a 500
                logger.exception("Could not queue export %s (the broker is unreachable)",
                                 export.pk)
                TalentExport.objects.filter(pk=export.pk, status=Status.PENDING).update(
                    status=Status.FAILED, finished_at=timezone.now(),
                    error="not queued: the task broker was unreachable; request it again")

        transaction.on_commit(queue)
    return export


def _progress(export_id: int, rows: int, total: int) -> None:
    percent = min(99, rows * 100 // total) if total else 0
    TalentExport.objects.filter(pk=export_id, status=Status.RUNNING).update(
        rows=rows, progress=percent)


def export_run(*, export_id: int) -> TalentExport | None:
    """Produce the file of a waiting (or interrupted) export; a finished one is left alone."""
    with transaction.atomic():
        export = (TalentExport.objects.select_for_update().select_related("requested_by")
                  .filter(pk=export_id).first())
        if export is None or export.is_finished:
            return export
        export.status, export.progress, export.rows = Status.RUNNING, 0, 0
        export.save(update_fields=["status", "progress", "rows"])
    try:
        return _export_write(export)
    except OperationalError:
        raise  # temporary: the task retries, and the export is still "running"
    except Exception as exc:
        logger.exception("Talent export %s failed", export_id)
        TalentExport.objects.filter(pk=export_id, status=Status.RUNNING).update(
            status=Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
        export.refresh_from_db()
        return export


def _export_write(export: TalentExport) -> TalentExport:
    kind = export_kind(export.kind)
    user = export.requested_by
    spec: Spec = dict(export.filters)
    total = kind.count(spec, user)
    TalentExport.objects.filter(pk=export.pk).update(total=total)
    every = int(app_settings.TALENT_EXPORT_CHUNK_ROWS)
    with tempfile.TemporaryFile() as tmp:
        rows = spreadsheets.write(kind.tables(spec, user), export.file_format, tmp,
                             progress=lambda n: _progress(export.pk, n, total), every=every)
        tmp.seek(0)
        name = f"{export.pk}-{secrets.token_urlsafe(18)}.{export.file_format}"
        stored = TalentExport(pk=export.pk)
        stored.file.save(name, File(tmp, name=name), save=False)
    try:
        with transaction.atomic():
            locked = TalentExport.objects.select_for_update().get(pk=export.pk)
            if locked.status != Status.RUNNING:
                stored.file.delete(save=False)  # another run finished first
                return locked
            now = timezone.now()
            locked.file = stored.file.name
            locked.status, locked.progress, locked.rows, locked.total = (
                Status.DONE, 100, rows, max(total, rows))
            locked.finished_at = now
            locked.expires_at = now + datetime.timedelta(
                hours=int(app_settings.TALENT_EXPORT_HOURS))
            locked.save(update_fields=["file", "status", "progress", "rows", "total",
                                       "finished_at", "expires_at"])
            export_record(actor=user, kind=kind.key, file_format=locked.file_format,
                          filters=spec, rows=rows, personal=kind.personal, export_id=locked.pk)
    except BaseException:
        stored.file.delete(save=False)
        raise
    return locked


def export_progress(export: TalentExport) -> dict[str, Any]:
    """What the page's poller shows: ``{percent, done, label}``."""
    done = export.is_finished
    if export.status == Status.PENDING:
        label = _("Waiting for a worker…")
    elif export.status == Status.RUNNING:
        label = (_("%(rows)s of %(total)s rows written") % {"rows": f"{export.rows:,}",
                                                             "total": f"{export.total:,}"}
                 if export.total else _("Writing…"))
    elif export.status == Status.DONE:
        label = _("Ready")
    else:
        label = export.get_status_display()
    return {"percent": 100 if export.status == Status.DONE else export.progress,
            "done": done, "label": str(label), "status": export.status}


def export_downloaded(*, export: TalentExport, user: Any) -> None:
    """Record a download of a background export's file (personal data leaving)."""
    if export.personal:
        audit_record(action="talent.export_downloaded", actor=user, subject=export,
                     after={"export": export.pk, "kind": export.kind,
                            "format": export.file_format, "rows": export.rows})


def exports_cleanup(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete the files of exports past their download window (marking them expired), and
    fail exports still waiting or running long after they were asked for (a lost worker).

    Loops over expired exports, a handful a day, never over brokers. Safe to run twice: an
    expired export has no file left and is not selected again.
    """
    now = now or timezone.now()
    expired = 0
    for export in (TalentExport.objects.filter(status=Status.DONE, expires_at__lte=now)
                   .only("pk", "file").iterator(chunk_size=200)):
        if export.file:
            export.file.delete(save=False)
        expired += TalentExport.objects.filter(pk=export.pk, status=Status.DONE).update(
            status=Status.EXPIRED, file="")
    stale_before = now - datetime.timedelta(
        hours=int(app_settings.TALENT_EXPORT_STALE_HOURS))
    stale = TalentExport.objects.filter(
        status__in=[Status.PENDING, Status.RUNNING], created_at__lte=stale_before,
    ).update(status=Status.FAILED, error="interrupted: no worker finished it in time",
             finished_at=now)
    return {"expired": expired, "failed": stale}
