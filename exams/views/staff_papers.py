"""Papers (trainers and admins): fixed papers picked from the bank, rule-drawn papers with
the number of questions available per rule, and a preview (a sample draw for rule papers)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from academy.errors import ApplicationError

from ..forms import (
    PaperAddQuestionsForm,
    PaperForm,
    PaperItemsForm,
    PaperRuleFormSet,
    QuestionFilterForm,
)
from ..models import Paper, PaperRule, Question, QuestionVersion, Tag
from ..services import (
    paper_check,
    paper_create,
    paper_draw,
    paper_items_set,
    paper_max_score,
    paper_rules_set,
    paper_update,
    rule_candidates,
)
from .staff_bank import _questions
from .staff_common import author_required, paginate

PICKER_LIMIT = 50


def _paper_in_use(paper: Paper) -> bool:
    return paper.sittings.filter(attempts__isnull=False).exists()


@author_required
def paper_list(request):
    papers = (
        Paper.objects.select_related("created_by")
        .annotate(item_count=Count("items", distinct=True),
                  rule_count=Count("rules", distinct=True),
                  sitting_count=Count("sittings", distinct=True))
        .order_by("-created_at", "pk")
    )
    page = paginate(request, papers)
    return render(request, "exams/staff/paper_list.html", {"page": page,
                                                           "papers": page.object_list})


@author_required
def paper_create_view(request):
    form = PaperForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            paper = paper_create(created_by=request.user, **data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Paper created. Now add its questions."))
            return redirect("exams:paper_detail", pk=paper.pk)
    return render(request, "exams/staff/paper_form.html", {"form": form})


def _rule_rows(formset) -> list[dict]:
    """Each rule form with the number of active questions the bank has for it."""
    rows = []
    for form in formset.forms:
        tag_id = form["tag"].value()
        available = None
        if tag_id not in (None, ""):
            try:
                rule = PaperRule(tag_id=int(tag_id), type=form["type"].value() or "",
                                 difficulty=int(form["difficulty"].value() or 0) or None)
                available = rule_candidates(rule).count()
            except (TypeError, ValueError):
                available = None
        count = form["count"].value()
        try:
            short = available is not None and count not in (None, "") and \
                int(count) > available
        except (TypeError, ValueError):
            short = False
        rows.append({"form": form, "available": available, "short": short})
    return rows


def _rule_initial(paper: Paper) -> list[dict]:
    return [{"tag": r.tag_id, "type": r.type, "difficulty": r.difficulty, "count": r.count,
             "points_each": r.points_each} for r in paper.rules.order_by("order", "pk")]


@author_required
def paper_detail(request, pk: int):
    """Edit a paper: its settings, and its questions (fixed) or rules (rule-drawn)."""
    paper = get_object_or_404(Paper, pk=pk)
    in_use = _paper_in_use(paper)
    action = request.POST.get("action") if request.method == "POST" else None
    settings_form = PaperForm(request.POST if action == "settings" else None, instance=paper,
                              kind_editable=not in_use, prefix="paper")
    items = list(paper.items.select_related("question__current_version").order_by("order",
                                                                                   "pk"))
    items_form = PaperItemsForm(request.POST if action == "items" else None, items=items,
                                prefix="items")
    rule_formset = PaperRuleFormSet(request.POST if action == "rules" else None,
                                    initial=_rule_initial(paper), prefix="rules")

    # The picker: bank questions matching the filters that are not on the paper yet.
    filter_form = QuestionFilterForm(request.GET or None)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    on_paper = {i.question_id for i in items}
    candidates = list(_questions({**filters, "status": ""}).exclude(pk__in=on_paper)
                      [:PICKER_LIMIT])
    add_form = PaperAddQuestionsForm(request.POST if action == "add" else None,
                                     question_ids=[q.pk for q in candidates], prefix="add")

    edit_error = None
    if action and in_use:
        messages.error(request, _("This paper has been sat already; it can no longer change."))
        return redirect("exams:paper_detail", pk=paper.pk)
    try:
        if action == "settings" and settings_form.is_valid():
            paper_update(paper=paper, **settings_form.cleaned_data)
            messages.success(request, _("The paper's settings are saved."))
            return redirect("exams:paper_detail", pk=paper.pk)
        if action == "items" and items_form.is_valid():
            by_id = {i.question_id: i.question for i in items}
            paper_items_set(paper=paper, items=[(by_id[row["question_id"]], row["points"])
                                                for row in items_form.cleaned_items()])
            messages.success(request, _("The paper's questions are saved."))
            return redirect("exams:paper_detail", pk=paper.pk)
        if action == "add" and add_form.is_valid():
            chosen = list(Question.objects.filter(pk__in=add_form.cleaned_data["questions"])
                          .order_by("code"))
            points = add_form.cleaned_data.get("points")
            paper_items_set(paper=paper, items=[*[(i.question, i.points) for i in items],
                                                *[(q, points) for q in chosen]])
            messages.success(request, ngettext("%(n)s question was added.",
                                               "%(n)s questions were added.", len(chosen))
                             % {"n": len(chosen)})
            return redirect("exams:paper_detail", pk=paper.pk)
        if action == "rules" and rule_formset.is_valid():
            tags = {t.pk: t for t in Tag.objects.all()}
            rules = []
            for form in rule_formset.forms:
                data = form.cleaned_data
                if not data or data.get("DELETE") or data.get("tag") not in tags:
                    continue
                rules.append({"tag": tags[data["tag"]], "type": data.get("type") or "",
                              "difficulty": data.get("difficulty"), "count": data["count"],
                              "points_each": data["points_each"]})
            paper_rules_set(paper=paper, rules=rules)
            messages.success(request, _("The paper's rules are saved."))
            return redirect("exams:paper_detail", pk=paper.pk)
    except ApplicationError as exc:
        # Shown beside the form that was posted, which keeps what the trainer entered.
        if action == "settings":
            settings_form.add_error(None, exc.message)
        else:
            edit_error = {"action": action, "message": exc.message}

    problem = None
    try:
        paper_check(paper=paper)
    except ApplicationError as exc:
        problem = exc.message
    saved_rules = [{"rule": rule, "available": rule_candidates(rule).count()}
                   for rule in paper.rules.select_related("tag").order_by("order", "pk")] \
        if in_use else []
    return render(request, "exams/staff/paper_detail.html", {
        "saved_rules": saved_rules,
        "paper": paper,
        "in_use": in_use,
        "settings_form": settings_form,
        "items_form": items_form,
        "rule_formset": rule_formset,
        "rule_rows": _rule_rows(rule_formset),
        "filter_form": filter_form,
        "candidates": candidates,
        "add_form": add_form,
        "max_score": paper_max_score(paper=paper),
        "problem": problem,
        "edit_error": edit_error,
        "sittings": list(paper.sittings.order_by("-opens_at")[:20]),
        "picker_limit": PICKER_LIMIT,
    })


@author_required
def paper_preview(request, pk: int):
    """The paper as an examinee would get it; for rule papers, one sample draw (another on
    each click)."""
    paper = get_object_or_404(Paper, pk=pk)
    try:
        seed = int(request.GET.get("seed", ""))
    except ValueError:
        seed = secrets.randbelow(2**31)
    problem = None
    drawn = []
    try:
        drawn = paper_draw(paper=paper, seed=seed)
    except ApplicationError as exc:
        problem = exc.message
    total = sum((d.points for d in drawn), 0)
    questions = {pk: (code, qtype) for pk, code, qtype in Question.objects.filter(
        pk__in=[d.question_id for d in drawn]).values_list("pk", "code", "type")}
    versions = QuestionVersion.objects.in_bulk([d.question_version_id for d in drawn])
    rows = []
    for position, item in enumerate(drawn, start=1):
        version = versions[item.question_version_id]
        code, qtype = questions[item.question_id]
        # The options in the order this draw shows them.
        options = {o.get("key"): o for o in version.options or []}
        ordered = [options[k] for k in item.option_order if k in options]
        rows.append({"position": position, "version": version, "points": item.points,
                     "options": ordered, "qtype": qtype, "code": code})
    return render(request, "exams/staff/paper_preview.html", {
        "paper": paper,
        "rows": rows,
        "total": total,
        "seed": seed,
        "next_seed": secrets.randbelow(2**31),
        "problem": problem,
    })
