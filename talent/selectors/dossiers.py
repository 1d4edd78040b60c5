"""A broker's dossier: their whole record on one page, and their levels over time."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.notifications.models import Reminder
from academy.people.models import BrokerProfile, Level, PracticeRecord
from certificates.models import Certificate
from certificates.selectors import broker_readiness
from courses.models import Enrolment
from courses.selectors import transcript_for
from exams.models import Attempt

from .promotions import LEVEL_CHANGED


def dossier(profile: BrokerProfile) -> dict[str, Any]:
    """Everything on one broker's dossier but the profile itself: level history, transcript,
    enrolments, exams, certificates and readiness, practice records, the latest reminders
    received and the broker's audit trail (the latest 200 events). A fixed number of queries
    whatever the broker's record."""
    subject = profile.user
    return {
        "level_history": level_history(profile),
        "transcript": transcript_for(user=subject),
        "enrolments": list(Enrolment.objects.filter(user=subject).select_related("cohort")
                           .order_by("-cohort__starts_on", "cohort__code")),
        "attempts": list(Attempt.objects.filter(user=subject)
                         .select_related("sitting", "sitting__paper")
                         .order_by("-started_at", "-pk")),
        "readiness": broker_readiness(subject),
        "certificates": list(Certificate.objects.filter(broker=subject).select_related("level")
                             .order_by("-issued_at", "-pk")),
        "practice": list(PracticeRecord.objects.filter(broker=subject)
                         .order_by("-contract_date", "-pk")),
        "reminders": list(Reminder.objects.filter(recipient=subject)
                          .order_by("-created_at", "-pk")[:100]),
        "trail": list(AuditEvent.objects.filter(person_id=subject.pk).order_by("-seq")[:200]),
    }



@dataclass
class LevelStep:
    date: datetime.date | None
    from_label: str
    to_label: str
    certificate: str
    actor: str
    source: str  # "event" (recorded by the system) or "profile" (entered or imported)
    seq: int | None = None


def level_history(profile: BrokerProfile) -> list[LevelStep]:
    """A broker's levels over time, newest first: each recorded level change, and the level
    they were entered at (roster import or the admin) when no change event reached it.
    Two queries."""
    levels = {lv.code: lv.display_name for lv in Level.objects.all()}
    events = list(AuditEvent.objects.filter(person_id=profile.user_id, action=LEVEL_CHANGED)
                  .order_by("seq"))
    steps: list[LevelStep] = []
    reached = set()
    for e in events:
        before: dict[str, Any] = e.before or {}
        after: dict[str, Any] = e.after or {}
        to_code = after.get("level", "")
        reached.add(to_code)
        try:
            date = datetime.date.fromisoformat(after["level_since"])
        except (KeyError, TypeError, ValueError):
            date = timezone.localtime(e.occurred_at).date()
        steps.append(LevelStep(
            date=date, from_label=levels.get(before.get("level", ""), before.get("level", "")),
            to_label=levels.get(to_code, to_code), certificate=after.get("certificate", ""),
            actor=e.actor_label, source="event", seq=e.seq,
        ))
    if profile.level.code not in reached:
        steps.append(LevelStep(date=profile.level_since, from_label="",
                               to_label=profile.level.display_name, certificate="", actor="",
                               source="profile"))
    steps.sort(key=lambda s: (s.date or datetime.date.min, s.seq or 0), reverse=True)
    return steps
