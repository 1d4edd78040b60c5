"""The dashboard, the page's poll while a worker computes its figures, and the filter bar's
suggestions."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from academy.db import reads_from_replica
from academy.people.selectors import role_required

from .. import selectors
from .common import BUREAU, request_filters
from .exports import list_export, wants_export


@require_safe
@role_required(*BUREAU)
def dashboard(request: HttpRequest) -> HttpResponse:
    if wants_export(request):
        return list_export(request, "dashboard")
    form, filters = request_filters(request)
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
    _form, filters = request_filters(request)
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

