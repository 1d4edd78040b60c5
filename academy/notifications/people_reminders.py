"""People's messages: invitations, practice records waiting or reviewed.

People sits below this app and cannot register reminders itself: its subjects' kinds and
sweeps live here (imported by ``reminders.py``), keeping the names ``people.*`` and
``app="people"`` they have in the reminder log and on the preferences page. People sends its
invitations and review outcomes through ``NotificationSender`` (``services/messages.py``).
A reviewed practice record is announced both by people's task (``practice_review_notify``)
and here when people sends ``practice_record_reviewed``; a sweep catches any review whose
signal was missed, and the reminder log makes the three meet once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.people.models import Invitation, PracticeRecord, User
from academy.people.selectors import Role
from academy.people.services import (
    INVITATION_KIND,
    PRACTICE_REVIEWED_KIND,
    practice_record_reviewed,
    practice_review_context,
    practice_review_window,
)

from .conf import app_settings
from .kinds import Kind, register_kind
from .rendering import url_maker, url_or_home
from .services import Notice, notices_deliver
from .sweeps import register_sweep

INVITATION = register_kind(Kind(
    code=INVITATION_KIND, label=_("Invitation to Broker Academy"),
    roles=frozenset(),  # nobody signed in gets it: not on anyone's preferences page
    description=_("The e-mail with the link that sets a new account's password."),
    # The invitee has no password yet: only an e-mail reaches them, at once, quiet hours or not.
    mandatory=True, urgent=True, quiet_choice=False, inapp=False,
    template="people/email/invitation", app="people",
    sample={"email": "wangfang@example.test", "expires": "2026-12-04 10:00", "days": 14,
            "accept_url": "https://academy.example/people/invitation/TOKEN/"},
))
INVITATION_PENDING = register_kind(Kind(
    code="invitation_pending", label=_("Invitation not yet accepted"),
    # Nobody signed in still has it coming: not listed on anyone's preferences page.
    roles=frozenset(),
    description=_("Sent once, a few days after an invitation, if it was not accepted."),
    # The invitee cannot sign in yet: only an e-mail reaches them, and nobody can opt out.
    mandatory=True, quiet_choice=False, inapp=False, app="people",
    sample={"sent_on": "2026-11-20", "expires_on": "2026-12-04", "days": 3},
))
PRACTICE_WAITING = register_kind(Kind(
    code="practice_waiting_review", label=_("Practice records waiting for review"),
    roles=frozenset({Role.ADMIN}),
    description=_("Administrators: once a day while records wait longer than a few days."),
    quiet_choice=False, app="people",
    sample={"count": 4, "oldest": "2026-11-18", "days": 3},
))
PRACTICE_REVIEWED = register_kind(Kind(
    code=PRACTICE_REVIEWED_KIND, label=_("Practice record reviewed"),
    roles=frozenset({Role.BROKER}),
    description=_("When an administrator approved or returned one of your practice records."),
    app="people",
    sample={"contract": "黄金尾矿综合利用技术转让合同", "number": "2026411200000123",
            "approved": True, "comment": ""},
))


def _today(now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now)


@register_sweep("people.invitation_pending", kinds=(INVITATION_PENDING.code,),
                schedule={"minute": "0", "hour": "10"})
def invitation_pending(*, now: datetime.datetime) -> int:
    """Invitees who have not accepted N days after the e-mail (once per invitation)."""
    days = int(app_settings.NOTIFY_INVITATION_DAYS)
    rows = (
        Invitation.objects.filter(accepted_at__isnull=True, sent_at__isnull=False,
                                  sent_at__lte=now - datetime.timedelta(days=days),
                                  user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("pk", "user_id", "sent_at", "expires_at")
        .order_by()
    )
    url = url_or_home("account_login")

    def notices() -> Iterator[Notice]:
        for pk, user_id, sent_at, expires_at in rows.iterator(
            chunk_size=app_settings.NOTIFY_BATCH_SIZE
        ):
            yield Notice(
                recipient_id=user_id, kind=INVITATION_PENDING.code,
                subject_type="people.invitation", subject_id=pk,
                window=f"sent-{timezone.localtime(sent_at):%Y-%m-%dT%H:%M}",
                context={"sent_on": f"{timezone.localdate(sent_at):%Y-%m-%d}",
                         "expires_on": (f"{timezone.localdate(expires_at):%Y-%m-%d}"
                                        if expires_at else ""),
                         "days": days},
                url=url,
            )

    return notices_deliver(notices=notices(), now=now).created


def admin_ids() -> list[int]:
    """Active administrators (the admin role, or superusers)."""
    return list(
        User.objects.filter(Q(groups__name=Role.ADMIN) | Q(is_superuser=True), is_active=True)
        .values_list("pk", flat=True).distinct()
    )


@register_sweep("people.practice_waiting_review", kinds=(PRACTICE_WAITING.code,),
                schedule={"minute": "0", "hour": "9"})
def practice_waiting_review(*, now: datetime.datetime) -> int:
    """Administrators, once a day, while practice records wait longer than N days."""
    days = int(app_settings.NOTIFY_PRACTICE_REVIEW_DAYS)
    waiting = PracticeRecord.objects.filter(
        status=PracticeRecord.Status.SUBMITTED,
        submitted_at__lte=now - datetime.timedelta(days=days),
    )
    oldest = waiting.order_by("submitted_at").values_list("submitted_at", flat=True).first()
    if oldest is None:
        return 0
    today = _today(now)
    context = {"count": waiting.count(), "days": days,
               "oldest": f"{timezone.localdate(oldest):%Y-%m-%d}"}
    return notices_deliver(now=now, notices=(
        Notice(recipient_id=admin_id, kind=PRACTICE_WAITING.code,
               window=f"waiting-{today:%Y-%m-%d}", context=context,
               url=url_or_home("people:practice_review_queue"))
        for admin_id in admin_ids()
    )).created


def _reviewed_notice(pk: int, broker_id: int, contract: str, number: str, status: str,
                     reviewed_at: datetime.datetime, comment: str, *, link=None) -> Notice:
    return Notice(
        recipient_id=broker_id, kind=PRACTICE_REVIEWED.code,
        subject_type="people.practicerecord", subject_id=pk,
        window=practice_review_window(reviewed_at),
        context=practice_review_context(contract=contract, number=number,
                                        approved=status == PracticeRecord.Status.APPROVED,
                                        comment=comment),
        url=(link or url_maker("people:practice_detail"))(pk),
    )


_REVIEWED_FIELDS = ("pk", "broker_id", "contract_name", "registration_number", "status",
                    "reviewed_at", "review_comment")


@register_sweep("people.practice_reviewed", kinds=(PRACTICE_REVIEWED.code,),
                schedule={"minute": "*/30"})
def practice_reviewed(*, now: datetime.datetime) -> int:
    """Safety net for the signal: records reviewed in the last days, each review once."""
    since = now - datetime.timedelta(days=app_settings.NOTIFY_LOOKBACK_DAYS)
    rows = (
        PracticeRecord.objects.filter(
            status__in=[PracticeRecord.Status.APPROVED, PracticeRecord.Status.REJECTED],
            reviewed_at__gte=since, reviewed_at__lte=now,
        ).values_list(*_REVIEWED_FIELDS).order_by()
    )
    link = url_maker("people:practice_detail")
    return notices_deliver(now=now, notices=(
        _reviewed_notice(*row, link=link) for row in rows.iterator(
            chunk_size=app_settings.NOTIFY_BATCH_SIZE)
    )).created


def _on_practice_reviewed(sender, record: PracticeRecord, approved: bool, **kwargs) -> None:
    if record.reviewed_at is None:
        return
    notices_deliver(notices=[_reviewed_notice(*(getattr(record, f) for f in (
        "pk", "broker_id", "contract_name", "registration_number", "status", "reviewed_at",
        "review_comment")))])


practice_record_reviewed.connect(_on_practice_reviewed, dispatch_uid="notifications-practice")
