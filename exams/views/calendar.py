"""The .ics download of a sitting's window (the broker's sitting page, the staff dashboard)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_safe

from academy.notifications.selectors import calendar_response
from academy.people.selectors import Role, user_has_role

from ..selectors import sitting_event, sitting_for_broker
from .staff_common import get_sitting


@login_required
@require_safe
def sitting_ics(request, sitting_id: int):
    """Brokers: a sitting they may take; staff: a sitting they may see."""
    sitting = sitting_for_broker(request.user, sitting_id)
    if sitting is None:
        if not user_has_role(request.user, Role.TRAINER, Role.ADMIN, Role.AUDITOR):
            raise Http404
        sitting = get_sitting(request, sitting_id)
    return calendar_response([sitting_event(sitting)], name=sitting.title,
                             filename=f"exam-{sitting.pk}.ics")
