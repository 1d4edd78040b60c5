"""Bulk runs: re-rendering every certificate PDF, issuing the certificates of a cohort.

An administrator starts a run (``bulk_rerender_start``, ``bulk_cohort_issue_start``: audited);
the Celery task ``tasks.bulk_run_process`` calls ``bulk_run_step`` which works through
one chunk (at most ``CHUNK`` subjects or ``CHUNK_SECONDS``) and is queued again until the
run is finished. The page polls ``bulk_run_progress``.

Safe to kill at any line and to deliver twice:

- a step first takes the run's lease (``lease_token``, valid ``LEASE_SECONDS`` and renewed as
  it goes); a second delivery finds the lease taken and comes back when it would expire, so
  two tasks never work on one run at once, and a killed worker's lease simply runs out;
- the run's ``cursor`` (the last subject finished, in primary-key order) advances in the same
  transaction as the work: for a cohort, each broker's issuance, its report line and the
  cursor commit together, so a redelivered task continues after the last committed broker;
  re-rendering is idempotent (a PDF is overwritten), so a chunk cut short is just redone;
- a run whose message was lost (Redis down) is queued again by a periodic task
  (``bulk_runs_stalled``, every five minutes) or by an administrator's "resume";
- issuance goes through ``issuance.certificate_issue``, which locks the broker's profile and
  returns the certificate they already hold (one active certificate per broker and level is a
  database constraint), so nothing is ever issued twice.

A cohort run issues only to brokers whom the readiness engine (``readiness.brokers_readiness``,
computed afresh) finds ready for the level the cohort's programme leads to; the others are
reported with the reason. It never forces an issue: issuing to a broker who is not ready is a
decision about one person, taken by hand with a reason (the manual issue), not in bulk.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from academy.people.selectors import Role, user_has_role

from ..models.bulk import BulkRun, BulkRunItem
from ..models.issued import Certificate

logger = logging.getLogger(__name__)

CHUNK = 50
CHUNK_SECONDS = 20.0
LEASE_SECONDS = 90
STALLED_AFTER = timedelta(minutes=5)

MORE, DONE, BUSY = "more", "done", "busy"


class LeaseLost(Exception):
    """Another task took the run over (this one outlived its lease)."""


def _require_admin(actor: Any) -> None:
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionDenied


# --- Starting ----------------------------------------------------------------------------------


def _rerender_queryset(params: dict[str, Any]):
    queryset = Certificate.objects.all()
    if not params.get("include_inactive"):
        queryset = queryset.filter(status__in=Certificate.ACTIVE)
    return queryset


def _cohort_broker_ids(cohort_id: int):
    from courses.models import Enrolment

    return (Enrolment.objects.filter(cohort_id=cohort_id)
            .exclude(status=Enrolment.Status.WITHDRAWN).values_list("user_id", flat=True))


def _start(*, actor: Any, kind: str, active_key: str, params: dict[str, Any],
           total: int, chunk: int) -> BulkRun:
    params = {**params, "language": translation.get_language() or "zh-hans",
              "chunk": max(1, min(int(chunk), 500))}
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                run = BulkRun.objects.create(kind=kind, active_key=active_key, params=params,
                                             total=total, started_by=actor)
        except IntegrityError as exc:
            raise ApplicationError(gettext_lazy(
                "The same work is already running; wait for it to finish.")) from exc
        audit_record(action="certificates.bulk_started", subject=run, actor=actor,
                     after={"kind": kind, "params": params, "total": total})
        _enqueue_after_commit(run.pk)
    return run


def _enqueue_after_commit(run_id: int) -> None:
    def enqueue() -> None:
        from ..tasks import bulk_run_process

        bulk_run_process.delay(run_id)

    transaction.on_commit(enqueue, robust=True)


def bulk_rerender_start(*, actor: Any, include_inactive: bool = False,
                        chunk: int = CHUNK) -> BulkRun:
    """Start re-rendering the stored PDF of every valid or expired certificate (with
    ``include_inactive``, revoked and renewed ones too) in the design in use, ``chunk``
    certificates per task."""
    from ..models.designs import design_active

    _require_admin(actor)
    params = {"include_inactive": bool(include_inactive),
              "design_version": design_active().version}
    total = _rerender_queryset(params).count()
    if not total:
        raise ApplicationError(gettext_lazy("There are no certificates to re-render."))
    return _start(actor=actor, kind=BulkRun.Kind.RERENDER, active_key="rerender",
                  params=params, total=total, chunk=chunk)


def bulk_cohort_issue_start(*, actor: Any, cohort_id: int, chunk: int = CHUNK) -> BulkRun:
    """Start issuing, to each broker of the cohort who is ready, the certificate of the level
    the cohort's programme leads to, ``chunk`` brokers per task."""
    from courses.models import Cohort

    _require_admin(actor)
    cohort = Cohort.objects.select_related("programme__to_level").get(pk=cohort_id)
    level = cohort.programme.to_level
    total = _cohort_broker_ids(cohort.pk).count()
    if not total:
        raise ApplicationError(gettext_lazy("No brokers are enrolled in this cohort."))
    params = {"cohort_id": cohort.pk, "cohort": cohort.name, "level_id": level.pk,
              "level": level.name, "level_code": level.code}
    return _start(actor=actor, kind=BulkRun.Kind.ISSUE_COHORT,
                  active_key=f"issue_cohort:{cohort.pk}", params=params, total=total,
                  chunk=chunk)


def bulk_run_resume(*, actor: Any, run_id: int) -> BulkRun:
    """Queue an unfinished run again (its message was lost, e.g. with Redis down). Harmless
    if the run is still being worked on: the lease turns the extra task away."""
    _require_admin(actor)
    with transaction.atomic(durable=True):
        run = BulkRun.objects.select_for_update().get(pk=run_id)
        if run.is_finished:
            raise ApplicationError(gettext_lazy("This run has finished."))
        audit_record(action="certificates.bulk_resumed", subject=run, actor=actor,
                     after={"done": run.done, "total": run.total})
        _enqueue_after_commit(run.pk)
    return run


def bulk_runs_stalled(*, now=None, limit: int = 100) -> list[int]:
    """Unfinished runs nobody works on: no live lease and no progress for ``STALLED_AFTER``
    (their message was lost with Redis, or never sent while it was down). The periodic
    ``bulk_runs_resume_stalled`` task queues them again; a run still waiting in a long queue
    is harmless to queue twice (the lease turns the extra task away)."""
    now = now or timezone.now()
    return list(
        BulkRun.objects.filter(status__in=BulkRun.UNFINISHED,
                               updated_at__lt=now - STALLED_AFTER)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("pk").values_list("pk", flat=True)[:limit]
    )


# --- Working -----------------------------------------------------------------------------------


def _lease_take(run_id: int, token: str) -> tuple[BulkRun | None, str, float]:
    """Take the run's lease: (run, MORE, 0), or (None, DONE, 0) if the run is finished, or
    (None, BUSY, seconds until the lease held by another task runs out)."""
    with transaction.atomic():
        run = BulkRun.objects.select_for_update().get(pk=run_id)
        if run.is_finished:
            return None, DONE, 0.0
        now = timezone.now()
        if run.lease_token and run.lease_until and run.lease_until > now:
            return None, BUSY, (run.lease_until - now).total_seconds()
        run.lease_token = token
        run.lease_until = now + timedelta(seconds=LEASE_SECONDS)
        fields = ["lease_token", "lease_until", "updated_at"]
        if run.status == BulkRun.Status.PENDING:
            run.status = BulkRun.Status.RUNNING
            run.started_at = now
            fields += ["status", "started_at"]
        run.save(update_fields=fields)
    return run, MORE, 0.0


def _locked(run_id: int, token: str) -> BulkRun:
    """The run, locked, if this task still holds its lease (renewed); else ``LeaseLost``."""
    run = BulkRun.objects.select_for_update().get(pk=run_id)
    if run.lease_token != token:
        raise LeaseLost
    run.lease_until = timezone.now() + timedelta(seconds=LEASE_SECONDS)
    return run


def _advance(run: BulkRun, *, cursor: int, succeeded: int = 0, skipped: int = 0,
             failed: int = 0) -> None:
    run.cursor = cursor
    run.done += succeeded + skipped + failed
    run.succeeded += succeeded
    run.skipped += skipped
    run.failed += failed
    run.total = max(run.total, run.done)  # subjects added since the start are done too
    run.save(update_fields=["cursor", "done", "succeeded", "skipped", "failed", "total",
                            "lease_until", "updated_at"])


def _lease_release(run_id: int, token: str) -> None:
    BulkRun.objects.filter(pk=run_id, lease_token=token).update(lease_token="",
                                                                lease_until=None)


def _finish(run_id: int, token: str, *, error: str = "") -> None:
    with transaction.atomic():
        run = _locked(run_id, token)
        run.status = BulkRun.Status.FAILED if error else BulkRun.Status.DONE
        run.error = error[:5000]
        run.finished_at = timezone.now()
        if not error:
            run.total = run.done
        run.lease_token = ""
        run.lease_until = None
        run.save(update_fields=["status", "error", "finished_at", "total", "lease_token",
                                "lease_until", "updated_at"])


def bulk_run_step(*, run_id: int) -> tuple[str, float]:
    """Work through the next chunk of run ``run_id``.

    Returns ``(MORE, 0)`` when the task should be queued again, ``(DONE, 0)`` when the run is
    finished, ``(BUSY, seconds)`` when another task holds the run (try again after that long).
    Database connection errors propagate (the task retries them) after the lease is let go;
    any other error marks the run failed.
    """
    token = uuid.uuid4().hex
    run, state, wait = _lease_take(run_id, token)
    if run is None:
        return state, wait
    deadline = time.monotonic() + CHUNK_SECONDS
    try:
        with translation.override(run.params.get("language") or None):
            if run.kind == BulkRun.Kind.RERENDER:
                more = _rerender_chunk(run, token, deadline)
            else:
                more = _cohort_chunk(run, token, deadline)
    except LeaseLost:
        return BUSY, float(LEASE_SECONDS)
    except (OperationalError, InterfaceError):
        _lease_release(run_id, token)
        raise
    except Exception as exc:  # a bug or vanished data: say so on the run's page
        logger.exception("Bulk run %s failed", run_id)
        _finish(run_id, token, error=f"{type(exc).__name__}: {exc}")
        return DONE, 0.0
    if more:
        _lease_release(run_id, token)
        return MORE, 0.0
    _finish(run_id, token)
    return DONE, 0.0


def _rerender_chunk(run: BulkRun, token: str, deadline: float) -> bool:
    """Re-render the next certificates (both languages where an English PDF was stored)."""
    from ..models.designs import design_active
    from .pdf import certificate_pdf_store

    chunk = run.params.get("chunk") or CHUNK
    rows = list(_rerender_queryset(run.params).filter(pk__gt=run.cursor).order_by("pk")
                .values_list("pk", "serial", "pdf_en")[:chunk])
    if not rows:
        return False
    design = design_active()
    processed = 0
    failures: list[BulkRunItem] = []
    for pk, serial, pdf_en in rows:
        if processed and time.monotonic() > deadline:
            break
        try:
            certificate_pdf_store(certificate_id=pk, design=design)
            if pdf_en:
                certificate_pdf_store(certificate_id=pk, language="en", design=design)
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            logger.exception("Re-rendering certificate %s failed", serial)
            failures.append(BulkRunItem(run_id=run.pk, subject_id=pk, label=serial,
                                        outcome=BulkRunItem.Outcome.FAILED,
                                        detail=f"{type(exc).__name__}: {exc}"[:1000],
                                        certificate_id=pk))
        processed += 1
    with transaction.atomic():
        locked = _locked(run.pk, token)
        BulkRunItem.objects.bulk_create(failures, ignore_conflicts=True)
        _advance(locked, cursor=rows[processed - 1][0], succeeded=processed - len(failures),
                 failed=len(failures))
    return processed < len(rows) or len(rows) == chunk


def _requirement_gaps(readiness) -> str:
    """The unmet requirements of a readiness answer, for the report."""
    gaps = []
    for requirement in readiness.requirements:
        if requirement.met:
            continue
        # The engine's own sentence for the figure ("18 of 64 class hours", "Submitted:
        # awaiting grading.", "¥0.00 of ¥500,000.00") and the requirement's state.
        gaps.append(_("%(label)s (%(state)s): %(detail)s") % {
            "label": requirement.label, "state": requirement.state_label,
            "detail": requirement.detail})
    return "; ".join(gaps)


def _cohort_decide(*, run: BulkRun, broker_id: int, readiness, held: Certificate | None,
                   revoked: bool, level) -> tuple[str, str, Certificate | None]:
    """What to do with one broker: (outcome, detail, certificate)."""
    from .issuance import certificate_issue

    Outcome = BulkRunItem.Outcome
    if held is not None:
        return Outcome.HELD, held.serial, held
    if revoked:
        return Outcome.REFUSED, _("Their certificate of this level was revoked; only an "
                                  "administrator may issue it again, by hand."), None
    current = readiness.current_level if readiness is not None else None
    if current is None:
        return Outcome.NOT_READY, _("Not a broker."), None
    if current.rank >= level.rank:
        return Outcome.NOT_READY, _("Already at %(current)s, with no certificate of this level "
                                    "on record.") % {"current": current.name}, None
    if readiness.level is None or readiness.level.pk != level.pk:
        return Outcome.NOT_READY, _("Is at %(current)s and works toward %(next)s first.") % {
            "current": current.name,
            "next": readiness.level.name if readiness.level else "—"}, None
    if readiness.requirement_set is None or not readiness.requirements:
        return Outcome.NOT_READY, _("No requirements are in force for this level."), None
    if not readiness.ready:
        return Outcome.NOT_READY, _requirement_gaps(readiness), None
    try:
        certificate = certificate_issue(
            broker_id=broker_id, level_id=level.pk, actor=run.started_by,
            reason=_("Issued for cohort %(cohort)s (bulk run #%(run)s)") % {
                "cohort": run.params.get("cohort", ""), "run": run.pk},
            requirement_set_id=readiness.requirement_set.pk,
        )
    except ApplicationError as exc:
        return Outcome.REFUSED, str(exc), None
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:  # the issuing savepoint rolled back; report it, go on
        logger.exception("Bulk run %s: issuing to broker %s failed", run.pk, broker_id)
        return Outcome.FAILED, f"{type(exc).__name__}: {exc}", None
    if certificate.issued_now:
        return Outcome.ISSUED, certificate.serial, certificate
    return Outcome.HELD, certificate.serial, certificate


def _cohort_chunk(run: BulkRun, token: str, deadline: float) -> bool:
    """Decide and issue for the next brokers of the cohort, one transaction each."""
    from academy.people.models import Level, User

    from ..selectors.readiness import brokers_readiness

    level = Level.objects.get(pk=run.params["level_id"])
    chunk = run.params.get("chunk") or CHUNK
    ids = list(_cohort_broker_ids(run.params["cohort_id"]).filter(user_id__gt=run.cursor)
               .order_by("user_id")[:chunk])
    if not ids:
        return False
    answers = brokers_readiness(ids)
    held = {c.broker_id: c for c in Certificate.objects.filter(
        broker_id__in=ids, level=level, status__in=Certificate.ACTIVE)}
    revoked = set(Certificate.objects.filter(broker_id__in=ids, level=level,
                                             status=Certificate.Status.REVOKED)
                  .values_list("broker_id", flat=True))
    names = {pk: name or email for pk, name, email in
             User.objects.filter(pk__in=ids).values_list("pk", "full_name", "email")}
    Outcome = BulkRunItem.Outcome
    for position, broker_id in enumerate(ids):
        if position and time.monotonic() > deadline:
            return True
        with transaction.atomic():
            locked = _locked(run.pk, token)
            if locked.cursor >= broker_id:
                continue
            outcome, detail, certificate = _cohort_decide(
                run=locked, broker_id=broker_id, readiness=answers.get(broker_id),
                held=held.get(broker_id), revoked=broker_id in revoked, level=level)
            BulkRunItem.objects.update_or_create(
                run=locked, subject_id=broker_id,
                defaults={"label": names.get(broker_id, str(broker_id))[:200],
                          "outcome": outcome, "detail": detail[:1000],
                          "certificate": certificate})
            _advance(locked, cursor=broker_id,
                     succeeded=int(outcome == Outcome.ISSUED),
                     skipped=int(outcome in (Outcome.HELD, Outcome.NOT_READY)),
                     failed=int(outcome in (Outcome.REFUSED, Outcome.FAILED)))
    return len(ids) == chunk


# --- Reading -----------------------------------------------------------------------------------


def bulk_run_progress(run: BulkRun) -> dict[str, Any]:
    """What the page's progress bar polls: ``{percent, done, label}`` and the counts."""
    if run.status == BulkRun.Status.PENDING:
        label = _("Waiting for a worker…")
    elif run.status == BulkRun.Status.FAILED:
        label = _("Stopped by an error after %(done)s of %(total)s.") % {
            "done": run.done, "total": run.total}
    else:
        label = _("%(done)s of %(total)s done: %(succeeded)s changed, %(skipped)s left "
                  "unchanged, %(failed)s failed.") % {
            "done": run.done, "total": run.total, "succeeded": run.succeeded,
            "skipped": run.skipped, "failed": run.failed}
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": run.status,
        "percent": run.percent,
        "done": run.is_finished,
        "label": label,
        "processed": run.done,
        "total": run.total,
        "succeeded": run.succeeded,
        "skipped": run.skipped,
        "failed": run.failed,
    }
