"""The broker's path page: "My path to 中级技术经纪人", and the same page for those who may see
the broker (trainers of their cohorts, auditors, admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from academy.errors import ApplicationError
from academy.people.models import User
from academy.people.selectors import Role, practice_records_of, role_required, user_has_role
from academy.people.services import PracticeRecordForm

from ..forms import AssignRequirementSetForm
from ..selectors import (
    SOURCE_ASSIGNED,
    SOURCE_CURRENT,
    SOURCE_ENROLMENT,
    broker_readiness,
    can_view_broker_path,
    level_issued_automatically,
    readiness_state,
)
from ..services import broker_requirement_set_assign

SOURCE_LABELS = {
    SOURCE_ASSIGNED: gettext_lazy("assigned by the administrator"),
    SOURCE_ENROLMENT: gettext_lazy("in force at enrolment"),
    SOURCE_CURRENT: gettext_lazy("the current version"),
}


def _subject(request, user_id: int) -> User:
    subject = get_object_or_404(
        User.objects.select_related("broker_profile"), pk=user_id, broker_profile__isnull=False
    )
    if not can_view_broker_path(request.user, subject):
        raise PermissionDenied
    return subject


@role_required(Role.BROKER)
def my_path(request):
    """The broker's own path to the next level, with the form to add a practice record."""
    if not hasattr(request.user, "broker_profile"):
        raise PermissionDenied
    return _page(request, request.user)


@login_required
def broker_path(request, user_id: int):
    subject = _subject(request, user_id)
    if subject.pk == request.user.pk:
        return redirect("certificates:my_path")
    return _page(request, subject)


def _page(request, subject: User):
    own = subject.pk == request.user.pk
    readiness = broker_readiness(subject)
    here = request.get_full_path()
    assign_form = None
    if (not own and readiness.level is not None
            and user_has_role(request.user, Role.ADMIN)):
        assign_form = AssignRequirementSetForm(
            level_id=readiness.level.pk,
            initial={"requirement_set": readiness.requirement_set},
        )
    source_label = SOURCE_LABELS.get(readiness.set_source, "")
    return render(request, "certificates/path.html", {
        "subject": subject,
        "own": own,
        "readiness": readiness,
        "state": readiness_state(readiness),
        "records": practice_records_of(subject),
        "practice_form": PracticeRecordForm() if own else None,
        "here": here,
        "assign_form": assign_form,
        "source_label": source_label,
        "issued_automatically": readiness.level is None
        or level_issued_automatically(readiness.level.pk),
    })


@require_POST
@role_required(Role.ADMIN)
def broker_assign_set(request, user_id: int):
    """Move a broker to another version of the requirements (audited)."""
    subject = _subject(request, user_id)
    readiness = broker_readiness(subject)
    back = reverse("certificates:broker_path", args=[subject.pk])
    if readiness.level is None:
        messages.error(request, _("This broker holds the highest level."))
        return redirect(back)
    form = AssignRequirementSetForm(request.POST, level_id=readiness.level.pk)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        broker_requirement_set_assign(
            broker=subject, requirement_set=form.cleaned_data["requirement_set"],
            actor=request.user, reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The broker is now judged by %(set)s.")
                         % {"set": form.cleaned_data["requirement_set"]})
    return redirect(back)


@role_required(Role.ADMIN, Role.AUDITOR)
@require_http_methods(["GET", "POST"])
def ready_list(request):
    """Brokers the readiness engine finds ready for the next level who hold no certificate
    of it, each with the evidence (every requirement's figure); an administrator issues one
    (now) or all (queued in batches)."""
    from django.core.paginator import Paginator

    from ..selectors import promotion_candidates, ready_for_promotion
    from ..services import (
        certificates_issue_for_promotion,
        certificates_issue_for_promotion_schedule,
    )

    pairs = ready_for_promotion()
    if request.method == "POST":
        if not user_has_role(request.user, Role.ADMIN):
            raise PermissionDenied
        ready_ids = {user_id for user_id, _level in pairs}
        if "all" in request.POST:
            count = certificates_issue_for_promotion_schedule(broker_ids=sorted(ready_ids),
                                                              actor=request.user)
            messages.success(request, _("Issuing the certificates of %(count)s brokers: they "
                                        "appear in the list of certificates as they are "
                                        "issued.") % {"count": count})
            return redirect("certificates:ready_list")
        try:
            broker_id = int(request.POST.get("broker", ""))
        except ValueError:
            broker_id = 0
        if broker_id not in ready_ids:
            messages.error(request, _("This broker is not on the list of brokers ready for "
                                      "promotion."))
            return redirect("certificates:ready_list")
        issued = certificates_issue_for_promotion(broker_ids=[broker_id], actor=request.user)
        certificate = issued.get(broker_id)
        if certificate is None:
            messages.error(request, _("No certificate was issued: the broker is not ready any "
                                      "more, or their certificate of this level was revoked."))
        else:
            messages.success(request, _("Certificate %(serial)s issued.") % {
                "serial": certificate.serial})
        return redirect("certificates:ready_list")
    page = Paginator(pairs, 50).get_page(request.GET.get("page"))
    return render(request, "certificates/ready_list.html", {
        "page": page, "rows": promotion_candidates(list(page.object_list)),
        "total": len(pairs), "can_issue": user_has_role(request.user, Role.ADMIN),
    })
