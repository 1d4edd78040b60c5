"""Exports: a list's ``?format=xlsx|csv`` (at once when small, else the page that asks for a
background export), the background exports' pages, and the training archive of a cohort."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from academy.db import reads_from_replica
from academy.errors import ApplicationError
from academy.people.selectors import role_required
from courses.models import Cohort

from .. import selectors, services, spreadsheets
from ..forms import ExportRequestForm
from ..models import TalentExport
from .common import BUREAU, PAGE_SIZE


def wants_export(request: HttpRequest) -> bool:
    """Whether the list's query asks for its file rather than its page."""
    return request.GET.get("format") in ("csv", "xlsx")


def list_export(request: HttpRequest, kind_key: str) -> HttpResponse:
    """A list's ``?format=xlsx|csv``: the file at once when small, else the page that starts
    a background export (a GET never starts one)."""
    kind = selectors.export_kind(kind_key)
    file_format = request.GET.get("format", "xlsx")
    if file_format not in kind.formats:
        file_format = kind.formats[0]
    try:
        spec = kind.parse(request.GET)
    except ApplicationError as exc:
        return render(request, "talent/export_invalid.html", {"message": exc.message},
                      status=400)
    rows = kind.count(spec, request.user)
    if services.export_goes_to_background(kind=kind, rows=rows):
        return render(request, "talent/export_confirm.html", {
            "kind": kind, "file_format": file_format, "rows": rows,
            "query": urlencode(spec), "description": kind.describe(spec),
            "back": request.path + ("?" + urlencode(spec) if spec else ""),
        })
    return _download(request, kind=kind, spec=spec, file_format=file_format)


def _download(request: HttpRequest, *, kind: selectors.ExportKind, spec: selectors.Spec,
              file_format: str) -> HttpResponse:
    buffer = io.BytesIO()
    rows = spreadsheets.write(kind.tables(spec, request.user), file_format, buffer)
    services.export_record(actor=request.user, kind=kind.key, file_format=file_format,
                           filters=spec, rows=rows, personal=kind.personal)
    response = HttpResponse(buffer.getvalue(),
                            content_type=spreadsheets.content_type(file_format))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="{kind.file_name}-{stamp}.{file_format}"')
    return response


def export_too_large(kind_key: str, rows: int) -> bool:
    """Whether a list of ``rows`` rows is exported in the background (its button says so)."""
    return services.export_goes_to_background(kind=selectors.export_kind(kind_key), rows=rows)


# --- The training archive of a cohort -------------------------------------------------------


@require_safe
@role_required(*BUREAU)
@reads_from_replica()
def cohort_archive(request: HttpRequest, code: str) -> HttpResponse:
    """What the archive of a cohort holds, and the button that prepares it."""
    cohort = get_object_or_404(Cohort.objects.select_related("programme",
                                                             "programme__to_level"), code=code)
    return render(request, "talent/cohort_archive.html", {
        "cohort": cohort, "rows": selectors.cohort_archive(cohort, unmasked=False).row_count(),
        "query": urlencode({"cohort": cohort.code}),
        "recent": TalentExport.objects.filter(requested_by=request.user, kind="archive",
                                              filters__cohort=cohort.code)[:5],
    })


# --- Background exports -----------------------------------------------------------------------


@require_POST
@role_required(*BUREAU)
def export_start(request: HttpRequest) -> HttpResponse:
    """Ask for a background export; the auditor's own request, recorded as a TalentExport."""
    form = ExportRequestForm(request.POST)
    if not form.is_valid():
        return render(request, "talent/export_invalid.html",
                      {"message": _("This export cannot be prepared: its request is "
                                    "incomplete.")}, status=400)
    try:
        kind = selectors.export_kind(form.cleaned_data["kind"])
        spec = kind.parse(QueryDict(form.cleaned_data["query"]))
        export = services.export_request(
            user=request.user, kind=kind, file_format=form.cleaned_data["file_format"],
            spec=spec, rows=kind.count(spec, request.user))
    except ApplicationError as exc:
        return render(request, "talent/export_invalid.html", {"message": exc.message},
                      status=400)
    return redirect("talent:export_detail", pk=export.pk)


def _own_export(request: HttpRequest, pk: int) -> TalentExport:
    """The export, if the requester asked for it (anyone else: 404, even an admin)."""
    export = TalentExport.objects.filter(pk=pk, requested_by=request.user).first()
    if export is None:
        raise Http404
    return export


@require_safe
@role_required(*BUREAU)
def export_list(request: HttpRequest) -> HttpResponse:
    """My exports: what I asked for, how far along, and the links still valid."""
    qs = TalentExport.objects.filter(requested_by=request.user).order_by("-created_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "talent/export_list.html", {"page": page})


@require_safe
@role_required(*BUREAU)
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export(request, pk)
    return render(request, "talent/export_detail.html", {
        "export": export, "state": services.export_progress(export),
    })


@never_cache
@require_safe
@role_required(*BUREAU)
def export_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """``{percent, done, label}`` for the page's poller."""
    return JsonResponse(services.export_progress(_own_export(request, pk)))


@never_cache
@require_safe
@role_required(*BUREAU)
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, to its requester only, until it expires (then 410 Gone)."""
    export = _own_export(request, pk)
    if export.is_expired:
        return render(request, "talent/export_gone.html", {"export": export}, status=410)
    if not export.is_downloadable:
        return redirect("talent:export_detail", pk=export.pk)
    kind = selectors.export_kind(export.kind)
    services.export_downloaded(export=export, user=request.user)
    stamp = timezone.localtime(export.finished_at).strftime("%Y%m%d-%H%M")
    return FileResponse(export.file.open("rb"), as_attachment=True,
                        filename=f"{kind.file_name}-{stamp}.{export.file_format}",
                        content_type=spreadsheets.content_type(export.file_format))
