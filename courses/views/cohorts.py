"""Cohorts: the trainers' progress view, a broker's detail, admins' enrolment, sessions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from academy.errors import ApplicationError
from academy.links import absolute_url
from academy.people.selectors import Role, role_required, user_has_role

from ..conf import app_settings
from ..forms import CohortFilterForm, EnrolBulkForm, EnrolOneForm, OfflineSessionForm
from ..models import Attendance, Cohort, Enrolment, OfflineSession
from ..selectors import (
    broker_hours,
    can_manage_cohort,
    can_view_cohort,
    cohort_lesson_figures,
    cohort_lesson_study,
    cohort_progress,
    cohorts_visible_to,
    programme_progress_for,
)
from ..services import (
    attendance_checkin_token,
    attendance_record,
    enrolment_bulk_create,
    enrolment_create,
    offline_session_create,
)

staff_required = role_required(Role.TRAINER, Role.ADMIN, Role.AUDITOR)


def _cohort(request, pk: int, *, manage: bool = False) -> Cohort:
    cohort = get_object_or_404(
        Cohort.objects.select_related("programme", "programme__from_level",
                                      "programme__to_level"),
        pk=pk,
    )
    allowed = can_manage_cohort if manage else can_view_cohort
    if not allowed(request.user, cohort):
        raise PermissionDenied
    return cohort


@staff_required
def cohort_list(request):
    """Trainers: the cohorts they teach. Admins and auditors: all cohorts."""
    today = timezone.localdate()
    cohorts = (
        cohorts_visible_to(request.user)
        .select_related("programme")
        .annotate(broker_count=Count("enrolments", filter=Q(enrolments__status="active"),
                                     distinct=True))
        .order_by("-starts_on", "code")
    )
    return render(request, "courses/cohort_list.html", {"cohorts": cohorts, "today": today})


@staff_required
def cohort_detail(request, pk: int):
    """Each broker's progress %, hours and overdue courses; sortable and filterable."""
    cohort = _cohort(request, pk)
    form = CohortFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = cohort_progress(
        cohort=cohort,
        search=(filters.get("q") or "").strip(),
        sort=filters.get("sort") or "name",
        descending=bool(filters.get("desc")),
        overdue_only=bool(filters.get("overdue")),
    )
    sessions = list(
        cohort.sessions.select_related("course").annotate(attended=Count("attendances"))
        .order_by("starts_at")
    )
    deadlines = list(cohort.deadlines.select_related("course").order_by("due_on"))
    return render(request, "courses/cohort_detail.html", {
        "cohort": cohort,
        "lesson_figures": cohort_lesson_figures(cohort=cohort),
        "rows": rows,
        "form": form,
        "filters": filters,
        "sessions": sessions,
        "deadlines": deadlines,
        "can_manage": can_manage_cohort(request.user, cohort),
        "is_admin": user_has_role(request.user, Role.ADMIN),
        "sort": filters.get("sort") or "name",
        "desc": bool(filters.get("desc")),
        "today": timezone.localdate(),
    })


@staff_required
def cohort_broker(request, pk: int, user_id: int):
    """One broker's progress in the cohort, with the study observed per lesson, for its
    trainers, admins and auditors."""
    cohort = _cohort(request, pk)
    enrolment = get_object_or_404(Enrolment.objects.select_related("user"), cohort=cohort,
                                  user_id=user_id)
    broker = enrolment.user
    progress = programme_progress_for(user=broker, cohort_ids=[cohort.pk])
    attendances = list(
        Attendance.objects.filter(user=broker, session__cohort=cohort)
        .select_related("session").order_by("session__starts_at")
    )
    study = cohort_lesson_study(cohort=cohort, user_ids=[broker.pk])
    return render(request, "courses/cohort_broker.html", {
        "cohort": cohort,
        "broker": broker,
        "progress": progress[0] if progress else None,
        # The same figures as the cohort-progress API's brokers[].lessons.
        "study": {s.lesson.pk: s for s in study.of(broker.pk)},
        "hours": broker_hours(user_ids=[broker.pk])[broker.pk],
        "attendances": attendances,
        "today": timezone.localdate(),
    })


@role_required(Role.ADMIN)
def cohort_enrol(request, pk: int):
    """Admins enrol brokers one by one or in bulk from the roster."""
    cohort = _cohort(request, pk, manage=True)
    one = EnrolOneForm(request.POST if "enrol_one" in request.POST else None, prefix="one")
    bulk = EnrolBulkForm(request.POST if "enrol_bulk" in request.POST else None, prefix="bulk")
    if request.method == "POST":
        if "enrol_one" in request.POST and one.is_valid():
            user = one.cleaned_data["broker"]
            try:
                enrolment_create(cohort=cohort, user=user, actor=request.user)
            except ApplicationError as exc:
                one.add_error("broker", exc.message)
            else:
                messages.success(request, _("%(name)s is enrolled.") % {
                    "name": user.get_full_name()})
                return redirect("courses:cohort_enrol", pk=cohort.pk)
        elif "enrol_bulk" in request.POST and bulk.is_valid():
            data = bulk.cleaned_data
            try:
                result = enrolment_bulk_create(
                    cohort=cohort, actor=request.user,
                    level=data["level"].code if data["level"] else "",
                    region=data["region"].code if data["region"] else "",
                    organisation=data["organisation"].pk if data["organisation"] else None,
                    emails=[user.email for user in data["brokers"]],
                )
            except ApplicationError as exc:
                bulk.add_error(None, exc.message)
            else:
                messages.success(request, _(
                    "%(created)d brokers enrolled; %(already)d were already enrolled."
                ) % {"created": len(result.created), "already": len(result.already)})
                return redirect("courses:cohort_enrol", pk=cohort.pk)
    enrolments = (
        cohort.enrolments.select_related("user", "user__broker_profile__level",
                                         "user__broker_profile__region", "enrolled_by")
        .order_by("user__name_pinyin", "user__email")
    )
    return render(request, "courses/cohort_enrol.html", {
        "cohort": cohort, "one": one, "bulk": bulk, "enrolments": enrolments,
    })


# --- Offline sessions -------------------------------------------------------------------------


def _session(request, pk: int, *, manage: bool = False) -> OfflineSession:
    session = get_object_or_404(
        OfflineSession.objects.select_related("cohort", "cohort__programme", "course"), pk=pk
    )
    allowed = can_manage_cohort if manage else can_view_cohort
    if not allowed(request.user, session.cohort):
        raise PermissionDenied
    return session


@role_required(Role.TRAINER, Role.ADMIN)
def session_new(request, pk: int):
    cohort = _cohort(request, pk, manage=True)
    form = OfflineSessionForm(request.POST or None, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        session = offline_session_create(cohort=cohort, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Session scheduled."))
        return redirect("courses:session_detail", pk=session.pk)
    return render(request, "courses/session_form.html", {"cohort": cohort, "form": form})


@staff_required
def session_detail(request, pk: int):
    """The attendance list: trainers of the cohort and admins tick who was there."""
    session = _session(request, pk)
    can_manage = can_manage_cohort(request.user, session.cohort)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        try:
            ids = [int(v) for v in request.POST.getlist("present")]
            change = attendance_record(session=session, actor=request.user,
                                       present_user_ids=ids)
        except (ValueError, ApplicationError) as exc:
            messages.error(request, getattr(exc, "message", _("Invalid selection.")))
        else:
            messages.success(request, _(
                "Attendance saved: %(added)d added, %(removed)d removed."
            ) % {"added": len(change.added), "removed": len(change.removed)})
            return redirect("courses:session_detail", pk=session.pk)
    enrolments = list(
        session.cohort.enrolments.select_related("user", "user__broker_profile__organisation")
        .order_by("user__name_pinyin", "user__email")
    )
    attendance = {a.user_id: a for a in session.attendances.select_related("recorded_by")}
    return render(request, "courses/session_detail.html", {
        "session": session,
        "rows": [(e, attendance.get(e.user_id)) for e in enrolments],
        "present_count": len(attendance),
        "can_manage": can_manage,
        "now": timezone.now(),
    })


@login_required
def session_ics(request, pk: int):
    """The session as an .ics download: for the cohort's brokers and its staff."""
    from academy.notifications.selectors import calendar_response

    from ..selectors import session_event

    session = get_object_or_404(OfflineSession.objects.select_related("cohort"), pk=pk)
    studying = Enrolment.objects.filter(cohort_id=session.cohort_id, user=request.user,
                                        status=Enrolment.Status.ACTIVE).exists()
    if not studying and not can_view_cohort(request.user, session.cohort):
        raise PermissionDenied
    return calendar_response([session_event(session)], name=session.title,
                             filename=f"session-{session.pk}.ics")


def _checkin_url(request, session: OfflineSession) -> str:
    token = attendance_checkin_token(session=session).token
    return absolute_url(reverse("courses:checkin", args=[token]))


@role_required(Role.TRAINER, Role.ADMIN)
def session_qr(request, pk: int):
    """The projector page: a QR code that refreshes before its token expires."""
    session = _session(request, pk, manage=True)
    now = timezone.now()
    return render(request, "courses/session_qr.html", {
        "session": session,
        "refresh_seconds": app_settings.CHECKIN_QR_REFRESH_SECONDS,
        "present_count": session.attendances.count(),
        "enrolled_count": session.cohort.enrolments.filter(status="active").count(),
        "now": now,
        "checkin_open": _checkin_open(session, now),
    })


def _checkin_open(session, now) -> bool:
    return session.checkin_opens_at <= now <= session.checkin_closes_at


@never_cache
@role_required(Role.TRAINER, Role.ADMIN)
def session_qr_svg(request, pk: int):
    import io

    import segno

    session = _session(request, pk, manage=True)
    # No scannable code outside the check-in window: a code photographed early would be a
    # way to check in without coming.
    if not _checkin_open(session, timezone.now()):
        return HttpResponse(_("Check-in is not open."), status=409,
                            content_type="text/plain; charset=utf-8")
    qr = segno.make(_checkin_url(request, session), error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=8, border=2, dark="#0b2545", light="#ffffff")
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@never_cache
@role_required(Role.TRAINER, Role.ADMIN)
def session_qr_status(request, pk: int):
    session = _session(request, pk, manage=True)
    now = timezone.now()
    return JsonResponse({
        "present": session.attendances.count(),
        "open": _checkin_open(session, now),
    })
