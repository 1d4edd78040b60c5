"""Bulk runs: the list (with the forms that start them, administrators only), one run's page
with its progress bar and report, and the JSON its progress bar polls. Auditors read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError
from academy.people.selectors import Role, role_required, user_has_role

from ..forms import CohortIssueForm, RerenderForm
from ..models.bulk import BulkRun, BulkRunItem
from ..models.designs import design_active
from ..services import (
    bulk_cohort_issue_start,
    bulk_rerender_start,
    bulk_run_progress,
    bulk_run_resume,
)


def _list(request, *, rerender_form=None, cohort_form=None, status=200):
    page = Paginator(BulkRun.objects.select_related("started_by"), 25) \
        .get_page(request.GET.get("page"))
    return render(request, "certificates/bulk/list.html", {
        "page": page,
        "can_start": user_has_role(request.user, Role.ADMIN),
        "rerender_form": rerender_form or RerenderForm(),
        "cohort_form": cohort_form or CohortIssueForm(),
        "design": design_active(),
    }, status=status)


@role_required(Role.ADMIN, Role.AUDITOR)
def bulk_list(request):
    """Every bulk run, newest first; administrators start new ones here."""
    return _list(request)


@require_POST
@role_required(Role.ADMIN)
def bulk_rerender(request):
    form = RerenderForm(request.POST)
    if form.is_valid():
        try:
            run = bulk_rerender_start(actor=request.user,
                                      include_inactive=form.cleaned_data["include_inactive"])
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("certificates:bulk_detail", pk=run.pk)
    return _list(request, rerender_form=form, status=400)


@require_POST
@role_required(Role.ADMIN)
def bulk_issue_cohort(request):
    form = CohortIssueForm(request.POST)
    if form.is_valid():
        try:
            run = bulk_cohort_issue_start(actor=request.user,
                                          cohort_id=form.cleaned_data["cohort"].pk)
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("certificates:bulk_detail", pk=run.pk)
    return _list(request, cohort_form=form, status=400)


@role_required(Role.ADMIN, Role.AUDITOR)
def bulk_detail(request, pk: int):
    """One run: its progress bar (polling while unfinished) and what it did, filterable by
    outcome (the brokers not ready, with the reason; failures)."""
    run = get_object_or_404(BulkRun.objects.select_related("started_by"), pk=pk)
    outcome = request.GET.get("outcome", "")
    items = run.items.select_related("certificate")
    if outcome in BulkRunItem.Outcome.values:
        items = items.filter(outcome=outcome)
    page = Paginator(items.order_by("outcome", "label", "subject_id"), 100) \
        .get_page(request.GET.get("page"))
    if run.kind == BulkRun.Kind.ISSUE_COHORT:
        # For the "issue by hand" links of brokers left out (the manual issue page takes the
        # broker's e-mail address): one query for the page.
        from academy.people.models import User

        emails = dict(User.objects.filter(pk__in=[i.subject_id for i in page.object_list])
                      .values_list("pk", "email"))
        for item in page.object_list:
            item.email = emails.get(item.subject_id, "")
    return render(request, "certificates/bulk/detail.html", {
        "run": run, "progress": bulk_run_progress(run), "page": page,
        "outcomes": BulkRunItem.Outcome.choices, "outcome": outcome,
        "can_manage": user_has_role(request.user, Role.ADMIN),
    })


@never_cache
@role_required(Role.ADMIN, Role.AUDITOR)
def bulk_progress(request, pk: int):
    """JSON for the progress bar: ``{percent, done, label}`` and the counts."""
    run = get_object_or_404(BulkRun, pk=pk)
    return JsonResponse(bulk_run_progress(run))


@require_POST
@role_required(Role.ADMIN)
def bulk_resume(request, pk: int):
    get_object_or_404(BulkRun, pk=pk)
    try:
        bulk_run_resume(actor=request.user, run_id=pk)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The run is queued again; it continues where it stopped."))
    return redirect("certificates:bulk_detail", pk=pk)
