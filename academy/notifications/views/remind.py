"""Manual reminders: trainers and administrators remind the people of a subject now, after
a preview of whom it reaches."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from academy.people.selectors import Role, role_required

from .. import manual
from ..forms import ManualReminderForm
from ..sweeps import get_manual


@role_required(Role.TRAINER, Role.ADMIN)
def remind(request):
    """What the person may remind by hand: per manual reminder, their subjects (cohorts)."""
    return render(request, "notifications/remind.html", {
        "actions": manual.actions_for(request.user),
    })


@role_required(Role.TRAINER, Role.ADMIN)
def remind_preview(request, action: str, subject_id: int):
    """Whom the reminder would reach (and who got it today already); POST sends it."""
    try:
        reminder = get_manual(action)
    except KeyError:
        raise Http404 from None
    if not reminder.may_send(request.user, subject_id):
        raise PermissionDenied
    form = ManualReminderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = manual.manual_send(action=action, subject_id=subject_id, actor=request.user,
                                    message=form.cleaned_data["message"])
        if result.created_people:
            messages.success(request, _("Reminder sent to %(n)s people.")
                             % {"n": result.created_people})
        else:
            messages.info(request, _("Nobody new to remind: everyone concerned got this "
                                     "reminder today already."))
        return redirect("notifications:remind_preview", action=action, subject_id=subject_id)
    return render(request, "notifications/remind_preview.html", {
        "reminder": reminder,
        "subject_id": subject_id,
        "subject_label": reminder.label_of(subject_id),
        "preview": manual.manual_preview(action=action, subject_id=subject_id),
        "form": form,
    })
