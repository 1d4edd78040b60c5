"""Pages of practice records: the broker's own list and form, the admin's review queue.

Thin: check access, validate with a form, call one service in ``services.py``, redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError

from ..models import PracticeEvidence, PracticeRecord
from ..roles import Role, role_required
from .forms import PracticeRecordForm, PracticeReviewForm
from .selectors import (
    can_review_practice,
    can_view_practice_record,
    practice_days_waiting,
    practice_records_of,
    practice_review_queue,
)
from .services import (
    practice_record_create,
    practice_record_delete,
    practice_record_review,
    practice_record_submit,
    practice_record_update,
)


def _next_url(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _own_record(request, pk: int) -> PracticeRecord:
    record = get_object_or_404(PracticeRecord, pk=pk)
    if record.broker_id != request.user.pk:
        raise PermissionDenied
    return record


@role_required(Role.BROKER)
def practice_list(request):
    """The broker's own practice records with their review status."""
    return render(request, "people/practice_list.html", {
        "records": practice_records_of(request.user),
        "form": PracticeRecordForm(),
    })


@role_required(Role.BROKER)
def practice_create(request):
    """A new record: saved as a draft, or submitted for review at once."""
    if request.method == "POST":
        form = PracticeRecordForm(request.POST, request.FILES)
        if form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                record = practice_record_create(
                    broker=request.user, fields=form.record_fields(),
                    evidence=form.cleaned_data["evidence"], submit=submit,
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Practice record submitted for review.") if submit
                                 else _("Practice record saved as a draft."))
                return redirect(_next_url(request, record_url(record)))
    else:
        form = PracticeRecordForm()
    return render(request, "people/practice_form.html", {
        "form": form, "record": None, "next": _next_url(request, ""),
    })


def record_url(record: PracticeRecord) -> str:
    from django.urls import reverse

    return reverse("people:practice_detail", args=[record.pk])


@role_required(Role.BROKER)
def practice_edit(request, pk: int):
    """Change a record before review (or correct a rejected one) and submit it again."""
    record = _own_record(request, pk)
    if not record.is_editable:
        messages.error(request, _("This record has been approved and can no longer change."))
        return redirect(record_url(record))
    if request.method == "POST":
        form = PracticeRecordForm(request.POST, request.FILES, instance=record)
        if form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                practice_record_update(
                    record_id=record.pk, actor=request.user, fields=form.record_fields(),
                    evidence_add=form.cleaned_data["evidence"],
                    evidence_remove=form.cleaned_data.get("remove_evidence") or (),
                    submit=submit,
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Practice record submitted for review.") if submit
                                 else _("Changes saved."))
                return redirect(_next_url(request, record_url(record)))
        # The ModelForm changed the instance while validating: show the stored one's status.
        record.refresh_from_db()
    else:
        form = PracticeRecordForm(instance=record)
    return render(request, "people/practice_form.html", {
        "form": form, "record": record, "next": _next_url(request, ""),
    })


@login_required
def practice_detail(request, pk: int):
    """One record: the owner, those who may see the broker, and the reviewing admin."""
    record = get_object_or_404(
        PracticeRecord.objects.select_related("broker", "reviewed_by")
        .prefetch_related("evidence"),
        pk=pk,
    )
    if not can_view_practice_record(request.user, record):
        raise PermissionDenied
    review_form = None
    if can_review_practice(request.user) and record.status == PracticeRecord.Status.SUBMITTED:
        review_form = PracticeReviewForm()
    return render(request, "people/practice_detail.html", {
        "record": record,
        "own": record.broker_id == request.user.pk,
        "review_form": review_form,
    })


@require_POST
@role_required(Role.BROKER)
def practice_submit(request, pk: int):
    record = _own_record(request, pk)
    try:
        practice_record_submit(record_id=record.pk, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Practice record submitted for review."))
    return redirect(_next_url(request, record_url(record)))


@require_POST
@role_required(Role.BROKER)
def practice_delete(request, pk: int):
    from django.urls import reverse

    record = _own_record(request, pk)
    try:
        practice_record_delete(record_id=record.pk, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect(record_url(record))
    messages.success(request, _("Practice record deleted."))
    return redirect(_next_url(request, reverse("people:practice_list")))


@login_required
def practice_evidence(request, pk: int):
    """An evidence file, to whoever may see its record (never a public media URL)."""
    evidence = get_object_or_404(PracticeEvidence.objects.select_related("record"), pk=pk)
    if not can_view_practice_record(request.user, evidence.record):
        raise PermissionDenied
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=evidence.content_type,
                            filename=evidence.original_name,
                            as_attachment=request.GET.get("download") == "1")
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.ADMIN)
def practice_review_queue_view(request):
    """Records awaiting review, oldest first, each with its files and a decision form."""
    page = Paginator(practice_review_queue(), 20).get_page(request.GET.get("page"))
    rows = [{"record": r, "days": practice_days_waiting(r)} for r in page]
    return render(request, "people/practice_review_queue.html", {
        "page": page, "rows": rows, "form": PracticeReviewForm(),
    })


@require_POST
@role_required(Role.ADMIN)
def practice_review(request, pk: int):
    from django.urls import reverse

    record = get_object_or_404(PracticeRecord, pk=pk)
    form = PracticeReviewForm(request.POST)
    back = _next_url(request, reverse("people:practice_review_queue"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(record_url(record))
    approve = form.cleaned_data["decision"] == "approve"
    try:
        practice_record_review(record_id=record.pk, reviewer=request.user, approve=approve,
                               comment=form.cleaned_data["comment"],
                               revision=form.cleaned_data["revision"])
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect(record_url(record))
    messages.success(request, (_("Approved: %(name)s.") if approve else _("Rejected: %(name)s."))
                     % {"name": record.contract_name})
    return redirect(back)
