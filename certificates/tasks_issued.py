"""Background work of certificate issuance: thin wrappers around the services.

Every task takes primary keys, is safe to run twice or to be killed at any line (the issuing
transaction, of one broker or of a batch, is all or nothing and the database allows one active
certificate per broker and level; rendering and signing overwrite their own output), and retries database operational
errors a bounded number of times with backoff.
"""

from __future__ import annotations

from celery import shared_task

from academy.tasks import RETRY_DATABASE


@shared_task(name="certificates.tasks_issued.certificate_issue_for_ready", **RETRY_DATABASE)
def certificate_issue_for_ready(broker_id: int) -> int | None:
    """Issue the certificate ``broker_id`` is recorded as ready for (``broker_became_ready``).

    Idempotent: the service locks the broker's profile and returns the certificate already
    issued; a worker killed before commit leaves nothing, and the redelivered message (acks
    late) issues it then. Returns the certificate's id, or None if there was nothing to issue.
    """
    from academy.errors import ApplicationError

    from .issuance import certificate_issue_for_ready as issue

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
    from .batch import certificates_issue_ready

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

    from .issuance import certificates_issue_for_promotion as issue

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
    from .batch import certificate_issue_queue
    from .issuance import certificates_ready_uncertified

    broker_ids = certificates_ready_uncertified(limit=SWEEP_PAGE, after_id=after_id)
    if broker_ids:
        certificate_issue_queue(broker_ids)
    if len(broker_ids) == SWEEP_PAGE:
        certificates_issue_sweep.delay(after_id=broker_ids[-1])
    return len(broker_ids)


@shared_task(name="certificates.tasks_issued.certificate_render_pdf", **RETRY_DATABASE)
def certificate_render_pdf(certificate_id: int) -> None:
    """Render and store the certificate's PDF (replacing any earlier rendering)."""
    from .pdf import certificate_pdf_store

    certificate_pdf_store(certificate_id=certificate_id)


@shared_task(name="certificates.tasks_issued.certificates_render_pdfs", **RETRY_DATABASE)
def certificates_render_pdfs(certificate_ids: list[int]) -> None:
    """Render and store the PDFs of a batch of newly issued certificates, one after another
    (each replaces any earlier rendering of its own, so a redelivered run only redoes work)."""
    from .pdf import certificate_pdf_store

    for certificate_id in certificate_ids:
        certificate_pdf_store(certificate_id=certificate_id)


@shared_task(name="certificates.tasks_issued.certificate_credential_sign", **RETRY_DATABASE)
def certificate_credential_sign(certificate_id: int) -> None:
    """Sign the certificate's Open Badges credential (again, if it was signed before)."""
    from .credentials import credential_sign_store

    credential_sign_store(certificate_id=certificate_id)


RENEW_BATCH = 500


@shared_task(name="certificates.tasks_issued.certificates_renew_due", **RETRY_DATABASE)
def certificates_renew_due() -> int:
    """Renew every certificate in its renewal window whose holder earned the level's renewal
    hours (see ``certificates/renewal.py`` for why this is automatic). Each renewal is its own
    transaction and finds an already renewed certificate superseded, so running twice or being
    killed half-way renews nothing twice; a full batch re-queues the task for the rest."""
    from .renewal import certificates_renew_due as renew

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
    from .issuance import certificates_expire_due as expire

    certificates_renew_due()
    done = expire()
    if done >= 5000:
        certificates_expire_due.delay()
    return done


@shared_task(name="certificates.tasks_issued.certificates_rerender", **RETRY_DATABASE)
def certificates_rerender(after_id: int = 0, batch: int = 200) -> None:
    """Re-render every certificate's PDF (after a design change), one batch per run."""
    from .issued import Certificate
    from .pdf import certificate_pdf_store

    ids = list(Certificate.objects.filter(pk__gt=after_id).order_by("pk")
               .values_list("pk", flat=True)[:batch])
    for pk in ids:
        certificate_pdf_store(certificate_id=pk)
    if len(ids) == batch:
        certificates_rerender.delay(after_id=ids[-1], batch=batch)
