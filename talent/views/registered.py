"""The city's registered totals: the list (auditors and admins) and their entry (admins)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from academy.errors import ApplicationError
from academy.people.selectors import Role, role_required, user_has_role

from .. import selectors, services
from ..forms import RegisteredTotalForm, TalentFilterForm
from ..models import RegisteredTotal
from .common import BUREAU, PAGE_SIZE
from .exports import list_export, wants_export


@require_safe
@role_required(*BUREAU)
def registered_list(request: HttpRequest) -> HttpResponse:
    if wants_export(request):
        return list_export(request, "registered")
    form = TalentFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.TalentFilters()
    query = {k: v for k, v in filters.as_query().items()
             if k in ("region", "date_from", "date_to")}
    page = Paginator(selectors.registered_totals(filters).select_related("updated_by")
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

