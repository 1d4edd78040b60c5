"""Attendance at offline sessions: the trainer's list and the QR check-in."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError

from ..conf import app_settings
from ..models import Attendance, Enrolment, OfflineSession

CHECKIN_SALT = "courses.attendance.checkin"


def _window(session: OfflineSession) -> list[int]:
    return [int(session.checkin_opens_at.timestamp()), int(session.checkin_closes_at.timestamp())]


@dataclass(frozen=True)
class CheckinToken:
    token: str
    expires_in: int


def attendance_checkin_token(*, session: OfflineSession) -> CheckinToken:
    """A signed, expiring token for the session's QR code.

    It carries the session id and its check-in window; the signature's timestamp makes it
    expire after ``ACADEMY_CHECKIN_TOKEN_SECONDS``, and changing the window voids it. It
    names no broker: whoever scans it checks in as themself.
    """
    signer = signing.TimestampSigner(salt=CHECKIN_SALT)
    token = signer.sign_object({"s": session.pk, "w": _window(session)}, compress=False)
    return CheckinToken(token=token, expires_in=app_settings.CHECKIN_TOKEN_SECONDS)


def session_from_token(
    token: str, *, scanned_at: datetime.datetime | None = None
) -> OfflineSession:
    """The session a check-in token names, or ApplicationError (forged, expired, changed).

    ``scanned_at`` is when the server itself saw this token valid earlier in the same login
    session (the broker logged in or waited before confirming): the token's age is then
    counted up to that moment.
    """
    signer = signing.TimestampSigner(salt=CHECKIN_SALT)
    max_age = app_settings.CHECKIN_TOKEN_SECONDS
    if scanned_at is not None:
        max_age += max(0, int((timezone.now() - scanned_at).total_seconds()))
    try:
        data = signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise ApplicationError(
            _("This check-in code has expired. Scan the code shown on the screen now.")
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise ApplicationError(_("This check-in code is not valid.")) from None
    if not isinstance(data, dict) or "s" not in data:
        raise ApplicationError(_("This check-in code is not valid."))
    session = OfflineSession.objects.select_related("cohort").filter(pk=data["s"]).first()
    if session is None:
        raise ApplicationError(_("This check-in code is not valid."))
    if data.get("w") != _window(session):
        raise ApplicationError(
            _("The check-in time of this session was changed. Scan the code shown now.")
        )
    return session


def _local(dt: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(dt), "Y-m-d H:i")


def attendance_checkin(
    *,
    token: str,
    user: Any,
    now: datetime.datetime | None = None,
    scanned_at: datetime.datetime | None = None,
) -> tuple[Attendance, bool]:
    """The broker who scanned the session's QR code checks in (as themself).

    Refused for a forged or expired token, outside the session's check-in window, or when
    the broker is not enrolled in the session's cohort. Checking in twice changes nothing.
    Returns the attendance and whether it was created now. ``scanned_at`` (see
    ``session_from_token``) also counts as the moment of presence for the window.
    """
    session = session_from_token(token, scanned_at=scanned_at)
    now = scanned_at or now or timezone.now()
    if now < session.checkin_opens_at:
        raise ApplicationError(
            _("Check-in for “%(title)s” opens at %(time)s.")
            % {"title": session.title, "time": _local(session.checkin_opens_at)}
        )
    if now > session.checkin_closes_at:
        raise ApplicationError(
            _("Check-in for “%(title)s” closed at %(time)s. Ask the trainer to record you.")
            % {"title": session.title, "time": _local(session.checkin_closes_at)}
        )
    if not Enrolment.objects.filter(
        cohort_id=session.cohort_id, user=user, status=Enrolment.Status.ACTIVE
    ).exists():
        raise ApplicationError(_("You are not enrolled in the cohort of this session."))
    try:
        with transaction.atomic():
            attendance, created = Attendance.objects.get_or_create(
                session=session, user=user,
                defaults={
                    "method": Attendance.Method.QR,
                    "recorded_by": user,
                    "checked_in_at": now,
                    "credited_hours": session.class_hours,
                },
            )
    except IntegrityError:  # the same broker scanning twice at once
        attendance, created = Attendance.objects.get(session=session, user=user), False
    return attendance, created


def _snapshot(attendance: Attendance) -> dict[str, Any]:
    return {
        "session": attendance.session_id,
        "user": attendance.user_id,
        "method": attendance.method,
        "checked_in_at": attendance.checked_in_at.isoformat(),
        "credited_hours": str(attendance.credited_hours),
    }


@dataclass
class AttendanceChange:
    added: list[Attendance]
    removed: list[int]


def attendance_record(
    *, session: OfflineSession, actor: Any, present_user_ids: Iterable[int]
) -> AttendanceChange:
    """The trainer's attendance list: exactly ``present_user_ids`` attended ``session``.

    Adds the missing ones (method "list") and removes the unticked ones; each change is a
    correction of the training archive and is written to the audit trail with what it was.
    Only brokers enrolled in the session's cohort can be recorded.
    """
    present = {int(pk) for pk in present_user_ids}
    enrolled = set(
        Enrolment.objects.filter(cohort_id=session.cohort_id).values_list("user_id", flat=True)
    )
    strangers = present - enrolled
    if strangers:
        raise ApplicationError(_("Only brokers enrolled in this cohort can be recorded."))
    now = timezone.now()
    change = AttendanceChange(added=[], removed=[])
    with transaction.atomic():
        existing = {
            a.user_id: a
            for a in Attendance.objects.select_for_update().filter(session=session)
        }
        for user_id in sorted(present - set(existing)):
            attendance = Attendance.objects.create(
                session=session, user_id=user_id, recorded_by=actor,
                method=Attendance.Method.LIST, checked_in_at=now,
                credited_hours=session.class_hours,
            )
            audit_record(
                action="courses.attendance_recorded", subject=session, person=user_id,
                after=_snapshot(attendance), actor=actor,
            )
            change.added.append(attendance)
        for user_id in sorted(set(existing) - present):
            attendance = existing[user_id]
            audit_record(
                action="courses.attendance_removed", subject=session, person=user_id,
                before=_snapshot(attendance), actor=actor,
            )
            attendance.delete()
            change.removed.append(user_id)
    return change


def offline_session_create(*, cohort: Any, actor: Any, **fields: Any) -> OfflineSession:
    """Schedule an offline session of ``cohort`` (title, place, hours, times, check-in window)."""
    with transaction.atomic():
        session = OfflineSession.objects.create(cohort=cohort, **fields)
        audit_record(
            action="courses.session_created", subject=session, actor=actor,
            after={"cohort": cohort.code, "title": session.title,
                   "starts_at": session.starts_at.isoformat(),
                   "class_hours": str(session.class_hours)},
        )
    return session
