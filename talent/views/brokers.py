"""The drill-down broker list (the brokers behind any number) and a broker's dossier."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from academy.db import reads_from_replica
from academy.people.models import BrokerProfile
from academy.people.selectors import can_see_personal_data, person_search, role_required

from .. import selectors
from ..sql import without_jit
from .common import BUREAU, PAGE_SIZE, request_filters
from .exports import export_too_large, list_export, wants_export


def _drill(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET[k] for k in selectors.DRILL_KEYS if request.GET.get(k)}



@require_safe
@role_required(*BUREAU)
@reads_from_replica()
@without_jit()  # a funnel step's drill-down is one large aggregate
def broker_list(request: HttpRequest) -> HttpResponse:
    if wants_export(request):
        return list_export(request, "brokers")
    form, filters = request_filters(request)
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
        "export_kind": "brokers", "export_large": export_too_large("brokers", page.paginator.count),
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
    record["trail"] = selectors.describe_events(record["trail"])
    return render(request, "talent/dossier.html", {
        **record, "profile": profile, "subject": profile.user,
        "unmasked": can_see_personal_data(request.user, profile.user),
    })
