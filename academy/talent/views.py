"""The bureau's pages: dashboard, drill-down broker list, dossier, audit trail viewer, exports,
the training archive of a cohort, and the city's registered totals.

Auditors and admins only. Every page an auditor can open answers GET (and HEAD) alone,
except asking for a background export (a POST that records the auditor's own request, a
``TalentExport``, and nothing else): no auditor request changes a row of the talent pool.
Registered totals are entered by administrators.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from academy.db import reads_from_replica
from academy.errors import ApplicationError
from academy.people.models import BrokerProfile
from academy.people.selectors import (
    Role,
    can_see_personal_data,
    person_search,
    role_required,
    user_has_role,
)

from . import background, exports, selectors, services
from .audit_trail import audit_events
from .event_text import describe_events
from .export_kinds import ExportKind, Spec, export_kind
from .forms import AuditFilterForm, ExportRequestForm, RegisteredTotalForm, TalentFilterForm
from .models import RegisteredTotal, TalentExport

BUREAU = (Role.AUDITOR, Role.ADMIN)
PAGE_SIZE = 50
VERIFY_CACHE_KEY = "talent:audit-chain-verify"
VERIFY_CACHE_SECONDS = 300


def _filters(request: HttpRequest) -> tuple[TalentFilterForm, selectors.TalentFilters]:
    form = TalentFilterForm(request.GET or None)
    return form, form.filters() if request.GET else selectors.TalentFilters()


def _drill(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET[k] for k in selectors.DRILL_KEYS if request.GET.get(k)}


def _wants_export(request: HttpRequest) -> bool:
    return request.GET.get("format") in ("csv", "xlsx")


def _export(request: HttpRequest, kind_key: str) -> HttpResponse:
    """A list's ``?format=xlsx|csv``: the file at once when small, else the page that starts
    a background export (a GET never starts one)."""
    kind = export_kind(kind_key)
    file_format = request.GET.get("format", "xlsx")
    if file_format not in kind.formats:
        file_format = kind.formats[0]
    try:
        spec = kind.parse(request.GET)
    except ApplicationError as exc:
        return render(request, "talent/export_invalid.html", {"message": exc.message},
                      status=400)
    rows = kind.count(spec, request.user)
    if background.export_goes_to_background(kind=kind, rows=rows):
        return render(request, "talent/export_confirm.html", {
            "kind": kind, "file_format": file_format, "rows": rows,
            "query": urlencode(spec), "description": kind.describe(spec),
            "back": request.path + ("?" + urlencode(spec) if spec else ""),
        })
    return _download(request, kind=kind, spec=spec, file_format=file_format)


def _download(request: HttpRequest, *, kind: ExportKind, spec: Spec,
              file_format: str) -> HttpResponse:
    import io

    buffer = io.BytesIO()
    rows = exports.write(kind.tables(spec, request.user), file_format, buffer)
    services.export_record(actor=request.user, kind=kind.key, file_format=file_format,
                           filters=spec, rows=rows, personal=kind.personal)
    response = HttpResponse(buffer.getvalue(), content_type=exports.content_type(file_format))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="{kind.file_name}-{stamp}.{file_format}"')
    return response


def _large(kind_key: str, rows: int) -> bool:
    return background.export_goes_to_background(kind=export_kind(kind_key), rows=rows)


@require_safe
@role_required(*BUREAU)
def dashboard(request: HttpRequest) -> HttpResponse:
    if _wants_export(request):
        return _export(request, "dashboard")
    form, filters = _filters(request)
    # None while a worker computes a filter set's first figures: the page says so and polls.
    figures = selectors.dashboard_if_ready(filters)
    query = filters.as_query()
    period_free = {k: v for k, v in query.items() if k not in ("date_from", "date_to")}
    return render(request, "talent/dashboard.html", {
        "form": form, "filters": filters, "f": figures, "query": urlencode(query),
        "query_dict": query, "period_free_query": urlencode(period_free),
    })


@never_cache
@require_safe
@role_required(*BUREAU)
def figures_progress(request: HttpRequest) -> JsonResponse:
    """``{percent, done, label}`` for the dashboard waiting for its figures."""
    _form, filters = _filters(request)
    done = selectors.figures_poll(filters)
    return JsonResponse({
        "percent": 100, "done": done,
        "label": _("Ready.") if done else _("Computing the figures for these filters…"),
    })


@require_safe
@role_required(*BUREAU)
@reads_from_replica()
def organisation_options(request: HttpRequest) -> JsonResponse:
    """The organisation filter's suggestions: ``{"results": [{"id", "name"}]}``, at most 20
    organisations whose name contains ``q``, in region ``region`` (a code) when given."""
    return JsonResponse({"results": selectors.organisation_options(
        text=request.GET.get("q", ""), region_code=request.GET.get("region", ""))})


@require_safe
@role_required(*BUREAU)
@reads_from_replica()
def cohort_options(request: HttpRequest) -> JsonResponse:
    """The cohort filter's suggestions: ``{"results": [{"value", "name"}]}``, at most 20
    cohorts whose code or name contains ``q``."""
    return JsonResponse({"results": selectors.cohort_options(text=request.GET.get("q", ""))})


@require_safe
@role_required(*BUREAU)
@reads_from_replica()
@selectors.without_jit()  # a funnel step's drill-down is one large aggregate
def broker_list(request: HttpRequest) -> HttpResponse:
    if _wants_export(request):
        return _export(request, "brokers")
    form, filters = _filters(request)
    drill = _drill(request)
    qs = selectors.brokers_for(filters, drill)
    search = request.GET.get("q", "").strip()[:100]
    if search:
        qs = qs.filter(user_id__in=person_search(search).values("pk"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {**filters.as_query(), **drill, **({"q": search} if search else {})}
    return render(request, "talent/broker_list.html", {
        "form": form, "page": page, "query": urlencode(query), "drill": drill, "search": search,
        "drill_label": _drill_label(drill), "cohort": filters.cohort,
        "export_kind": "brokers", "export_large": _large("brokers", page.paginator.count),
    })


def _drill_label(drill: dict[str, str]) -> str:
    if not drill:
        return ""
    parts = []
    if drill.get("step"):
        parts.append(_("Funnel step: %(step)s") % {
            "step": dict(selectors.FUNNEL_STEPS).get(drill["step"], drill["step"])})
    if drill.get("promoted"):
        if drill.get("promoted_level"):
            parts.append(_("Promoted to %(level)s in %(month)s") % {
                "level": drill["promoted_level"], "month": drill["promoted"]})
        else:
            parts.append(_("Promoted in %(month)s") % {"month": drill["promoted"]})
    if drill.get("sitting"):
        parts.append(_("Passed sitting #%(id)s") % {"id": drill["sitting"]}
                     if drill.get("passed") == "1"
                     else _("Took sitting #%(id)s") % {"id": drill["sitting"]})
    if drill.get("practice_month"):
        parts.append(_("Approved practice records in %(month)s") % {
            "month": drill["practice_month"]})
    return " · ".join(str(p) for p in parts)


@require_safe
@role_required(*BUREAU)
@reads_from_replica()
def broker_dossier(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = get_object_or_404(
        BrokerProfile.objects.select_related("user", "level", "region", "organisation"),
        user_id=user_id,
    )
    record = selectors.dossier(profile)
    record["trail"] = describe_events(record["trail"])
    return render(request, "talent/dossier.html", {
        **record, "profile": profile, "subject": profile.user,
        "unmasked": can_see_personal_data(request.user, profile.user),
    })


@require_safe
@role_required(*BUREAU)
@reads_from_replica()
def audit_trail(request: HttpRequest) -> HttpResponse:
    if _wants_export(request):
        return _export(request, "audit")
    form = AuditFilterForm(request.GET or None)
    qs = audit_events(form)
    params = {k: v for k, v in request.GET.items() if k in form.fields and v}
    verification = cache.get(VERIFY_CACHE_KEY)
    if request.GET.get("verify") == "1":
        from academy.audit.services import audit_chain_verify

        report = audit_chain_verify()
        verification = {"ok": report.ok, "checked": report.checked,
                        "first_broken_seq": report.first_broken_seq, "reason": report.reason,
                        "at": timezone.now()}
        cache.set(VERIFY_CACHE_KEY, verification, VERIFY_CACHE_SECONDS)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "talent/audit.html", {
        "form": form, "page": page, "events": describe_events(page.object_list), "query": urlencode(params), "verification": verification,
        "export_kind": "audit", "export_large": _large("audit", page.paginator.count),
    })


# --- The training archive of a cohort -------------------------------------------------------


@require_safe
@role_required(*BUREAU)
@reads_from_replica()
def cohort_archive(request: HttpRequest, code: str) -> HttpResponse:
    """What the archive of a cohort holds, and the button that prepares it."""
    from courses.models import Cohort

    from .archive import cohort_archive as archive_for

    cohort = get_object_or_404(Cohort.objects.select_related("programme",
                                                             "programme__to_level"), code=code)
    return render(request, "talent/cohort_archive.html", {
        "cohort": cohort, "rows": archive_for(cohort, unmasked=False).row_count(),
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
        kind = export_kind(form.cleaned_data["kind"])
        spec = kind.parse(QueryDict(form.cleaned_data["query"]))
        export = background.export_request(
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
        "export": export, "state": background.export_progress(export),
    })


@never_cache
@require_safe
@role_required(*BUREAU)
def export_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """``{percent, done, label}`` for the page's poller."""
    return JsonResponse(background.export_progress(_own_export(request, pk)))


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
    kind = export_kind(export.kind)
    background.export_downloaded(export=export, user=request.user)
    stamp = timezone.localtime(export.finished_at).strftime("%Y%m%d-%H%M")
    return FileResponse(export.file.open("rb"), as_attachment=True,
                        filename=f"{kind.file_name}-{stamp}.{export.file_format}",
                        content_type=exports.content_type(export.file_format))


# --- The city's registered totals ---------------------------------------------------------------


@require_safe
@role_required(*BUREAU)
def registered_list(request: HttpRequest) -> HttpResponse:
    if _wants_export(request):
        return _export(request, "registered")
    from .registered import registered_totals

    form = TalentFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.TalentFilters()
    query = {k: v for k, v in filters.as_query().items()
             if k in ("region", "date_from", "date_to")}
    page = Paginator(registered_totals(filters).select_related("updated_by")
                     .order_by("-month", "region__sort_order", "region__code"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "talent/registered_list.html", {
        "form": form, "page": page, "query": urlencode(query),
        "can_edit": user_has_role(request.user, Role.ADMIN),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.ADMIN)
def registered_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Enter (or correct) a region's registered totals for a month."""
    total = get_object_or_404(RegisteredTotal.objects.select_related("region"), pk=pk) \
        if pk is not None else None
    initial: dict[str, Any] = {}
    if total is not None:
        initial = {"region": total.region, "month": total.month,
                   "deal_count": total.deal_count, "contract_amount": total.contract_amount,
                   "technical_income": total.technical_income, "note": total.note}
    form = RegisteredTotalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.registered_total_save(actor=request.user, total_id=pk,
                                           **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error("month", exc.message)
        else:
            messages.success(request, _("The registered totals are saved."))
            return redirect("talent:registered_list")
    return render(request, "talent/registered_form.html", {"form": form, "total": total},
                  status=400 if request.method == "POST" else 200)


@require_POST
@role_required(Role.ADMIN)
def registered_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(RegisteredTotal, pk=pk)
    services.registered_total_delete(actor=request.user, total_id=pk)
    messages.success(request, _("The registered totals are deleted."))
    return redirect("talent:registered_list")
