"""Issuing, revoking, reinstating and expiring certificates.

``certificate_issue`` issues one certificate with any options (an admin's manual issue, a
renewal, the demo): in one transaction it locks the broker's profile row, returns the
certificate the broker already holds for the level if any (idempotent), refuses what only an
admin may do, and hands the rest to the issuing core every path shares,
``batch.certificates_grant`` (serial, record and signed credential, promotion through
``people.services.brokers_promote``, audit events, the broker's notification, the PDF queued
after commit). Automatic issuance to brokers the readiness engine found ready (the readiness
event's task, the sweeps) goes through ``batch.certificates_issue_ready``, which hands the
same core many grants in one transaction. The partial unique constraint on (broker, level) makes a second
active certificate impossible whatever the code does.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from academy.iterables import batched
from academy.people.models import BrokerProfile, Level
from academy.people.selectors import Role, user_has_role

from ..models.issued import Certificate

logger = logging.getLogger(__name__)

ISSUED_KIND = "certificate_issued"
REVOKED_KIND = "certificate_revoked"
REINSTATED_KIND = "certificate_reinstated"
RENEWED_KIND = "certificate_renewed"  # registered by services/renewal.py


def _require_admin(actor: Any) -> None:
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionDenied


def certificate_summary(certificate: Certificate) -> dict[str, Any]:
    """What the audit trail records of a certificate."""
    return {
        "serial": certificate.serial,
        "level": certificate.level.code,
        "status": certificate.status,
        "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "source": certificate.source,
        "renewed_from": certificate.renewed_from_id,
    }


def _notify(certificate: Certificate, kind: str, window: str, **context: Any) -> None:
    from academy.notifications.selectors import url_or_home
    from academy.notifications.services import notify

    notify(
        recipients=[certificate.broker_id], kind=kind, subject=certificate, window=window,
        context={"serial": certificate.serial, "level": certificate.level.name,
                 "level_en": certificate.level.name_en or certificate.level.name, **context},
        url=url_or_home("certificates:my_certificates"),
    )


def certificate_issue(
    *,
    broker_id: int,
    level_id: int,
    actor: Any = None,
    reason: str = "",
    source: str = Certificate.Source.AUTOMATIC,
    renewed_from: Certificate | None = None,
    requirement_set_id: int | None = None,
    valid_until: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Certificate:
    """Issue ``broker_id`` the certificate of ``level_id``, or return the one they hold.

    All or nothing, safe to run any number of times and concurrently: the broker's profile row
    is locked first, so a second call waits and then finds the first one's certificate. An
    automatic call never re-issues a revoked certificate (only an admin does, with a reason,
    ``source=MANUAL``). ``valid_until`` overrides the last valid day the level's policy gives
    (a renewal runs on from the certificate it renews). Returns the certificate;
    ``certificate.issued_now`` says whether this call created it.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()[:500]
    if source == Certificate.Source.MANUAL:
        _require_admin(actor)
        if not reason:
            raise ApplicationError(_("Give the reason for issuing the certificate by hand."))
    with transaction.atomic():
        # Lock the profile row alone (no joins: PostgreSQL re-checks a join against the row
        # versions it read first, and would drop a profile whose level a concurrent issuance
        # just changed), then read it with its account and level.
        if not list(BrokerProfile.objects.select_for_update().filter(user_id=broker_id)
                    .values_list("pk", flat=True)):
            raise ApplicationError(_("This person is not a broker."))
        profile = BrokerProfile.objects.select_related("user", "level").get(user_id=broker_id)
        level = Level.objects.get(pk=level_id)
        existing = (Certificate.objects.select_related("level")
                    .filter(broker_id=broker_id, level=level, status__in=Certificate.ACTIVE)
                    .first())
        if existing is not None:
            existing.issued_now = False
            return existing
        if source == Certificate.Source.AUTOMATIC and Certificate.objects.filter(
                broker_id=broker_id, level=level, status=Certificate.Status.REVOKED).exists():
            raise ApplicationError(_("This broker's certificate of this level was revoked; "
                                     "only an administrator may issue it again."))
        if requirement_set_id is None:
            from ..models import BrokerReadiness

            requirement_set_id = (BrokerReadiness.objects.filter(broker_id=broker_id,
                                                                 level=level)
                                  .values_list("requirement_set_id", flat=True).first())
        from .batch import Grant, certificates_grant

        [certificate] = certificates_grant([Grant(
            profile=profile, level=level, requirement_set=requirement_set_id, source=source,
            reason=reason, renewed_from=renewed_from, valid_until=valid_until,
        )], now=now, actor=actor)
        certificate.broker = profile.user
    return certificate


def certificate_issue_for_ready(*, broker_id: int) -> Certificate | None:
    """Issue the certificate a broker is recorded as ready for, if they hold none yet.

    Reads the readiness engine's recorded answer (``BrokerReadiness``, kept current on every
    change of its inputs): the lowest level above the broker's own that they are ready for and
    hold no certificate of, and issues it through ``certificates_issue_ready`` (a batch of
    one). Returns the certificate, also when a concurrent call issued it first; None when there
    is nothing to issue (already issued, not ready, revoked, or a level an administrator
    issues: an admin decides).
    """
    from ..models import BrokerReadiness
    from ..selectors.issued import levels_issued_by_admin
    from .batch import certificates_issue_ready

    profile = BrokerProfile.objects.select_related("level").filter(user_id=broker_id).first()
    if profile is None:
        return None
    state = (
        BrokerReadiness.objects.filter(broker_id=broker_id, ready=True,
                                       level__rank__gt=profile.level.rank)
        .exclude(Exists(Certificate.objects.filter(broker_id=OuterRef("broker_id"),
                                                   level_id=OuterRef("level_id"))))
        .exclude(level_id__in=levels_issued_by_admin())
        .order_by("level__rank").first()
    )
    if state is None:
        return None
    certificate = certificates_issue_ready(broker_ids=[broker_id]).get(broker_id)
    if certificate is None:  # issued meanwhile by another call, which promoted the broker
        certificate = (Certificate.objects.select_related("level")
                       .filter(broker_id=broker_id, level_id=state.level_id,
                               status__in=Certificate.ACTIVE).first())
        if certificate is not None:
            certificate.issued_now = False
    return certificate


def certificates_issue_for_promotion(*, broker_ids: list[int], actor: Any) -> dict[int, Any]:
    """An administrator issues the brokers of the ready-for-promotion list their certificates.

    Each broker's readiness is evaluated and recorded first (the list reads the engine, the
    issuing core the recorded answer), then those ready are issued in one transaction
    (``certificates_issue_ready``, with the administrator as the actor). Brokers not ready
    any more, or whose certificate was revoked, are left out. Safe to run twice.
    """
    from .batch import certificates_issue_ready
    from .readiness import readiness_evaluate

    _require_admin(actor)
    ids = sorted({int(pk) for pk in broker_ids})
    if not ids:
        return {}
    readiness_evaluate(broker_ids=ids)
    return certificates_issue_ready(broker_ids=ids, actor=actor)


def certificates_issue_for_promotion_schedule(*, broker_ids: list[int], actor: Any) -> int:
    """Queue ``certificates_issue_for_promotion`` for many brokers, in batches, after commit;
    returns the number of brokers queued."""
    from .batch import batch_size

    _require_admin(actor)
    ids = sorted({int(pk) for pk in broker_ids})

    def enqueue() -> None:
        from ..tasks import certificates_issue_for_promotion as task

        for chunk in batched(ids, batch_size()):
            task.delay(chunk, actor.pk)

    transaction.on_commit(enqueue, robust=True)
    return len(ids)


def certificates_ready_uncertified(*, limit: int = 1000, after_id: int = 0) -> list[int]:
    """Brokers recorded as ready for a level above their own with no certificate of it: those
    whose "ready" message was lost (Redis down, a worker killed before it acknowledged), or a
    whole cohort to issue in batches. By broker id, the first ``limit`` above ``after_id``.
    Levels an administrator issues are left out: those brokers wait on the ready list."""
    from ..models import BrokerReadiness
    from ..selectors.issued import levels_issued_by_admin

    return list(
        BrokerReadiness.objects.filter(ready=True, broker_id__gt=after_id,
                                       level__rank__gt=F("broker__broker_profile__level__rank"))
        .exclude(level_id__in=levels_issued_by_admin())
        .exclude(Exists(Certificate.objects.filter(broker_id=OuterRef("broker_id"),
                                                   level_id=OuterRef("level_id"))))
        .order_by("broker_id").values_list("broker_id", flat=True).distinct()[:limit]
    )


def certificate_issue_schedule(*, broker_id: int) -> None:
    """Queue issuance for the broker once the transaction commits (``broker_became_ready``).

    Inside ``batch.certificates_issue_collected`` (the readiness tasks) the broker is added to
    the batch queued at its end instead of getting a task of their own."""
    from .batch import certificate_issue_collecting, certificate_issue_queue

    collected = certificate_issue_collecting()
    if collected is not None:
        collected.append(broker_id)
        return
    transaction.on_commit(lambda: certificate_issue_queue([broker_id]), robust=True)


def certificate_policy_summary(policy: Any) -> dict[str, Any]:
    """What the audit trail records of a level's certificate policy."""
    return {
        "level": policy.level.code,
        "issue_automatically": policy.issue_automatically,
        "validity_months": policy.validity_months,
        "renewal_hours": None if policy.renewal_hours is None else str(policy.renewal_hours),
    }


def certificate_policy_changed(*, policy: Any, actor: Any,
                               before: dict[str, Any] | None = None) -> None:
    """Record a change of a level's certificate policy (made in the back office). When it
    turns automatic issuance on, the brokers waiting on the ready list are issued by the
    safety-net sweep, queued after commit."""
    _require_admin(actor)
    after = certificate_policy_summary(policy)
    audit_record(action="certificates.policy_changed", subject=policy, actor=actor,
                 before=before, after=after)
    if after["issue_automatically"] and not (before or {}).get("issue_automatically", True):
        def enqueue() -> None:
            from ..tasks import certificates_issue_sweep

            certificates_issue_sweep.delay(after_id=0)

        transaction.on_commit(enqueue, robust=True)


# --- Revocation, reinstatement, expiry ----------------------------------------------------------


def certificate_revoke(*, certificate_id: int, actor: Any, reason: str) -> Certificate:
    """Revoke a certificate (admins, with a reason): the verification page, the API and the
    status list say so at once; the broker is notified; the audit trail records it. The
    broker's level is not changed here (an admin changes it in the broker's profile)."""
    _require_admin(actor)
    reason = (reason or "").strip()[:500]
    if not reason:
        raise ApplicationError(_("Give the reason for revoking the certificate."))
    with transaction.atomic():
        certificate = (Certificate.objects.select_for_update().select_related("level")
                       .get(pk=certificate_id))
        if certificate.status == Certificate.Status.REVOKED:
            raise ApplicationError(_("This certificate is already revoked."))
        before = certificate_summary(certificate)
        now = timezone.now()
        certificate.status = Certificate.Status.REVOKED
        certificate.status_changed_at = now
        certificate.revoked_at = now
        certificate.revoked_by = actor
        certificate.revoked_reason = reason
        certificate.save(update_fields=["status", "status_changed_at", "revoked_at",
                                        "revoked_by", "revoked_reason"])
        audit_record(action="certificates.revoked", subject=certificate,
                     person=certificate.broker_id, actor=actor, before=before,
                     after={**certificate_summary(certificate), "reason": reason})
        _notify(certificate, REVOKED_KIND, f"revoked-{now:%Y%m%d%H%M%S}", reason=reason)
    return certificate


def certificate_reinstate(*, certificate_id: int, actor: Any, reason: str) -> Certificate:
    """Undo a revocation (admins, with a reason, audited). Refused if the broker has been
    issued another certificate of the level since."""
    _require_admin(actor)
    reason = (reason or "").strip()[:500]
    if not reason:
        raise ApplicationError(_("Give the reason for reinstating the certificate."))
    with transaction.atomic():
        BrokerProfile.objects.select_for_update().filter(
            user_id=Certificate.objects.filter(pk=certificate_id).values("broker_id")[:1]
        ).first()
        certificate = (Certificate.objects.select_for_update().select_related("level")
                       .get(pk=certificate_id))
        if certificate.status != Certificate.Status.REVOKED:
            raise ApplicationError(_("Only a revoked certificate can be reinstated."))
        if Certificate.objects.filter(broker_id=certificate.broker_id, level=certificate.level,
                                      status__in=Certificate.ACTIVE).exists():
            raise ApplicationError(_("The broker holds another certificate of this level."))
        before = certificate_summary(certificate)
        now = timezone.now()
        today = timezone.localdate(now)
        expired = certificate.valid_until is not None and certificate.valid_until < today
        certificate.status = Certificate.Status.EXPIRED if expired else Certificate.Status.VALID
        certificate.status_changed_at = now
        certificate.revoked_at = None
        certificate.revoked_by = None
        certificate.revoked_reason = ""
        certificate.save(update_fields=["status", "status_changed_at", "revoked_at",
                                        "revoked_by", "revoked_reason"])
        audit_record(action="certificates.reinstated", subject=certificate,
                     person=certificate.broker_id, actor=actor, before=before,
                     after={**certificate_summary(certificate), "reason": reason})
        _notify(certificate, REINSTATED_KIND, f"reinstated-{now:%Y%m%d%H%M%S}", reason=reason)
    return certificate


def certificates_expire_due(*, today: datetime.date | None = None) -> int:
    """Mark valid certificates whose last valid day has passed as expired (the daily task).

    One UPDATE, with an audit event per certificate; running it twice changes nothing more.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        due = list(Certificate.objects.select_for_update(skip_locked=True)
                   .select_related("level")
                   .filter(status=Certificate.Status.VALID, valid_until__lt=today)
                   .order_by("pk")[:5000])
        for certificate in due:
            before = certificate_summary(certificate)
            certificate.status = Certificate.Status.EXPIRED
            certificate.status_changed_at = now
            audit_record(action="certificates.expired", subject=certificate,
                         person=certificate.broker_id, actor_label="system", before=before,
                         after=certificate_summary(certificate))
        Certificate.objects.bulk_update(due, ["status", "status_changed_at"])
    return len(due)


def certificate_torch_number_set(*, certificate_id: int, actor: Any, number: str) -> Certificate:
    """Record the Torch Centre's unified number (统一编号) beside the serial (admins, audited).

    Only for certificates above the first level (intermediate and senior: the ones filed with
    the Torch Centre); an empty number clears it; a number already recorded on another
    broker's certificate is refused (a renewal of the same holder may carry it on).
    """
    _require_admin(actor)
    number = " ".join((number or "").split())
    if len(number) > 40:
        raise ApplicationError(_("The unified number is at most 40 characters long."))
    with transaction.atomic():
        certificate = (Certificate.objects.select_for_update().select_related("level")
                       .get(pk=certificate_id))
        lowest = Level.objects.order_by("rank").values_list("rank", flat=True).first()
        if certificate.level.rank == lowest:
            raise ApplicationError(_("Unified numbers are recorded for intermediate and senior "
                                     "certificates only."))
        if number and Certificate.objects.filter(torch_number=number).exclude(
                broker_id=certificate.broker_id).exists():
            raise ApplicationError(_("This unified number is recorded on another broker's "
                                     "certificate."))
        before = {"torch_number": certificate.torch_number}
        if before["torch_number"] == number:
            return certificate
        certificate.torch_number = number
        certificate.save(update_fields=["torch_number"])
        audit_record(action="certificates.torch_number_set", subject=certificate,
                     person=certificate.broker_id, actor=actor, before=before,
                     after={"torch_number": number})
    return certificate
