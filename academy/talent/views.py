"""The bureau's pages: dashboard, drill-down broker list, dossier, audit trail viewer.

Auditors and admins only; every view answers GET (and HEAD) alone, so no auditor request can
change a row (exports write their audit event, nothing else).
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from academy.audit.models import AuditEvent
from academy.people.models import BrokerProfile, PracticeRecord, User
from academy.people.roles import Role, role_required, user_has_role
from academy.people.scoping import can_see_personal_data

from . import exports, selectors, services
from .forms import AuditFilterForm, TalentFilterForm

BUREAU = (Role.AUDITOR, Role.ADMIN)
PAGE_SIZE = 50
VERIFY_CACHE_KEY = "talent:audit-chain-verify"
VERIFY_CACHE_SECONDS = 300


def _filters(request: HttpRequest) -> tuple[TalentFilterForm, selectors.TalentFilters]:
    form = TalentFilterForm(request.GET or None)
    return form, form.filters() if request.GET else selectors.TalentFilters()


def _drill(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET[k] for k in selectors.DRILL_KEYS if request.GET.get(k)}


def _download(request: HttpRequest, *, tables: list[exports.Table], name: str, kind: str,
              filters: dict[str, Any], personal: bool) -> HttpResponse:
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    body, content_type = exports.render(tables, file_format)
    services.export_record(actor=request.user, kind=kind, file_format=file_format,
                           filters=filters, rows=sum(len(t.rows) for t in tables),
                           personal=personal)
    response = HttpResponse(body, content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{file_format}"'
    return response


@require_safe
@role_required(*BUREAU)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    figures = selectors.dashboard(filters)
    if request.GET.get("format") in ("csv", "xlsx"):
        return _download(request, tables=exports.dashboard_tables(figures), name="talent-pool",
                         kind="dashboard", filters=filters.as_json(), personal=False)
    query = filters.as_query()
    return render(request, "talent/dashboard.html", {
        "form": form, "filters": filters, "f": figures, "query": urlencode(query),
        "query_dict": query,
    })


@require_safe
@role_required(*BUREAU)
def broker_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    drill = _drill(request)
    qs = selectors.brokers_for(filters, drill)
    if request.GET.get("format") in ("csv", "xlsx"):
        unmasked = user_has_role(request.user, Role.ADMIN)
        return _download(request, tables=[exports.broker_table(qs.iterator(chunk_size=2000),
                                                               unmasked=unmasked)],
                         name="brokers", kind="brokers",
                         filters={**filters.as_json(), **drill}, personal=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {**filters.as_query(), **drill}
    return render(request, "talent/broker_list.html", {
        "form": form, "page": page, "query": urlencode(query), "drill": drill,
        "drill_label": _drill_label(drill),
    })


def _drill_label(drill: dict[str, str]) -> str:
    if not drill:
        return ""
    parts = []
    if drill.get("step"):
        parts.append(_("Funnel step: %(step)s") % {
            "step": dict(selectors.FUNNEL_STEPS).get(drill["step"], drill["step"])})
    if drill.get("promoted"):
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
def broker_dossier(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = get_object_or_404(
        BrokerProfile.objects.select_related("user", "level", "region", "organisation"),
        user_id=user_id,
    )
    subject: User = profile.user
    from courses.selectors import transcript_for
    from exams.models import Attempt

    readiness = None
    if apps.is_installed("certificates"):
        from certificates.readiness import broker_readiness

        readiness = broker_readiness(subject)
    reminders = None
    if apps.is_installed("academy.notifications"):
        from academy.notifications.models import Reminder

        reminders = list(Reminder.objects.filter(recipient=subject)
                         .order_by("-created_at", "-pk")[:100])
    trail = list(AuditEvent.objects.filter(person_id=subject.pk).order_by("-seq")[:200])
    level_history = [e for e in trail if "level" in e.action]
    return render(request, "talent/dossier.html", {
        "profile": profile, "subject": subject,
        "unmasked": can_see_personal_data(request.user, subject),
        "transcript": transcript_for(user=subject),
        "attempts": list(Attempt.objects.filter(user=subject)
                         .select_related("sitting", "sitting__paper")
                         .order_by("-started_at", "-pk")),
        "practice": list(PracticeRecord.objects.filter(broker=subject)
                         .order_by("-contract_date", "-pk")),
        "readiness": readiness, "reminders": reminders, "trail": trail,
        "level_history": level_history,
    })


def audit_events(form: AuditFilterForm):
    qs = AuditEvent.objects.order_by("-seq")
    if not form.is_valid():
        return qs
    data = form.cleaned_data
    if data.get("actor"):
        qs = qs.filter(actor_label__icontains=data["actor"])
    if data.get("action"):
        qs = qs.filter(action__icontains=data["action"])
    if data.get("subject"):
        term = data["subject"]
        qs = qs.filter(Q(subject_label__icontains=term) | Q(subject_type__icontains=term)
                       | Q(subject_id=term))
    if data.get("person"):
        qs = qs.filter(person_id=data["person"])
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(occurred_at__gte=datetime.datetime.combine(
            data["date_from"], datetime.time.min, tzinfo=tz))
    if data.get("date_to"):
        qs = qs.filter(occurred_at__lt=datetime.datetime.combine(
            data["date_to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))
    return qs


@require_safe
@role_required(*BUREAU)
def audit_trail(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    qs = audit_events(form)
    params = {k: v for k, v in request.GET.items() if k in form.fields and v}
    if request.GET.get("format") in ("csv", "xlsx"):
        table = exports.Table(_("Audit trail"), [
            _("Sequence"), _("Time"), _("Actor"), _("Action"), _("Subject"), _("Person"),
            _("Before"), _("After"), _("Hash")],
            [[e.seq, e.occurred_at, e.actor_label, e.action, e.subject_label, e.person_id,
              e.before, e.after, e.hash] for e in qs[:50000].iterator(chunk_size=2000)])
        return _download(request, tables=[table], name="audit-trail", kind="audit",
                         filters=params, personal=True)
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
        "form": form, "page": page, "query": urlencode(params), "verification": verification,
    })
