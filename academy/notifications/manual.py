"""Manual reminders: a trainer or an administrator reminds the people of a subject now.

The registered ``ManualReminder`` (e.g. ``courses.cohort_nudge``) says whom; this module
previews that list (marking who got the reminder today already) and sends it through the
same delivery service as the sweeps, so a double click, or two trainers of one cohort,
still remind each person at most once a day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from academy.audit.services import audit_record

from .models import Reminder
from .services import DeliveryResult, Notice, notices_deliver
from .sweeps import ManualReminder, all_manual, get_manual


@dataclass
class ManualAction:
    reminder: ManualReminder
    subjects: list[tuple[int, str]]


def actions_for(user: Any) -> list[ManualAction]:
    """The manual reminders ``user`` may send, with their subjects (empty ones left out)."""
    actions = []
    for reminder in all_manual():
        subjects = reminder.subjects_for(user)
        if subjects:
            actions.append(ManualAction(reminder=reminder, subjects=subjects))
    return actions


@dataclass
class PreviewRow:
    user_id: int
    name: str
    email: str
    description: str
    reminded_today: bool


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)

    @property
    def to_send(self) -> int:
        return sum(1 for row in self.rows if not row.reminded_today)


def manual_preview(*, action: str, subject_id: int) -> Preview:
    """Who the reminder ``action`` about ``subject_id`` would reach now. Three queries."""
    reminder = get_manual(action)
    notices: list[Notice] = reminder.notices(subject_id, now=timezone.now())
    ids = [n.recipient_id for n in notices]
    users = {pk: (name, email) for pk, name, email in get_user_model().objects
             .filter(pk__in=ids).values_list("pk", "full_name", "email")}
    done = set()
    if notices:
        sample = notices[0]
        done = set(Reminder.objects.filter(
            kind=sample.kind, subject_type=sample.subject_type, subject_id=sample.subject_id,
            window=sample.window, recipient_id__in=ids,
        ).values_list("recipient_id", flat=True))
    return Preview(rows=[
        PreviewRow(user_id=n.recipient_id, name=users.get(n.recipient_id, ("", ""))[0]
                   or users.get(n.recipient_id, ("", ""))[1],
                   email=users.get(n.recipient_id, ("", ""))[1],
                   description=reminder.describe(n), reminded_today=n.recipient_id in done)
        for n in notices
    ])


@dataclass
class ManualResult:
    delivery: DeliveryResult
    created_people: int


def manual_send(*, action: str, subject_id: int, actor: Any, message: str = "") -> ManualResult:
    """Send the reminder ``action`` about ``subject_id`` on behalf of ``actor`` (whose right
    to do so the caller checked with ``may_send``). Audited with how many were reminded."""
    reminder = get_manual(action)
    now = timezone.now()
    sender = actor.get_full_name() if hasattr(actor, "get_full_name") else str(actor)
    notices = reminder.notices(subject_id, now=now, message=(message or "").strip(),
                               sender=sender)
    with transaction.atomic():
        result = notices_deliver(notices=notices, now=now)
        people = result.people
        audit_record(
            action="notifications.manual_reminder_sent", actor=actor,
            after={"reminder": action, "subject_id": subject_id, "people": people,
                   "candidates": len(notices), "message": (message or "")[:500]},
        )
    return ManualResult(delivery=result, created_people=people)
