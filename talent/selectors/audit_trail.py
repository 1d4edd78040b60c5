"""The audit trail viewer's selection: events by actor, action, subject, person and date.

Actor and person are found the way people are found everywhere (``people.search``): by
name, pinyin initials, e-mail or the tail of a phone or ID number, not by a user id.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.people.models import User
from academy.people.selectors import person_q

if TYPE_CHECKING:  # the form is given by the views; it imports selectors itself
    from ..forms import AuditFilterForm


def audit_events(form: AuditFilterForm) -> QuerySet[AuditEvent]:
    """The events the (bound) filter form selects, newest first; all of them if it is
    invalid (its errors show inline)."""
    qs = AuditEvent.objects.order_by("-seq")
    if not form.is_valid():
        return qs
    data = form.cleaned_data
    if data.get("actor"):
        term = data["actor"]
        actors = person_q(term)
        qs = qs.filter(Q(actor_label__icontains=term)
                       | Q(actor_id__in=User.objects.filter(actors).values("pk")))
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("subject"):
        term = data["subject"]
        qs = qs.filter(Q(subject_label__icontains=term) | Q(subject_type__icontains=term)
                       | Q(subject_id=term))
    if data.get("person"):
        term = data["person"].strip()
        people = person_q(term)
        if people is not None and term.isdigit():
            people |= Q(pk=int(term))
        qs = qs.filter(person_id__in=User.objects.filter(people).values("pk"))
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(occurred_at__gte=datetime.datetime.combine(
            data["date_from"], datetime.time.min, tzinfo=tz))
    if data.get("date_to"):
        qs = qs.filter(occurred_at__lt=datetime.datetime.combine(
            data["date_to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))
    return qs
