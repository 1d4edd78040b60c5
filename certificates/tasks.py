"""Background work of certificates: thin Celery tasks around the services.

Every task takes primary keys, is safe to run twice or to be killed at any line (the issuing
transaction, of one broker or of a batch, is all or nothing and the database allows one active
certificate per broker and level; rendering and signing overwrite their own output; a bulk run's
lease lets one task work on it at a time), and retries database operational errors a bounded
number of times with backoff.

Tasks named ``certificates.tasks_issued.…`` and ``certificates.tasks_bulk.…`` keep those
names (``name=``): beat rows and queued messages carry them.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from academy.tasks import DURABLE, RETRY_DATABASE


@shared_task(
    name="certificates.tasks.readiness_evaluate",
    **DURABLE,
    autoretry_for=(OperationalError,),
    max_retries=5,
    retry_backoff=10,
    retry_backoff_max=10 * 60,
    retry_jitter=True,
)
def readiness_evaluate(broker_ids: list[int]) -> None:
    """Re-evaluate the readiness of ``broker_ids`` (queued after an input changed).

    Safe to run twice or to be killed at any line: the service recomputes from the data and
    locks each broker's state row, so the "became ready" event is sent at most once per
    transition. Database operational errors (a lost connection, a deadlock) are retried up to
    5 times with backoff from 10 seconds to 10 minutes; the periodic sweep catches up anyway.
    """
    from .services import certificates_issue_collected
    from .services import readiness_evaluate as evaluate

    with certificates_issue_collected():  # those found ready are issued in batches
        evaluate(broker_ids=broker_ids)


@shared_task(
    name="certificates.tasks.readiness_sweep",
    **DURABLE,
    autoretry_for=(OperationalError,),
    max_retries=5,
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
)
def readiness_sweep(after_id: int = 0, level_id: int | None = None) -> None:
    """Re-evaluate every broker (or those working toward ``level_id``), one batch per run.

    Runs on the beat schedule so that a lost message never leaves a broker waiting. Each run
    evaluates the batch of brokers after ``after_id`` and re-queues itself for the next one.
    Idempotent: evaluating a broker twice records the same answer. Retried on database
    operational errors; a batch lost for good is redone by the next scheduled sweep.
    """
    from .services import certificates_issue_collected, readiness_sweep_batch

    # The brokers found ready in this batch are issued together (``certificates_issue_batch``),
    # not one task each.
    with certificates_issue_collected():
        last = readiness_sweep_batch(after_id=after_id, level_id=level_id)
    if last is not None:
        readiness_sweep.delay(after_id=last, level_id=level_id)


@shared_task(name="certificates.tasks_issued.certificate_issue_for_ready", **RETRY_DATABASE)
def certificate_issue_for_ready(broker_id: int) -> int | None:
    """Issue the certificate ``broker_id`` is recorded as ready for (``broker_became_ready``).

    Idempotent: the service locks the broker's profile and returns the certificate already
    issued; a worker killed before commit leaves nothing, and the redelivered message (acks
    late) issues it then. Returns the certificate's id, or None if there was nothing to issue.
    """
    from academy.errors import ApplicationError

    from .services import certificate_issue_for_ready as issue

    try:
        certificate = issue(broker_id=broker_id)
    except ApplicationError:
        return None  # revoked before: an administrator decides
    return certificate.pk if certificate is not None else None


@shared_task(name="certificates.tasks_issued.certificates_issue_batch", **RETRY_DATABASE)
def certificates_issue_batch(broker_ids: list[int]) -> int:
    """Issue the certificates ``broker_ids`` are recorded as ready for, in one transaction
    (``batch.certificates_issue_ready``). Idempotent like the single-broker task: killed
    before commit it leaves nothing and the redelivered message issues them all; run twice,
    the second run finds them issued. Returns how many this run issued."""
    from .services import certificates_issue_ready

    issued = certificates_issue_ready(broker_ids=broker_ids)
    return sum(1 for certificate in issued.values() if certificate.issued_now)


SWEEP_PAGE = 2000


@shared_task(name="certificates.tasks_issued.certificates_issue_for_promotion", **RETRY_DATABASE)
def certificates_issue_for_promotion(broker_ids: list[int], actor_id: int) -> int:
    """Issue, for an administrator, the certificates of ready brokers from the
    ready-for-promotion list (``issuance.certificates_issue_for_promotion``).

    Idempotent: a broker issued already gets their certificate back, one not ready any more
    gets nothing; a worker killed before commit leaves nothing and the redelivered message
    (acks late) issues them. Retries with backoff on database errors. Returns the number of
    certificates issued now.
    """
    from academy.people.models import User

    from .services import certificates_issue_for_promotion as issue

    actor = User.objects.filter(pk=actor_id).first()
    if actor is None:
        return 0
    result = issue(broker_ids=broker_ids, actor=actor)
    return sum(1 for c in result.values() if getattr(c, "issued_now", False))


@shared_task(name="certificates.tasks_issued.certificates_issue_sweep", **RETRY_DATABASE)
def certificates_issue_sweep(after_id: int = 0) -> int:
    """Queue issuance, in batches, for brokers who are ready but hold no certificate (a lost
    message, a cohort found ready at once). One page of brokers per run; a full page re-queues
    the sweep for the next one, behind the batches it queued. Runs on the beat schedule;
    queuing twice is harmless (the issuance is idempotent). Returns the brokers queued."""
    from .services import certificate_issue_queue, certificates_ready_uncertified

    broker_ids = certificates_ready_uncertified(limit=SWEEP_PAGE, after_id=after_id)
    if broker_ids:
        certificate_issue_queue(broker_ids)
    if len(broker_ids) == SWEEP_PAGE:
        certificates_issue_sweep.delay(after_id=broker_ids[-1])
    return len(broker_ids)


@shared_task(name="certificates.tasks_issued.certificate_render_pdf", **RETRY_DATABASE)
def certificate_render_pdf(certificate_id: int) -> None:
    """Render and store the certificate's PDF (replacing any earlier rendering)."""
    from .services import certificate_pdf_store

    certificate_pdf_store(certificate_id=certificate_id)


@shared_task(name="certificates.tasks_issued.certificates_render_pdfs", **RETRY_DATABASE)
def certificates_render_pdfs(certificate_ids: list[int]) -> None:
    """Render and store the PDFs of a batch of newly issued certificates, one after another
    (each replaces any earlier rendering of its own, so a redelivered run only redoes work)."""
    from .services import certificate_pdf_store

    for certificate_id in certificate_ids:
        certificate_pdf_store(certificate_id=certificate_id)


@shared_task(name="certificates.tasks_issued.certificate_credential_sign", **RETRY_DATABASE)
def certificate_credential_sign(certificate_id: int) -> None:
    """Sign the certificate's Open Badges credential (again, if it was signed before)."""
    from .credentials.signing import credential_sign_store

    credential_sign_store(certificate_id=certificate_id)


RENEW_BATCH = 500


@shared_task(name="certificates.tasks_issued.certificates_renew_due", **RETRY_DATABASE)
def certificates_renew_due() -> int:
    """Renew every certificate in its renewal window whose holder earned the level's renewal
    hours (see ``certificates/services/renewal.py`` for why this is automatic). Each renewal is its own
    transaction and finds an already renewed certificate superseded, so running twice or being
    killed half-way renews nothing twice; a full batch re-queues the task for the rest."""
    from .services import certificates_renew_due as renew

    done = renew(limit=RENEW_BATCH)
    if done >= RENEW_BATCH:
        certificates_renew_due.delay()
    return done


@shared_task(name="certificates.tasks_issued.certificates_expire_due", **RETRY_DATABASE)
def certificates_expire_due() -> int:
    """The daily certificate task: first renew what is due (so that a holder who did the hours
    never sees their certificate expire), then mark certificates past their last valid day as
    expired. Running it twice changes nothing more; each run expires 5,000 and re-queues
    itself while there are more."""
    from .services import certificates_expire_due as expire

    certificates_renew_due()
    done = expire()
    if done >= 5000:
        certificates_expire_due.delay()
    return done


@shared_task(name="certificates.tasks_issued.certificates_rerender", **RETRY_DATABASE)
def certificates_rerender(after_id: int = 0, batch: int = 200) -> None:
    """Re-render every certificate's PDF (after a design change), one batch per run."""
    from .models.issued import Certificate
    from .services import certificate_pdf_store

    ids = list(Certificate.objects.filter(pk__gt=after_id).order_by("pk")
               .values_list("pk", flat=True)[:batch])
    for pk in ids:
        certificate_pdf_store(certificate_id=pk)
    if len(ids) == batch:
        certificates_rerender.delay(after_id=ids[-1], batch=batch)


@shared_task(
    name="certificates.tasks_bulk.bulk_run_process",
    **DURABLE,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=8,
    retry_backoff=5,
    retry_backoff_max=5 * 60,
    retry_jitter=True,
)
def bulk_run_process(run_id: int) -> str:
    """Work through the next chunk of bulk run ``run_id`` and queue the next one.

    Safe to run twice and to be killed at any line (acks late: a killed worker's message is
    delivered again): the run's lease lets one task work on it at a time, a second delivery
    comes back when the lease would run out, and the run's cursor advances in the same
    transaction as the work, so a redelivered task continues after the last committed subject
    and never issues twice. Database operational errors are retried up to 8 times with
    backoff from 5 seconds to 5 minutes; an administrator can also resume a stalled run.
    """
    from .services import BUSY, MORE, bulk_run_step

    state, wait = bulk_run_step(run_id=run_id)
    if state == MORE:
        bulk_run_process.delay(run_id)
    elif state == BUSY and not bulk_run_process.request.is_eager:
        bulk_run_process.apply_async((run_id,), countdown=max(1, int(wait) + 1))
    return state


@shared_task(
    name="certificates.tasks_bulk.bulk_runs_resume_stalled",
    **DURABLE,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=30,
    retry_jitter=True,
)
def bulk_runs_resume_stalled() -> int:
    """Queue again the unfinished bulk runs nobody has worked on for minutes (beat, every five
    minutes; ``schedules.py``). Running it twice only queues a run twice, which its lease
    makes harmless. Retried on database operational errors; the next beat tries again anyway.
    """
    from .services import bulk_runs_stalled

    run_ids = bulk_runs_stalled()
    for run_id in run_ids:
        bulk_run_process.delay(run_id)
    return len(run_ids)
