"""The audit trail viewer: events filtered by actor, action, subject, person and date, and the
check of the hash chain."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from academy.audit.selectors import audit_chain_verify
from academy.db import reads_from_replica
from academy.people.selectors import role_required

from .. import selectors
from ..forms import AuditFilterForm
from .common import BUREAU, PAGE_SIZE
from .exports import export_too_large, list_export, wants_export

VERIFY_CACHE_KEY = "talent:audit-chain-verify"
VERIFY_CACHE_SECONDS = 300


@require_safe
@role_required(*BUREAU)
@reads_from_replica()
def audit_trail(request: HttpRequest) -> HttpResponse:
    if wants_export(request):
        return list_export(request, "audit")
    form = AuditFilterForm(request.GET or None)
    qs = selectors.audit_events(form)
    params = {k: v for k, v in request.GET.items() if k in form.fields and v}
    verification = cache.get(VERIFY_CACHE_KEY)
    if request.GET.get("verify") == "1":
        report = audit_chain_verify()
        verification = {"ok": report.ok, "checked": report.checked,
                        "first_broken_seq": report.first_broken_seq, "reason": report.reason,
                        "at": timezone.now()}
        cache.set(VERIFY_CACHE_KEY, verification, VERIFY_CACHE_SECONDS)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "talent/audit.html", {
        "form": form, "page": page, "events": selectors.describe_events(page.object_list),
        "query": urlencode(params), "verification": verification,
        "export_kind": "audit", "export_large": export_too_large("audit", page.paginator.count),
    })
