"""The broker's pages: programme, course, lesson, self-enrolment, QR check-in."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError
from academy.people.selectors import Role, role_required

from ..conf import app_settings
from ..models import (
    Cohort,
    CohortCourseDeadline,
    Course,
    Enrolment,
    Lesson,
    LessonAttachment,
)
from ..selectors import (
    course_access,
    course_catalogue_for,
    course_progress_for,
    lesson_access,
    lesson_requirement,
    open_cohorts_for,
    programme_progress_for,
    study_policy,
)
from ..services import (
    StudyIncomplete,
    attendance_checkin,
    enrolment_self,
    lesson_check_submit,
    lesson_complete,
    lesson_open,
    session_from_token,
)
from ..templatetags.courses_tags import hours as fmt_hours
from .media import ranged_file_response


@role_required(Role.BROKER)
def my_programme(request):
    """The broker's programmes: progress per course and overall, what is due, what is open."""
    return render(request, "courses/my_programme.html", {
        "programmes": programme_progress_for(user=request.user),
        "open_cohorts": list(open_cohorts_for(request.user)[:10]),
        "today": timezone.localdate(),
    })


@role_required(Role.BROKER)
def open_cohorts(request):
    cohorts, areas = course_catalogue_for(request.user)
    return render(request, "courses/open_cohorts.html", {"cohorts": cohorts, "areas": areas})


@require_POST
@role_required(Role.BROKER)
def cohort_join(request, pk: int):
    cohort = get_object_or_404(Cohort.objects.select_related("programme"), pk=pk)
    try:
        enrolment_self(cohort=cohort, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("courses:open_cohorts")
    messages.success(request, _("You are enrolled in %(cohort)s.") % {"cohort": cohort.name})
    return redirect("courses:my_programme")


@login_required
def course_detail(request, pk: int):
    course = get_object_or_404(Course.objects.select_related("area", "level"), pk=pk)
    access = course_access(request.user, course)
    if access is None:
        raise PermissionDenied
    learner = access == "learner"
    due_on = None
    if learner:
        due_on = (
            CohortCourseDeadline.objects.filter(
                course=course, cohort__enrolments__user=request.user,
                cohort__enrolments__status="active",
            ).order_by("due_on").values_list("due_on", flat=True).first()
        )
    outline = course_progress_for(user=request.user if learner else None, course=course,
                                  due_on=due_on)
    return render(request, "courses/course_detail.html", {
        "course": course, "outline": outline, "preview": not learner,
    })


def _neighbours(outline, lesson_id: int):
    items = outline.lessons
    for i, item in enumerate(items):
        if item.lesson.pk == lesson_id:
            prev_item = items[i - 1] if i > 0 else None
            next_item = items[i + 1] if i + 1 < len(items) else None
            return prev_item, next_item
    return None, None


@login_required
def lesson_detail(request, pk: int):
    lesson = get_object_or_404(
        Lesson.objects.select_related("module", "module__course", "module__course__area",
                                      "module__requires", "requires"),
        pk=pk,
    )
    access = lesson_access(request.user, lesson)
    if access is None:
        raise PermissionDenied
    learner = access == "learner"
    locked_reason = ""
    progress = None
    if learner:
        try:
            progress = lesson_open(user=request.user, lesson=lesson)
        except ApplicationError as exc:
            locked_reason = str(exc.message)
    outline = course_progress_for(user=request.user if learner else None,
                                  course=lesson.module.course)
    previous, following = _neighbours(outline, lesson.pk)
    policy = study_policy()
    requirement = lesson_requirement(user=request.user, lesson=lesson, progress=progress,
                                     policy=policy) if progress is not None else None
    return render(request, "courses/lesson_detail.html", {
        "requirement": requirement,
        "idle_seconds": policy.idle_minutes * 60,
        "lesson": lesson,
        "course": lesson.module.course,
        "outline": outline,
        "progress": progress,
        "preview": not learner,
        "locked_reason": locked_reason,
        "attachments": list(lesson.attachments.all()),
        "previous": previous,
        "next": following,
        "ping_seconds": app_settings.LESSON_PING_SECONDS,
    }, status=403 if locked_reason else 200)


@require_POST
@role_required(Role.BROKER)
def lesson_ping(request, pk: int):
    """Time spent on the open lesson, reported by static/courses/js/lesson.js."""
    lesson = get_object_or_404(Lesson.objects.select_related("module__course"), pk=pk)
    video = None
    try:
        if request.content_type == "application/json":
            data = json.loads(request.body or b"{}")
            seconds = int(data.get("seconds", 0))
            video = data.get("video") if isinstance(data.get("video"), dict) else None
        else:
            seconds = int(request.POST.get("seconds", 0))
    except (ValueError, TypeError, AttributeError):
        return HttpResponseBadRequest()
    try:
        progress = lesson_open(user=request.user, lesson=lesson, seconds=max(0, seconds),
                               video=video)
    except ApplicationError as exc:
        return JsonResponse({"detail": str(exc.message)}, status=400)
    requirement = lesson_requirement(user=request.user, lesson=lesson, progress=progress)
    return JsonResponse({"seconds_spent": progress.seconds_spent,
                         "video_seconds_watched": progress.video_seconds_watched,
                         **requirement.figures()})


@require_POST
@role_required(Role.BROKER)
def lesson_done(request, pk: int):
    lesson = get_object_or_404(Lesson.objects.select_related("module__course"), pk=pk)
    try:
        progress = lesson_complete(user=request.user, lesson=lesson)
    except StudyIncomplete as exc:
        messages.warning(request, exc.message)
        return redirect("courses:lesson_detail", pk=lesson.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("courses:lesson_detail", pk=lesson.pk)
    messages.success(request, _("“%(title)s” is done: %(hours)s class hours credited.") % {
        "title": lesson.title, "hours": fmt_hours(progress.credited_hours),
    })
    outline = course_progress_for(user=request.user, course=lesson.module.course)
    following = outline.next_lesson
    if following is not None:
        return redirect("courses:lesson_detail", pk=following.lesson.pk)
    return redirect("courses:course_detail", pk=lesson.module.course_id)


@require_POST
@role_required(Role.BROKER)
def lesson_check(request, pk: int):
    """The broker's answers to the lesson's check questions (one choice per question)."""
    lesson = get_object_or_404(Lesson.objects.select_related("module__course"), pk=pk)
    answers = [request.POST.get(f"q{index}", "") for index in
               range(len(lesson.check_questions or []))]
    try:
        passed = lesson_check_submit(user=request.user, lesson=lesson, answers=answers)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("courses:lesson_detail", pk=lesson.pk)
    if passed:
        messages.success(request, _("Check passed: you may mark the lesson as done."))
    else:
        messages.warning(request, _("Not every answer is right yet. Study the lesson and try "
                                    "again."))
    return redirect("courses:lesson_detail", pk=lesson.pk)


@login_required
def lesson_video(request, pk: int):
    """The lesson's hosted video, for those who may see the lesson (byte ranges for seeking)."""
    lesson = get_object_or_404(Lesson.objects.select_related("module__course"), pk=pk)
    if lesson_access(request.user, lesson) is None:
        raise PermissionDenied
    if not lesson.video_file:
        raise Http404
    return ranged_file_response(request, lesson.video_file)


@login_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(
        LessonAttachment.objects.select_related("lesson__module__course"), pk=pk
    )
    if lesson_access(request.user, attachment.lesson) is None:
        raise PermissionDenied
    return FileResponse(attachment.file.open("rb"), as_attachment=True,
                        filename=attachment.filename)


# --- QR check-in ----------------------------------------------------------------------------

_SCANS_KEY = "courses_checkin_scans"
_SCAN_GRACE = datetime.timedelta(minutes=15)


def _remember_scan(request, token: str) -> None:
    """Keep when this (then valid) token was scanned, so that logging in first, or waiting
    before pressing the button, does not make it expire."""
    scans = request.session.get(_SCANS_KEY, {})
    scans.setdefault(token, timezone.now().timestamp())
    cutoff = (timezone.now() - _SCAN_GRACE).timestamp()
    request.session[_SCANS_KEY] = {t: ts for t, ts in scans.items() if ts >= cutoff}


def _scanned_at(request, token: str) -> datetime.datetime | None:
    ts = request.session.get(_SCANS_KEY, {}).get(token)
    if ts is None:
        return None
    scanned = datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
    return scanned if timezone.now() - scanned <= _SCAN_GRACE else None


def checkin(request, token: str):
    """The page a broker's phone opens from the session's QR code."""
    scanned_at = _scanned_at(request, token)
    try:
        session = session_from_token(token, scanned_at=scanned_at)
    except ApplicationError as exc:
        return render(request, "courses/checkin.html", {"error": exc.message}, status=400)
    _remember_scan(request, token)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not Enrolment.objects.filter(cohort_id=session.cohort_id, user=request.user,
                                    status=Enrolment.Status.ACTIVE).exists():
        return render(request, "courses/checkin.html", {
            "session": session,
            "error": _("Only brokers enrolled in this session's cohort can check in."),
        }, status=403)
    if request.method == "POST":
        try:
            attendance, created = attendance_checkin(
                token=token, user=request.user, scanned_at=_scanned_at(request, token)
            )
        except ApplicationError as exc:
            return render(request, "courses/checkin.html",
                          {"error": exc.message, "session": session}, status=400)
        return render(request, "courses/checkin.html", {
            "session": session, "attendance": attendance, "created": created,
        })
    return render(request, "courses/checkin.html", {
        "session": session, "action": reverse("courses:checkin", args=[token]),
    })
