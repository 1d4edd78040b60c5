"""Sittings (trainers, admins; auditors read-only): list, create/edit, the dashboard with
grading progress, release and per-broker results, one attempt's answers, item statistics."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from academy.errors import ApplicationError
from academy.people.models import User
from academy.people.selectors import Role, user_has_role
from courses.models import Enrolment

from ..forms import SittingForm
from ..models import Answer, Attempt, Paper, QuestionType, Sitting
from ..selectors import sitting_grading_progress
from ..services import (
    SITTING_FIELDS,
    attempt_integrity_log,
    attempts_integrity,
    sitting_create,
    sitting_question_exposure,
    sitting_release,
    sitting_update,
)
from .staff_common import (
    author_required,
    can_manage_sitting,
    can_release_sitting,
    get_sitting,
    paginate,
    read_only_for_auditors,
    sittings_visible_to,
    viewer_required,
)

GS = Answer.GradingStatus
DONE = (Attempt.Status.SUBMITTED, Attempt.Status.GRADED, Attempt.Status.RELEASED)


def identity_hidden(sitting: Sitting, attempt: Attempt) -> bool:
    """Names stay hidden while grading is anonymous and the result is not released."""
    return sitting.anonymous_grading and attempt.status != Attempt.Status.RELEASED


@viewer_required
@read_only_for_auditors
@require_safe
def sitting_list(request):
    """The sittings the user may see, with attempts and grading still to do."""
    now = timezone.now()
    when = request.GET.get("when", "")
    sittings = (
        sittings_visible_to(request.user).select_related("paper", "cohort")
        .annotate(
            started=Count("attempts", distinct=True),
            submitted=Count("attempts", filter=Q(attempts__status__in=DONE), distinct=True),
            waiting=Count("attempts__answers", distinct=True,
                          filter=Q(attempts__answers__grading_status__in=[GS.PENDING,
                                                                           GS.MODERATION],
                                   attempts__status=Attempt.Status.SUBMITTED)),
        )
        .order_by("-opens_at", "pk")
    )
    if when == "open":
        sittings = sittings.filter(opens_at__lte=now, closes_at__gt=now)
    elif when == "upcoming":
        sittings = sittings.filter(opens_at__gt=now)
    elif when == "closed":
        sittings = sittings.filter(closes_at__lte=now)
    page = paginate(request, sittings)
    return render(request, "exams/staff/sitting_list.html", {
        "page": page,
        "sittings": page.object_list,
        "now": now,
        "when": when,
        "can_create": user_has_role(request.user, Role.TRAINER, Role.ADMIN),
    })


def _sitting_form_save(request, form, sitting: Sitting | None) -> Sitting:
    data = form.cleaned_data
    fields = {name: data[name] for name in SITTING_FIELDS if name in data}
    brokers = data.get("further_brokers") or []
    graders = list(data.get("graders") or [])
    if sitting is None:
        return sitting_create(created_by=request.user, brokers=brokers, graders=graders,
                              **fields)
    return sitting_update(sitting=sitting, actor=request.user, brokers=brokers,
                          graders=graders, **fields)


@author_required
def sitting_create_view(request):
    """Offer a paper to a cohort (the trainer's own) or a list of brokers."""
    initial = {}
    paper_id = request.GET.get("paper", "")
    if paper_id.isdigit() and Paper.objects.filter(pk=paper_id).exists():
        initial["paper"] = int(paper_id)
    form = SittingForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sitting = _sitting_form_save(request, form, None)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The sitting “%(title)s” is scheduled.")
                             % {"title": sitting.title})
            return redirect("exams:sitting_dashboard", pk=sitting.pk)
    return render(request, "exams/staff/sitting_form.html", {"form": form, "sitting": None})


@author_required
def sitting_edit(request, pk: int):
    sitting = get_sitting(request, pk, manage=True)
    form = SittingForm(request.POST or None, instance=sitting, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            sitting = _sitting_form_save(request, form, sitting)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The sitting is saved."))
            return redirect("exams:sitting_dashboard", pk=sitting.pk)
    return render(request, "exams/staff/sitting_form.html", {"form": form, "sitting": sitting})


def _candidate_count(sitting: Sitting) -> int:
    q = Q(exam_sittings=sitting)
    if sitting.cohort_id:
        q |= Q(enrolments__cohort_id=sitting.cohort_id,
               enrolments__status=Enrolment.Status.ACTIVE)
    return User.objects.filter(q).distinct().count()


def _percent(part: int, whole: int) -> int:
    return round(part * 100 / whole) if whole else 0


@viewer_required
@read_only_for_auditors
@require_safe
def sitting_dashboard(request, pk: int):
    """Attempts started and submitted, grading progress, release, results per broker."""
    sitting = get_sitting(request, pk)
    progress = sitting_grading_progress(sitting)
    candidates = _candidate_count(sitting)
    started = sum(progress[k] for k in ("attempts_in_progress", "attempts_submitted",
                                        "attempts_graded", "attempts_released"))
    submitted = started - progress["attempts_in_progress"]
    graded = progress["attempts_graded"] + progress["attempts_released"]
    answers_total = sum(progress[k] for k in ("answers_pending", "answers_moderation",
                                              "answers_graded"))
    attempts = (
        sitting.attempts.select_related("user")
        .annotate(waiting=Count("answers", filter=Q(answers__grading_status__in=[
            GS.PENDING, GS.MODERATION])))
        .order_by("status", "-submitted_at", "code")
    )
    status = request.GET.get("status", "")
    if status in Attempt.Status.values:
        attempts = attempts.filter(status=status)
    page = paginate(request, attempts, per_page=50)
    integrity = attempts_integrity(page.object_list)
    rows = [{"attempt": a, "hidden": identity_hidden(sitting, a),
             "integrity": integrity.get(a.pk)} for a in page.object_list]
    now = timezone.now()
    return render(request, "exams/staff/sitting_dashboard.html", {
        "sitting": sitting,
        "progress": progress,
        "candidates": candidates,
        "started": started,
        "submitted": submitted,
        "graded": graded,
        "answers_total": answers_total,
        "bars": [
            {"label": _("Started"), "value": started, "total": candidates,
             "percent": _percent(started, candidates)},
            {"label": _("Submitted"), "value": submitted, "total": candidates,
             "percent": _percent(submitted, candidates)},
            {"label": _("Answers graded"), "value": progress["answers_graded"],
             "total": answers_total, "percent": _percent(progress["answers_graded"],
                                                          answers_total)},
            {"label": _("Attempts fully graded"), "value": graded, "total": submitted,
             "percent": _percent(graded, submitted)},
            {"label": _("Results released"), "value": progress["attempts_released"],
             "total": submitted, "percent": _percent(progress["attempts_released"],
                                                     submitted)},
        ],
        "page": page,
        "rows": rows,
        "status": status,
        "statuses": Attempt.Status.choices,
        "can_manage": can_manage_sitting(request.user, sitting),
        "can_release": can_release_sitting(request.user, sitting),
        "is_open": sitting.opens_at <= now < sitting.closes_at,
        "now": now,
        "exposure": sitting_question_exposure(sitting),
    })


@author_required
@require_POST
def sitting_release_view(request, pk: int):
    """Release every fully graded attempt of the sitting."""
    sitting = get_sitting(request, pk)
    if not can_release_sitting(request.user, sitting):
        raise PermissionDenied
    count = sitting_release(sitting=sitting, actor=request.user)
    if count:
        messages.success(request, ngettext(
            "%(n)s result was released to the broker.",
            "%(n)s results were released to the brokers.", count) % {"n": count})
    else:
        messages.info(request, _("No fully graded result was waiting for release."))
    return redirect("exams:sitting_dashboard", pk=sitting.pk)


@viewer_required
@read_only_for_auditors
@require_safe
def attempt_detail(request, pk: int):
    """One attempt's answers with their scores and marks (anonymous until released)."""
    attempt = get_object_or_404(Attempt.objects.select_related("sitting", "user"), pk=pk)
    sitting = get_sitting(request, attempt.sitting_id)
    items = list(attempt.items.select_related("question_version__question")
                 .order_by("position"))
    answers = {a.item_id: a for a in attempt.answers.prefetch_related("marks", "score_changes")}
    rows = []
    for item in items:
        answer = answers.get(item.pk)
        version = item.question_version
        options = {o.get("key"): o for o in version.options or []}
        rows.append({
            "item": item,
            "version": version,
            "qtype": version.question.type,
            "options": [options[k] for k in item.option_order if k in options]
            or list(version.options or []),
            "answer": answer,
            "subjective": version.question.type in QuestionType.subjective(),
            "marks": sorted(answer.marks.all(), key=lambda m: m.round) if answer else [],
            "changes": list(answer.score_changes.all()) if answer else [],
        })
    return render(request, "exams/staff/attempt_detail.html", {
        "integrity": attempts_integrity([attempt])[attempt.pk],
        "events": attempt_integrity_log(attempt),
        "attempt": attempt,
        "sitting": sitting,
        "rows": rows,
        "hidden": identity_hidden(sitting, attempt),
        "can_regrade": can_release_sitting(request.user, sitting),
    })


@viewer_required
@read_only_for_auditors
@require_safe
def sitting_statistics(request, pk: int):
    """Per question: facility, discrimination, average time, distractors; flags."""
    from ..services import sitting_item_statistics

    sitting = get_sitting(request, pk)
    rows = []
    for stat in sitting_item_statistics(sitting=sitting):
        rows.append({"stat": stat, "distractors": _distractor_bars(stat),
                     "type_label": QuestionType(stat.type).label,
                     "negative": "negative_discrimination" in stat.flags,
                     "nobody_right": "nobody_right" in stat.flags})
    return render(request, "exams/staff/sitting_statistics.html", {
        "sitting": sitting,
        "rows": rows,
        "flagged": sum(1 for r in rows if r["stat"].flags),
        "can_author": user_has_role(request.user, Role.TRAINER, Role.ADMIN),
    })


def _distractor_bars(stat) -> list[dict]:
    """One bar per option (and "no answer"): how many chose it, as a share of answers."""
    if not stat.distractors:
        return []
    if stat.type == QuestionType.TRUEFALSE:
        labels = {"true": _("True"), "false": _("False")}
        key = {True: "true", False: "false"}.get(stat.key)
        correct = {key} if key else set()
    else:
        labels = {str(o.get("key")): f"{o.get('key')}. {o.get('text', '')}"
                  for o in stat.options}
        correct = set(stat.key if isinstance(stat.key, list) else [stat.key])
    answered = stat.responses or sum(stat.distractors.values()) or 1
    bars = []
    for choice, count in stat.distractors.items():
        if choice == "" and not count:
            continue
        bars.append({
            "key": choice,
            "label": labels.get(choice, choice) if choice else _("No answer"),
            "count": count,
            "percent": round(count * 100 / answered),
            "correct": choice in correct,
        })
    return bars
