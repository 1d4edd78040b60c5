"""Putting brokers into cohorts: by an admin one by one or in bulk, or by the broker."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from academy.people.models import User

from ..models import Cohort, Enrolment


def _audit_enrolment(enrolment: Enrolment, *, actor: Any, how: str) -> None:
    audit_record(
        action="courses.enrolment_created",
        subject=enrolment,
        person=enrolment.user,
        after={
            "cohort": enrolment.cohort.code,
            "user": enrolment.user.email,
            "status": enrolment.status,
            "how": how,
        },
        actor=actor,
    )


def _enrol(*, cohort: Cohort, user: User, actor: Any, how: str) -> Enrolment | None:
    """Create or reactivate; None if already active. Runs inside the caller's transaction."""
    existing = Enrolment.objects.select_for_update().filter(cohort=cohort, user=user).first()
    if existing is not None:
        if existing.status == Enrolment.Status.ACTIVE:
            return None
        existing.status = Enrolment.Status.ACTIVE
        existing.enrolled_by = actor if getattr(actor, "pk", None) else None
        existing.enrolled_at = timezone.now()
        existing.save(update_fields=["status", "enrolled_by", "enrolled_at"])
        _audit_enrolment(existing, actor=actor, how=how)
        return existing
    enrolment = Enrolment.objects.create(
        cohort=cohort, user=user, enrolled_by=actor if getattr(actor, "pk", None) else None
    )
    _audit_enrolment(enrolment, actor=actor, how=how)
    return enrolment


def enrolment_create(*, cohort: Cohort, user: User, actor: Any) -> Enrolment:
    """An admin enrols one broker in ``cohort``."""
    if not hasattr(user, "broker_profile"):
        raise ApplicationError(_("%(user)s is not a broker.") % {"user": user.email})
    with transaction.atomic():
        enrolment = _enrol(cohort=cohort, user=user, actor=actor, how="admin")
        if enrolment is None:
            raise ApplicationError(
                _("%(user)s is already enrolled in this cohort.") % {"user": user.email}
            )
    return enrolment


@dataclass
class EnrolmentBulkResult:
    created: list[Enrolment] = field(default_factory=list)
    already: list[User] = field(default_factory=list)


EMAIL_SPLIT = re.compile(r"[\s,;，；]+")


def enrolment_bulk_create(
    *,
    cohort: Cohort,
    actor: Any,
    level: str = "",
    region: str = "",
    organisation: int | None = None,
    emails: str | list[str] = "",
) -> EnrolmentBulkResult:
    """Enrol many brokers from the roster: those matching level/region/organisation codes,
    or those with the listed e-mail addresses.

    All or nothing: an unknown address, or an address that is not a broker's, is reported
    and nothing is saved. Brokers already enrolled are skipped and counted.
    """
    if isinstance(emails, str):
        emails = [e for e in EMAIL_SPLIT.split(emails.strip().lower()) if e]
    else:
        emails = [e.strip().lower() for e in emails if e.strip()]
    if not emails and not (level or region or organisation):
        raise ApplicationError(_("Choose a level, region or organisation, or list e-mail addresses."))
    users = User.objects.filter(broker_profile__isnull=False, is_active=True)
    if emails:
        users = users.filter(email__in=emails)
        found = set(users.values_list("email", flat=True))
        missing = [e for e in dict.fromkeys(emails) if e not in found]
        if missing:
            raise ApplicationError(
                _("These addresses are not active brokers: %(emails)s. Nothing was saved.")
                % {"emails": ", ".join(missing)},
                extra={"unknown": missing},
            )
    if level:
        users = users.filter(broker_profile__level__code=level)
    if region:
        users = users.filter(broker_profile__region__code=region)
    if organisation:
        users = users.filter(broker_profile__organisation_id=organisation)
    result = EnrolmentBulkResult()
    with transaction.atomic():
        for user in users.order_by("email"):
            enrolment = _enrol(cohort=cohort, user=user, actor=actor, how="bulk")
            if enrolment is None:
                result.already.append(user)
            else:
                result.created.append(enrolment)
    return result


def enrolment_self(*, cohort: Cohort, user: User) -> Enrolment:
    """A broker joins an open cohort of a programme that starts at their level."""
    profile = getattr(user, "broker_profile", None)
    if profile is None:
        raise ApplicationError(_("Only brokers can enrol in a cohort."))
    if not cohort.is_open_for_enrolment:
        raise ApplicationError(_("This cohort is not open for enrolment."))
    if cohort.ends_on < timezone.localdate():
        raise ApplicationError(_("This cohort has ended."))
    if cohort.programme.from_level_id != profile.level_id:
        raise ApplicationError(_("This programme is for brokers of another level."))
    with transaction.atomic():
        enrolment = _enrol(cohort=cohort, user=user, actor=user, how="self")
        if enrolment is None:
            raise ApplicationError(_("You are already enrolled in this cohort."))
    return enrolment
