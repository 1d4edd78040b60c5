"""Grading (trainers): my backlog and each sitting's progress, one answer at a time with the
rubric ("save and next": each answer is claimed, so two graders never mark the same one at
once), the moderation queue, and regrades (with a reason, audited).

The grading page renders a ``GradingEntry`` (``exams.selectors.grading``) and nothing else of
the attempt: under anonymous grading that is the answer code, never the broker's name.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from academy.errors import ApplicationError

from ..forms import MarkForm, RegradeForm
from ..models import Answer, Attempt, QuestionType
from ..selectors import grader_backlog, grading_entry, grading_queue
from ..services import (
    answer_claim,
    answer_regrade,
    attempt_integrity_log,
    attempts_integrity,
    grading_claim_next,
    mark_submit,
    sittings_graded_by,
)
from .staff_common import author_required, can_release_sitting, get_sitting, grader_required
from .staff_sittings import identity_hidden

GS = Answer.GradingStatus
QUEUE_PREVIEW = 25


def _progress_by_sitting(sitting_ids: list[int]) -> dict[int, dict[str, int]]:
    """Subjective answers of submitted attempts per sitting, by grading status (one query)."""
    rows = (
        Answer.objects.filter(attempt__sitting_id__in=sitting_ids,
                              item__question_version__question__type__in=list(
                                  QuestionType.subjective()))
        .exclude(attempt__status=Attempt.Status.IN_PROGRESS)
        .values("attempt__sitting_id")
        .annotate(total=Count("pk"),
                  graded=Count("pk", filter=Q(grading_status=GS.GRADED)),
                  moderation=Count("pk", filter=Q(grading_status=GS.MODERATION)))
        .order_by()
    )
    result = {}
    for row in rows:
        total, graded = row["total"], row["graded"]
        result[row["attempt__sitting_id"]] = {
            "total": total, "graded": graded, "moderation": row["moderation"],
            "percent": round(graded * 100 / total) if total else 0,
        }
    return result


@grader_required
def grading_queue_view(request):
    """My backlog across sittings, each sitting's grading progress, the oldest answers."""
    backlog = grader_backlog(grader=request.user)
    waiting = {row["sitting_id"]: row["waiting"] for row in backlog}
    sittings = list(sittings_graded_by(request.user).select_related("paper", "cohort")
                    .order_by("-opens_at")[:50])
    progress = _progress_by_sitting([s.pk for s in sittings])
    rows = [{"sitting": s, "waiting": waiting.get(s.pk, 0),
             "progress": progress.get(s.pk, {"total": 0, "graded": 0, "moderation": 0,
                                             "percent": 0})}
            for s in sittings]
    entries = grading_queue(grader=request.user, limit=QUEUE_PREVIEW)
    return render(request, "exams/staff/grading_queue.html", {
        "rows": rows,
        "entries": entries,
        "total_waiting": sum(waiting.values()),
    })


@grader_required
def moderation_queue(request):
    """Answers whose two marks differ by more than the threshold: a third grader decides."""
    entries = [e for e in grading_queue(grader=request.user)
               if e.grading_status == GS.MODERATION]
    return render(request, "exams/staff/moderation_queue.html", {"entries": entries})


@grader_required
def grading_next(request):
    """The next answer waiting for me (in one sitting if ``?sitting=``), or back to the
    queue when none is left."""
    sitting = None
    sitting_id = request.GET.get("sitting", "")
    if sitting_id.isdigit():
        sitting = get_sitting(request, int(sitting_id))
    moderation = request.GET.get("moderation") == "1"
    # Claimed, so that a colleague pressing "next" at the same time gets another answer.
    claimed = grading_claim_next(grader=request.user, sitting=sitting, moderation=moderation)
    if not claimed:
        messages.success(request, _("Nothing is waiting for you to grade here. Thank you!"))
        if sitting is not None:
            return redirect("exams:sitting_dashboard", pk=sitting.pk)
        return redirect("exams:grading_queue")
    url = reverse("exams:grading_answer", kwargs={"pk": claimed[0]})
    if sitting is not None:
        url += f"?sitting={sitting.pk}"
    return redirect(url)


@grader_required
def grading_answer(request, pk: int):
    """One answer: its code, the question, the rubric with a score per criterion, a comment;
    "save and next" moves on to the next waiting answer."""
    entry = grading_entry(answer_id=pk, grader=request.user)
    already = Answer.objects.filter(pk=pk, marks__grader=request.user).exists()
    waiting = entry.grading_status in (GS.PENDING, GS.MODERATION) and not already
    # Opening an answer claims it (or renews the claim); one that other graders hold is
    # shown, but not for marking.
    held_by_others = waiting and not answer_claim(answer_id=pk, grader=request.user)
    waiting = waiting and not held_by_others
    form = MarkForm(request.POST or None, rubric=entry.rubric, item_points=entry.points)
    if request.method == "POST":
        if not waiting:
            messages.error(request, _("This answer is not waiting for your mark."))
            return redirect("exams:grading_answer", pk=pk)
        if form.is_valid():
            try:
                mark = mark_submit(answer_id=pk, grader=request.user,
                                   criteria=[row["score"] for row in form.cleaned_criteria()],
                                   comment=form.cleaned_data.get("comment", ""))
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Mark saved for %(code)s: %(score)s points.")
                                 % {"code": entry.attempt_code, "score": mark.score})
                url = reverse("exams:grading_next")
                sitting = request.GET.get("sitting", "")
                if sitting.isdigit():
                    url += f"?sitting={sitting}"
                if entry.grading_status == GS.MODERATION:
                    url += ("&" if "?" in url else "?") + "moderation=1"
                return redirect(url)
    attempt = Attempt.objects.select_related("sitting").get(answers__pk=pk)
    return render(request, "exams/staff/grading_answer.html", {
        "images": _item_images(entry.item_id, entry.stem + entry.model_answer),
        # The attempt's integrity log beside the answer: events and figures, never a name.
        "attempt": attempt,
        "integrity": attempts_integrity([attempt])[attempt.pk],
        "events": attempt_integrity_log(attempt),
        "highlight_item": entry.item_id,
        "entry": entry,
        "form": form,
        "rubric_total": sum((Decimal(str(r["points"])) for r in form.rubric), Decimal("0")),
        "waiting": waiting,
        "already": already,
        "held_by_others": held_by_others,
        "sitting_filter": request.GET.get("sitting", ""),
    })


def _item_images(item_id: int, text: str) -> dict[str, str]:
    """The images (name → URL) of the version an attempt item shows, if its text has any."""
    if "[[image:" not in text:
        return {}
    from ..models import AttemptItem
    from ..selectors import image_urls_for_versions

    version_id = AttemptItem.objects.filter(pk=item_id).values_list(
        "question_version_id", flat=True).first()
    return image_urls_for_versions([version_id]).get(version_id, {}) if version_id else {}


@author_required
def answer_regrade_view(request, pk: int):
    """Change a graded answer's score; the reason is required and audited."""
    answer = get_object_or_404(
        Answer.objects.select_related("attempt__sitting", "attempt__user",
                                      "item__question_version__question"), pk=pk)
    attempt = answer.attempt
    sitting = get_sitting(request, attempt.sitting_id)
    if not can_release_sitting(request.user, sitting):
        raise PermissionDenied
    form = RegradeForm(request.POST or None, max_points=answer.item.points,
                       initial={"score": answer.final_score})
    if request.method == "POST" and form.is_valid():
        try:
            answer_regrade(answer_id=answer.pk, score=form.cleaned_data["score"],
                           reason=form.cleaned_data["reason"], actor=request.user)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The score is changed and the change is recorded."))
            return redirect("exams:staff_attempt", pk=attempt.pk)
    return render(request, "exams/staff/regrade.html", {
        "answer": answer,
        "attempt": attempt,
        "sitting": sitting,
        "version": answer.item.question_version,
        "form": form,
        "hidden": identity_hidden(sitting, attempt),
        "changes": list(answer.score_changes.select_related("changed_by")
                        .order_by("changed_at")),
        "marks": list(answer.marks.select_related("grader").order_by("round")),
    })
