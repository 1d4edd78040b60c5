"""Changing practice records: the broker's create, update, submit and delete, the admin's
review, and telling the broker the outcome (through the notifications service). Each change is one transaction with its audit event."""


from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError

from ..conf import app_settings
from ..models import PracticeEvidence, PracticeRecord, PracticeRecordRevision, User
from ..roles import Role, user_has_role
from ..services.messages import (
    PRACTICE_REVIEWED_KIND,
    message_deliver,
    practice_review_context,
    practice_review_window,
)
from .selectors import (
    RECORD_FIELDS,
    can_review_practice,
    evidence_content_type,
    registration_number_normalise,
    revision_content,
)

# Named as before the package existed: operators' log filters and alerts select on it.
logger = logging.getLogger("academy.people.practice")


# --- Evidence files ----------------------------------------------------------------------------


def _evidence_store(*, record: PracticeRecord, upload: UploadedFile, actor: User
                    ) -> PracticeEvidence:
    content_type = evidence_content_type(upload)
    digest = hashlib.sha256()
    size = 0  # counted from the bytes read: UploadedFile.size may be unknown for a stream
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    evidence = PracticeEvidence(
        record=record,
        original_name=(upload.name or "evidence")[:255],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    evidence.file.save(upload.name or "evidence", upload, save=False)
    evidence.save()
    return evidence


def _evidence_check_count(record: PracticeRecord, adding: int) -> None:
    limit = app_settings.PRACTICE_EVIDENCE_MAX_FILES
    if record.evidence.count() + adding > limit:
        raise ApplicationError(
            _("A practice record may carry at most %(limit)s evidence files.") % {"limit": limit}
        )


# --- Access ------------------------------------------------------------------------------------


def _lock_own(record_id: int, actor: User) -> PracticeRecord:
    record = PracticeRecord.objects.select_for_update().filter(pk=record_id).first()
    if record is None or record.broker_id != actor.pk:
        raise PermissionDenied
    return record


# --- Changes by the broker ---------------------------------------------------------------------


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"Not fields of a practice record: {sorted(unknown)}")
    data = dict(fields)
    if "registration_number" in data:
        data["registration_number"] = registration_number_normalise(data["registration_number"])
    for key in ("contract_name", "registry", "party_a", "party_b", "description"):
        if key in data and isinstance(data[key], str):
            data[key] = data[key].strip()
    return data


def _check_record(record: PracticeRecord) -> None:
    """Business rules a form or serializer cannot see on its own."""
    if not record.registration_number:
        raise ApplicationError(_("Enter the contract's registration number."))
    amount = Decimal(record.contract_amount or 0)
    if amount < 0:
        raise ApplicationError(_("The contract amount cannot be negative."))
    if record.technical_income is not None:
        income = Decimal(record.technical_income)
        if income < 0:
            raise ApplicationError(_("The technical income cannot be negative."))
        if income > amount:
            raise ApplicationError(
                _("The certified technical income cannot exceed the contract amount.")
            )
    if record.contract_date and record.contract_date > timezone.localdate():
        raise ApplicationError(_("The contract date cannot be in the future."))


def _check_submittable(record: PracticeRecord) -> None:
    if not record.evidence.exists():
        raise ApplicationError(
            _("Attach at least one evidence file (the registration certificate or the "
              "contract) before submitting.")
        )
    duplicate = PracticeRecord.objects.filter(
        broker_id=record.broker_id,
        registration_number=record.registration_number,
        status=PracticeRecord.Status.APPROVED,
    ).exclude(pk=record.pk)
    if duplicate.exists():
        raise ApplicationError(
            _("Registration number %(number)s already backs one of your approved records.")
            % {"number": record.registration_number}
        )


def _snapshot(record: PracticeRecord) -> dict[str, Any]:
    return {
        "status": record.status,
        "revision": record.revision,
        "contract_name": record.contract_name,
        "registration_number": record.registration_number,
        "contract_amount": str(record.contract_amount),
        "technical_income": (None if record.technical_income is None
                             else str(record.technical_income)),
        "contract_date": record.contract_date.isoformat() if record.contract_date else None,
    }


def practice_record_create(
    *,
    broker: User,
    fields: Mapping[str, Any],
    evidence: Sequence[UploadedFile] = (),
    submit: bool = False,
) -> PracticeRecord:
    """Create a practice record of ``broker``, with evidence files; submit it if ``submit``.

    Nothing is kept when anything is refused (a bad file, a rule): one transaction.
    """
    if not hasattr(broker, "broker_profile") or not user_has_role(broker, Role.BROKER):
        raise PermissionDenied
    with transaction.atomic():
        record = PracticeRecord(broker=broker, **_clean_fields(fields))
        _check_record(record)
        record.save()
        _evidence_check_count(record, len(evidence))
        for upload in evidence:
            _evidence_store(record=record, upload=upload, actor=broker)
        if submit:
            _submit(record)
        audit_record(action="people.practice_created", subject=record, person=broker,
                     actor=broker, after=_snapshot(record))
    return record


def practice_record_update(
    *,
    record_id: int,
    actor: User,
    fields: Mapping[str, Any],
    evidence_add: Sequence[UploadedFile] = (),
    evidence_remove: Iterable[int] = (),
    submit: bool = False,
) -> PracticeRecord:
    """The broker changes their record before review (or a rejected one, to correct it).

    With ``submit`` the record goes (back) to the review queue; a rejected record that is
    edited without ``submit`` stays rejected until it is submitted again.
    """
    with transaction.atomic():
        record = _lock_own(record_id, actor)
        if not record.is_editable:
            raise ApplicationError(_("This record has been approved and can no longer change."))
        before = _snapshot(record)
        for key, value in _clean_fields(fields).items():
            setattr(record, key, value)
        _check_record(record)
        record.save()
        remove_ids = {int(pk) for pk in evidence_remove}
        if remove_ids:
            for item in record.evidence.filter(pk__in=remove_ids):
                item.file.delete(save=False)
                item.delete()
        _evidence_check_count(record, len(evidence_add))
        for upload in evidence_add:
            _evidence_store(record=record, upload=upload, actor=actor)
        if submit or record.status == PracticeRecord.Status.SUBMITTED:
            # A submitted record is frozen: a change is a new revision, back to review.
            _submit(record)
        audit_record(action="people.practice_updated", subject=record, person=record.broker_id,
                     actor=actor, before=before, after=_snapshot(record))
    return record


def _submit(record: PracticeRecord) -> None:
    _check_submittable(record)
    now = timezone.now()
    fields, evidence, digest = revision_content(record)
    record.revision += 1
    PracticeRecordRevision.objects.create(record=record, number=record.revision, fields=fields,
                                          evidence=evidence, content_hash=digest,
                                          submitted_at=now)
    record.status = PracticeRecord.Status.SUBMITTED
    record.submitted_at = now
    # A new review will be made; the previous one stays in the audit trail.
    record.reviewed_by = None
    record.reviewed_at = None
    record.review_notified_at = None
    record.save(update_fields=["status", "submitted_at", "reviewed_by", "reviewed_at",
                               "review_notified_at", "revision", "updated_at"])


def practice_record_submit(*, record_id: int, actor: User) -> PracticeRecord:
    """Send a draft (or a corrected rejected record) to the review queue."""
    with transaction.atomic():
        record = _lock_own(record_id, actor)
        if record.status == PracticeRecord.Status.SUBMITTED:
            return record
        if record.status == PracticeRecord.Status.APPROVED:
            raise ApplicationError(_("This record has already been approved."))
        before = _snapshot(record)
        _submit(record)
        audit_record(action="people.practice_submitted", subject=record,
                     person=record.broker_id, actor=actor, before=before,
                     after=_snapshot(record))
    return record


def practice_record_delete(*, record_id: int, actor: User) -> None:
    """The broker withdraws a record that was not approved (its files are deleted too)."""
    with transaction.atomic():
        record = _lock_own(record_id, actor)
        if record.status == PracticeRecord.Status.APPROVED:
            raise ApplicationError(_("An approved record cannot be deleted."))
        audit_record(action="people.practice_deleted", subject=record, person=record.broker_id,
                     actor=actor, before=_snapshot(record))
        files = [item.file.name for item in record.evidence.all()]
        record.delete()

        def remove_files() -> None:
            from django.core.files.storage import default_storage

            for name in files:
                default_storage.delete(name)

        transaction.on_commit(remove_files)


# --- Review by an admin ------------------------------------------------------------------------


class PracticeRevisionChanged(ApplicationError):
    """The broker submitted another revision than the one the reviewer decided on.

    ``extra`` carries ``{"code": "revision_changed", "revision": <the current one>}``; the API
    answers 409 with it, the review page shows the message.
    """

    def __init__(self, current: int) -> None:
        super().__init__(
            _("The broker changed this record while you reviewed it (now revision "
              "%(number)s): review it again.") % {"number": current},
            extra={"code": "revision_changed", "revision": current})


def practice_record_review(
    *, record_id: int, reviewer: User, approve: bool, comment: str = "",
    revision: int | None = None,
) -> PracticeRecord:
    """Approve or reject a submitted record. A rejection must say why (the comment).

    ``revision`` is the revision the reviewer saw (the review page and the API always give
    it); if the broker has submitted another since, the decision is refused with
    ``PracticeRevisionChanged`` (the reviewer looks again). An approval records the revision
    and its hash (on the record and in the audit event).

    Audited; after commit the broker is e-mailed and ``practice_record_reviewed`` is sent.
    Refused for a record that is not awaiting review (reviewed already, or withdrawn), and for
    approving a second record with a registration number that already backs an approved one.
    """
    from ..signals import practice_record_reviewed

    if not can_review_practice(reviewer):
        raise PermissionDenied
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ApplicationError(_("Say why the record is rejected, so that the broker can "
                                 "correct it."))
    with transaction.atomic():
        record = (
            PracticeRecord.objects.select_for_update(of=("self",)).select_related("broker")
            .filter(pk=record_id).first()
        )
        if record is None:
            raise ApplicationError(_("This practice record no longer exists."))
        if record.status != PracticeRecord.Status.SUBMITTED:
            raise ApplicationError(_("This record is not awaiting review."))
        if revision is not None and int(revision) != record.revision:
            raise PracticeRevisionChanged(record.revision)
        submitted = PracticeRecordRevision.objects.filter(
            record=record, number=record.revision).first()
        before = _snapshot(record)
        record.status = (PracticeRecord.Status.APPROVED if approve
                         else PracticeRecord.Status.REJECTED)
        record.reviewed_by = reviewer
        record.reviewed_at = timezone.now()
        record.review_comment = comment
        record.approved_revision = submitted if approve else None
        if approve and PracticeRecord.objects.filter(
            broker_id=record.broker_id, registration_number=record.registration_number,
            status=PracticeRecord.Status.APPROVED,
        ).exclude(pk=record.pk).exists():
            raise ApplicationError(
                _("Registration number %(number)s already backs an approved record of this "
                  "broker; reject this one as a duplicate.")
                % {"number": record.registration_number}
            )
        try:
            with transaction.atomic():
                record.save(update_fields=["status", "reviewed_by", "reviewed_at",
                                           "review_comment", "approved_revision",
                                           "updated_at"])
        except IntegrityError:  # a concurrent approval of the same number won
            raise ApplicationError(
                _("Registration number %(number)s already backs an approved record of this "
                  "broker; reject this one as a duplicate.")
                % {"number": record.registration_number}
            ) from None
        audit_record(
            action="people.practice_approved" if approve else "people.practice_rejected",
            subject=record, person=record.broker, actor=reviewer, before=before,
            after={**_snapshot(record), "comment": comment, "revision": record.revision,
                   "content_hash": submitted.content_hash if submitted else None},
        )
        record_pk, approved = record.pk, approve

        def after_commit() -> None:
            from ..tasks import practice_review_notify

            try:
                practice_review_notify.delay(record_pk)
            except Exception:  # noqa: BLE001 - broker down: the review stands, the rules
                # below must still hear of it (the broker sees the outcome on their page)
                logger.exception("Could not queue the practice review e-mail of record %s",
                                 record_pk)
            fresh = PracticeRecord.objects.select_related("broker").get(pk=record_pk)
            practice_record_reviewed.send(sender=PracticeRecord, record=fresh,
                                          approved=approved)

        transaction.on_commit(after_commit)
    return record


def practice_review_notify(record_id: int) -> bool:
    """Tell the broker the outcome of the review of ``record_id``. Returns whether it did.

    Through the notifications service, as the ``practice_reviewed`` kind: the broker's
    preference, quiet hours and digest apply, and the in-app notice is written with it. An
    e-mail due now is sent before this returns. Idempotent: the record is locked and
    ``review_notified_at`` marks the review as told, and the reminder log sends each review
    once (also against the notifications app's own announcement of the review).
    """
    with transaction.atomic(durable=True):
        record = (
            PracticeRecord.objects.select_for_update(of=("self",)).select_related("broker")
            .filter(pk=record_id).first()
        )
        if (
            record is None
            or record.reviewed_at is None
            or record.status not in (PracticeRecord.Status.APPROVED,
                                     PracticeRecord.Status.REJECTED)
            or record.review_notified_at is not None
            or not record.broker.is_active
        ):
            return False
        record.review_notified_at = timezone.now()
        record.save(update_fields=["review_notified_at"])
        with translation.override(settings.LANGUAGE_CODE):
            url = reverse("people:practice_detail", args=[record.pk])
        message_deliver(
            recipient=record.broker, kind=PRACTICE_REVIEWED_KIND, subject=record,
            window=practice_review_window(record.reviewed_at),
            context=practice_review_context(
                contract=record.contract_name, number=record.registration_number,
                approved=record.status == PracticeRecord.Status.APPROVED,
                comment=record.review_comment),
            url=url,
        )
    return True


