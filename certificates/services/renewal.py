"""Renewing a certificate once its continuing-education hours are met.

A level's ``CertificatePolicy`` may give certificates a validity period (``validity_months``)
and ask for class hours to renew them (``renewal_hours``): hours credited (lessons completed
online, offline sessions attended: the same ``credited_hours`` that ``courses`` sums in
``broker_hours``) from the moment the certificate was issued. The moment, not the day: hours
earned on the morning of a renewal counted for the old certificate and do not count again
for the new one. (``broker_hours`` sums a broker's whole record and has no time window, so
the two sums are read here, with the same fields.)

A certificate may be renewed when it is active (valid or expired, never revoked nor renewed
already), its level makes it expire, the renewal window is open (``ACADEMY_CERT_RENEWAL_
WINDOW_DAYS`` before its last valid day, default 90; an expired certificate stays renewable:
a lapsed holder who catches up renews) and the hours are met. Renewing marks the old
certificate ``superseded`` and issues the new one through ``certificate_issue`` (linked by
``renewed_from``), in one transaction: the new one is valid at once and runs on from the old
one's last day (no time is lost by renewing early); a late renewal runs from today.

Who renews:

- the holder, from their certificate page (eligible only);
- an administrator, by hand; with a reason an administrator may also renew a certificate that
  is not yet eligible (an exemption, recorded in the audit trail);
- the daily task (``certificates_renew_due``), for every certificate in its window whose level
  asks for renewal hours and whose holder earned them. The hours are the holder's own act of
  renewal, so nobody who did the work should lose a certificate for not clicking a button;
  the holder is told that it was renewed. A level that asks for no hours is renewed only on
  request (its holders are reminded that the certificate expires), otherwise a validity
  period would mean nothing.

Exactly once: the broker's profile row is locked first (as ``certificate_issue`` does), then
the old certificate; a second attempt finds it superseded and returns its renewal. The
database allows one active certificate per broker and level whatever the code does.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from academy.notifications.services import Kind, register_kind
from academy.people.models import BrokerProfile
from academy.people.selectors import Role, user_has_role
from courses.models import Attendance, LessonProgress

from ..conf import app_settings
from ..models.issued import Certificate, CertificatePolicy
from ..selectors.readiness import add_months
from .issuance import RENEWED_KIND, certificate_issue, certificate_summary

logger = logging.getLogger(__name__)

HOURS: DecimalField = DecimalField(max_digits=9, decimal_places=2)
ZERO = Decimal("0.00")

CERTIFICATE_RENEWED = register_kind(Kind(
    code=RENEWED_KIND, label=_("Certificate renewed"), roles=frozenset({Role.BROKER}),
    description=_("One of your certificates was renewed: a new certificate replaces it."),
    mandatory=True, app="certificates",
    template="certificates/notifications/certificate_renewed",
    sample={"serial": "4112-M-2029-00001H", "level": "中级技术经纪人",
            "level_en": "Intermediate Technology Broker", "valid_until": "2032-12-31",
            "old_serial": "4112-M-2026-00001H"},
))


def renewal_window_days() -> int:
    """How many days before its last valid day a certificate may be renewed."""
    return app_settings.CERT_RENEWAL_WINDOW_DAYS


# --- Hours ---------------------------------------------------------------------------------------


def _hours_since(model, when: str) -> Coalesce:
    return Coalesce(
        Subquery(model.objects.filter(user_id=OuterRef("broker_id"),
                                      **{f"{when}__gte": OuterRef("issued_at")})
                 .order_by().values("user_id").annotate(h=Sum("credited_hours"))
                 .values("h")[:1], output_field=HOURS),
        Value(ZERO, output_field=HOURS),
    )


def hours_since_issue() -> ExpressionWrapper:
    """An annotation for certificates: the class hours their holder was credited since the
    certificate was issued (lessons completed and sessions attended). Two correlated sums per
    certificate, over the indexed user columns of both tables."""
    return ExpressionWrapper(
        _hours_since(LessonProgress, "completed_at") + _hours_since(Attendance, "checked_in_at"),
        output_field=HOURS,
    )


def certificate_renewal_hours(*, certificate_id: int) -> Decimal:
    """Class hours the holder earned since the certificate was issued (one query)."""
    value = (Certificate.objects.filter(pk=certificate_id)
             .annotate(done=hours_since_issue()).values_list("done", flat=True).first())
    return Decimal(value or 0).quantize(Decimal("0.01"))


# --- Eligibility ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalState:
    """Whether a certificate may be renewed now, with the figures and, if not, why."""

    applicable: bool  # the level's certificates expire (else there is nothing to renew)
    eligible: bool
    reason: str
    required: Decimal | None = None  # hours the level asks for (None: none)
    done: Decimal = ZERO
    opens_on: datetime.date | None = None

    @property
    def missing(self) -> Decimal:
        return max(ZERO, (self.required or ZERO) - self.done)

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return min(100, int(self.done * 100 / self.required))


def _renewal_valid_until(certificate: Certificate, months: int,
                         today: datetime.date) -> datetime.date:
    """The new certificate runs on from the old one's last day; a late renewal from today."""
    last = certificate.valid_until
    start = last + datetime.timedelta(days=1) if last is not None and last >= today else today
    return add_months(start, months) - datetime.timedelta(days=1)


def certificate_renewal_state(*, certificate: Certificate, today: datetime.date | None = None,
                              policy: CertificatePolicy | None = None,
                              done: Decimal | None = None) -> RenewalState:
    """Where ``certificate`` stands toward renewal (two or three queries; ``policy`` and
    ``done`` may be passed when the caller has read them)."""
    today = today or timezone.localdate()
    if certificate.status == Certificate.Status.SUPERSEDED:
        return RenewalState(applicable=True, eligible=False,
                            reason=str(_("This certificate has been renewed.")))
    if certificate.status == Certificate.Status.REVOKED:
        return RenewalState(applicable=False, eligible=False,
                            reason=str(_("A revoked certificate cannot be renewed.")))
    if policy is None:
        policy = CertificatePolicy.objects.filter(level_id=certificate.level_id).first()
    if certificate.valid_until is None or policy is None or not policy.validity_months:
        return RenewalState(applicable=False, eligible=False,
                            reason=str(_("This certificate does not expire: there is nothing "
                                         "to renew.")))
    required = policy.renewal_hours if policy.renewal_hours else None
    if done is None:
        done = certificate_renewal_hours(certificate_id=certificate.pk)
    done = Decimal(done or 0).quantize(Decimal("0.01"))
    opens_on = certificate.valid_until - datetime.timedelta(days=renewal_window_days())
    common: dict[str, Any] = {"applicable": True, "required": required, "done": done,
                              "opens_on": opens_on}
    if today < opens_on:
        return RenewalState(eligible=False, reason=str(
            _("Renewal opens on %(date)s, %(days)s days before the certificate expires.")
            % {"date": f"{opens_on:%Y-%m-%d}", "days": renewal_window_days()}), **common)
    if required is not None and done < required:
        return RenewalState(eligible=False, reason=str(
            _("%(done)s of the %(required)s class hours needed since %(since)s: "
              "%(missing)s to go.")
            % {"done": f"{done:.2f}", "required": f"{required:.2f}",
               "since": f"{certificate.valid_from:%Y-%m-%d}",
               "missing": f"{required - done:.2f}"}), **common)
    return RenewalState(eligible=True, reason="", **common)


# --- Renewing ------------------------------------------------------------------------------------


def certificate_renew(*, certificate_id: int, actor: Any = None, reason: str = "",
                      now: datetime.datetime | None = None) -> Certificate:
    """Renew certificate ``certificate_id``: mark it superseded and issue the new one, linked
    by ``renewed_from``, all or nothing (see the module docstring for who may).

    Safe to run twice or concurrently: the second call returns the renewal the first made
    (``renewed_now`` False). Raises ``ApplicationError`` (with the reason) when the
    certificate may not be renewed, ``PermissionDenied`` when ``actor`` may not renew it.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    reason = (reason or "").strip()[:500]
    is_admin = actor is not None and user_has_role(actor, Role.ADMIN)
    broker_id = (Certificate.objects.filter(pk=certificate_id)
                 .values_list("broker_id", flat=True).first())
    if broker_id is None:
        raise ApplicationError(_("No such certificate."))
    if actor is not None and not is_admin and getattr(actor, "pk", None) != broker_id:
        raise PermissionDenied
    with transaction.atomic():
        # The same lock order as certificate_issue: the profile first, then the certificate.
        list(BrokerProfile.objects.select_for_update().filter(user_id=broker_id)
             .values_list("pk", flat=True))
        old = (Certificate.objects.select_for_update().select_related("level")
               .get(pk=certificate_id))
        if old.status == Certificate.Status.SUPERSEDED:
            renewal = (Certificate.objects.select_related("level").filter(renewed_from=old)
                       .order_by("-pk").first())
            if renewal is not None:
                renewal.renewed_now = False
                return renewal
        policy = CertificatePolicy.objects.filter(level_id=old.level_id).first()
        done = certificate_renewal_hours(certificate_id=old.pk)
        state = certificate_renewal_state(certificate=old, today=today, policy=policy,
                                          done=done)
        override = False
        if not state.eligible:
            if not (is_admin and state.applicable and reason
                    and old.status in Certificate.ACTIVE):
                raise ApplicationError(state.reason)
            override = True
        # A renewable certificate's level has a policy with a validity (the state says so).
        assert policy is not None and policy.validity_months is not None
        before = certificate_summary(old)
        old.status = Certificate.Status.SUPERSEDED
        old.status_changed_at = now
        old.save(update_fields=["status", "status_changed_at"])
        renewal = certificate_issue(
            broker_id=broker_id, level_id=old.level_id, actor=actor, reason=reason,
            source=Certificate.Source.RENEWAL, renewed_from=old,
            requirement_set_id=old.requirement_set_id,
            valid_until=_renewal_valid_until(old, policy.validity_months, today), now=now,
        )
        if old.torch_number and not renewal.torch_number:  # the Torch Centre's number stays
            renewal.torch_number = old.torch_number
            renewal.save(update_fields=["torch_number"])
        audit_record(
            action="certificates.renewed", subject=old, person=broker_id, actor=actor,
            actor_label="" if actor else "system", before=before,
            after={**certificate_summary(old), "renewal": renewal.serial,
                   "hours_required": str(state.required) if state.required else None,
                   "hours_done": str(done), "override": override, "reason": reason},
        )
        renewal.renewed_now = True
    return renewal


def certificates_renewable(*, today: datetime.date | None = None,
                           limit: int = 500) -> QuerySet[Certificate]:
    """Certificates the daily task renews: active, in their window (or expired no longer ago
    than the window's length), of a level that asks for renewal hours, hours met."""
    today = today or timezone.localdate()
    window = datetime.timedelta(days=renewal_window_days())
    return (
        Certificate.objects.filter(
            status__in=Certificate.ACTIVE, valid_until__isnull=False,
            valid_until__lte=today + window, valid_until__gte=today - window,
            level__certificate_policy__validity_months__isnull=False,
            level__certificate_policy__renewal_hours__gt=0,
            broker__is_active=True,
        )
        .annotate(done=hours_since_issue())
        .filter(done__gte=F("level__certificate_policy__renewal_hours"))
        .order_by("valid_until", "pk")[:limit]
    )


def certificates_renew_due(*, today: datetime.date | None = None, limit: int = 500) -> int:
    """Renew every certificate that ``certificates_renewable`` finds (the daily task), each in
    its own transaction; one that fails is logged and left for the next run. Returns how many
    were renewed."""
    today = today or timezone.localdate()
    ids = list(certificates_renewable(today=today, limit=limit).values_list("pk", flat=True))
    renewed = 0
    for pk in ids:
        try:
            certificate = certificate_renew(certificate_id=pk)
        except ApplicationError as exc:
            logger.info("Certificate %s not renewed: %s", pk, exc)
            continue
        renewed += certificate.renewed_now
    return renewed


def renewal_chain(certificate: Certificate, *, limit: int = 20) -> list[Certificate]:
    """The certificates a renewal chain links, oldest first (the one given included): each
    earlier certificate it renews, and each later one that renews it. A few small queries."""
    earlier: list[Certificate] = []
    current = certificate
    while current.renewed_from_id and len(earlier) < limit:
        current = (Certificate.objects.select_related("level")
                   .get(pk=current.renewed_from_id))
        earlier.append(current)
    later: list[Certificate] = []
    current = certificate
    while len(later) < limit:
        nxt = (Certificate.objects.select_related("level").filter(renewed_from=current)
               .order_by("pk").first())
        if nxt is None:
            break
        later.append(nxt)
        current = nxt
    return [*reversed(earlier), certificate, *later]
