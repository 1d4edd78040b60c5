"""Roster import pages (administrators): upload, error report, template, import summary."""

import os
import secrets

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..forms import RosterUploadForm
from ..models import Level, Region, RosterImport
from ..roles import Role, role_required
from ..roster import (
    COLUMNS,
    roster_error_report_xlsx,
    roster_import,
    roster_max_bytes,
    roster_max_rows,
    roster_template_csv,
    roster_template_xlsx,
)
from ..spreadsheet_errors import spreadsheet_errors_shown

# --- Roster import (admins) --------------------------------------------------------------------

ROSTER_ERRORS_SHOWN = 500


@role_required(Role.ADMIN)
def roster_import_view(request):
    """Upload a roster; show every error by row and column, or go to the import's summary."""
    result = None
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = roster_import(uploaded_by=request.user, file=form.cleaned_data["file"])
            if result.ok and result.record is not None:
                for warning in result.warnings:
                    messages.warning(request, warning)
                messages.success(request, _(
                    "Roster imported: %(created)s accounts created, %(unchanged)s unchanged."
                ) % {"created": len(result.created), "unchanged": len(result.unchanged)})
                return redirect("people:roster_import_detail", pk=result.record.pk)
            for error in result.file_errors:
                form.add_error("file", error.message)
    else:
        form = RosterUploadForm()
    row_errors = result.row_errors if result else []
    report_token = ""
    if row_errors and result.rows:
        report_token = secrets.token_urlsafe(16)
        cache.set(_report_key(request, report_token),
                  {"file_name": result.file_name, "content": roster_error_report_xlsx(result)},
                  ROSTER_REPORT_SECONDS)
    return render(request, "people/roster_import.html", {
        "report_token": report_token,
        "levels": Level.objects.order_by("rank"),
        "regions": Region.objects.all(),
        "form": form,
        "result": result,
        **spreadsheet_errors_shown(row_errors, limit=ROSTER_ERRORS_SHOWN),
        "recent_imports": RosterImport.objects.select_related("uploaded_by")[:10],
        "columns": COLUMNS,
        "max_rows": roster_max_rows(),
        "max_megabytes": f"{roster_max_bytes() / 1048576:g}",
    })


# How long the error report of a failed upload can be downloaded.
ROSTER_REPORT_SECONDS = 3600


def _report_key(request, token: str) -> str:
    return f"people:roster-errors:{request.user.pk}:{token}"


@require_GET
@role_required(Role.ADMIN)
def roster_error_report(request, token: str):
    """The error report of the upload that showed this link (XLSX, rows and cells marked);
    only for the administrator who uploaded it, for an hour."""
    report = cache.get(_report_key(request, token))
    if report is None:
        raise Http404
    stem = os.path.splitext(report["file_name"])[0] or "roster"
    response = HttpResponse(
        report["content"],
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("%(file)s-errors.xlsx") % {"file": stem})
    return response


@role_required(Role.ADMIN)
def roster_import_detail(request, pk: int):
    """What one import did: counts and the people it invited, with their invitation status."""
    record = get_object_or_404(RosterImport.objects.select_related("uploaded_by"), pk=pk)
    invitations = record.invitations.select_related(
        "user__broker_profile__level", "user__broker_profile__region"
    ).order_by("pk")
    page = Paginator(invitations, 50).get_page(request.GET.get("page"))
    return render(request, "people/roster_import_detail.html", {"record": record, "page": page})


@require_GET
@role_required(Role.ADMIN)
def roster_template(request):
    """The roster template: ?format=xlsx (default, with an instructions sheet) or ?format=csv."""
    fmt = request.GET.get("format", "xlsx")
    base_name = _("broker-roster-template")
    if fmt == "csv":
        content, content_type, extension = roster_template_csv(), "text/csv; charset=utf-8", "csv"
    elif fmt == "xlsx":
        content = roster_template_xlsx()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        extension = "xlsx"
    else:
        return HttpResponseBadRequest(_("Unknown format; use xlsx or csv."))
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{base_name}.{extension}"
    )
    return response
