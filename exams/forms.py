"""Forms of the trainers' and admins' exam pages: bank, import, papers, sittings, grading.

The question form turns the editor's rows (options, accepted answers, rubric criteria) into
the JSON a ``QuestionVersion`` stores (see ``exams.models.bank``); the services validate the
content again, so a form is only the first line of defence.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.db import models as django_models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from academy.forms import BROKER_LIST_HELP, BootstrapFormMixin
from academy.people.models import User
from academy.people.selectors import Role, broker_pick_lines, broker_users_visible_to
from courses.models import Cohort
from courses.selectors import cohorts_visible_to

from .models import Paper, Question, QuestionType, Scoring, Sitting, Tag

OPTION_KEYS = "ABCDEFGH"
OPTION_ROWS = len(OPTION_KEYS)
RUBRIC_ROWS = 8
DATETIME_WIDGET = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# Fill-in keys as the import writes them: blanks on separate lines or separated by ; and the
# alternatives of one blank by | (half- or full-width).
_BLANKS = re.compile(r"[\n;；]")
_ALTERNATIVES = re.compile(r"\s*[|｜]\s*")


def tag_choices() -> list[tuple[int, str]]:
    """Tags in area order, topics indented under their area tag."""
    tags = list(Tag.objects.select_related("parent").order_by("area__order", "parent_id",
                                                               "code"))
    roots = [t for t in tags if t.parent_id is None]
    children: dict[int, list[Tag]] = {}
    for tag in tags:
        if tag.parent_id is not None:
            children.setdefault(tag.parent_id, []).append(tag)
    ordered: list[tuple[int, str]] = []
    seen: set[int] = set()
    for root in roots:
        ordered.append((root.pk, root.display_name))
        seen.add(root.pk)
        for child in children.get(root.pk, []):
            ordered.append((child.pk, f"— {child.display_name}"))
            seen.add(child.pk)
    ordered += [(t.pk, t.display_name) for t in tags if t.pk not in seen]
    return ordered


# ---- Question bank ------------------------------------------------------------------------


class QuestionFilterForm(BootstrapFormMixin, forms.Form):
    bootstrap_size = "sm"

    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search"}))
    type = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All types")), *QuestionType.choices])
    tag = forms.TypedChoiceField(label=_("Tag"), required=False, coerce=int, empty_value=None)
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Any difficulty")), *[(n, str(n)) for n in range(1, 6)]],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("Active")), ("archived", _("Archived")), ("all", _("All"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("All tags")), *tag_choices()]


class QuestionForm(BootstrapFormMixin, forms.Form):
    """One form for every type; the fields that do not apply to ``qtype`` are ignored.

    ``cleaned_content()`` gives the version content: stem, options, answer, scoring,
    explanation and rubric, shaped as ``QuestionVersion`` stores them.
    """

    code = forms.SlugField(
        label=_("Code"), max_length=40,
        help_text=_("A short unique identifier, e.g. ZJ-S-031 (letters, digits, - and _)."),
    )
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"), coerce=int, initial=3,
        choices=[(n, str(n)) for n in range(1, 6)],
        help_text=_("1 (easiest) to 5 (hardest)."),
    )
    default_points = forms.DecimalField(
        label=_("Default points"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2,
        initial=Decimal("2"),
        help_text=_("Points proposed when the question is added to a paper."),
    )
    tags = forms.TypedMultipleChoiceField(
        label=_("Tags"), coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text=_("The course area and finer topics the question tests."),
    )
    stem = forms.CharField(
        label=_("Question"), widget=forms.Textarea(attrs={"rows": 5, "data-preview": "stem"}),
    )
    scoring = forms.ChoiceField(
        label=_("Scoring"), choices=Scoring.choices, initial=Scoring.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
        help_text=_("Partial credit: multiple choice earns a share for each correct option "
                    "chosen (none for a wrong one); fill-in earns a share for each blank."),
    )
    truefalse_answer = forms.TypedChoiceField(
        label=_("Correct answer"), required=False, widget=forms.RadioSelect,
        choices=[("true", _("True")), ("false", _("False"))],
        coerce=lambda v: v == "true", empty_value=None,
    )
    fillin_answers = forms.CharField(
        label=_("Accepted answers"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-preview": "fillin"}),
        help_text=_("One line per blank, in order (or blanks separated by ;); separate "
                    "alternative answers for the same blank with |. Case and "
                    "full-width/half-width differences are ignored when grading."),
    )
    explanation = forms.CharField(
        label=_("Explanation"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-preview": "explanation"}),
        help_text=_("Shown to brokers after release if the sitting shows answers."),
    )

    def __init__(self, *args, qtype: str, code_editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.qtype = qtype
        self.fields["tags"].choices = tag_choices()
        if not code_editable:
            self.fields["code"].disabled = True
            self.fields["code"].required = False
        # As in the import: all or nothing unless chosen otherwise for multiple choice,
        # partial credit per blank for fill-in.
        self.fields["scoring"].required = False
        self.default_scoring = (Scoring.PARTIAL if qtype == QuestionType.FILLIN
                                else Scoring.ALL_OR_NOTHING)
        self.fields["scoring"].initial = self.default_scoring
        for i in range(OPTION_ROWS):
            self.fields[f"option_{i}"] = forms.CharField(
                label=_("Option %(key)s") % {"key": OPTION_KEYS[i]}, required=False,
                max_length=1000,
                widget=forms.TextInput(attrs={"data-preview": "option", "data-index": str(i),
                                              "data-key": OPTION_KEYS[i]}),
            )
        self.fields["correct"] = forms.TypedMultipleChoiceField(
            label=_("Correct options"), required=False, coerce=int,
            choices=[(i, OPTION_KEYS[i]) for i in range(OPTION_ROWS)],
        )
        for i in range(RUBRIC_ROWS):
            self.fields[f"criterion_{i}"] = forms.CharField(
                label=_("Criterion %(n)s") % {"n": i + 1}, required=False, max_length=500,
                widget=forms.TextInput(attrs={"data-preview": "criterion"}),
            )
            self.fields[f"points_{i}"] = forms.DecimalField(
                label=_("Points"), required=False, min_value=Decimal("0.5"),
                max_digits=6, decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.5", "data-preview": "points"}),
            )
        self.bootstrap_widgets()

    # Rows for the template: [(key, text field, checked)], [(criterion, points)].
    def option_rows(self) -> list[dict[str, Any]]:
        chosen = {str(v) for v in (self["correct"].value() or [])}
        return [{"index": i, "key": OPTION_KEYS[i], "field": self[f"option_{i}"],
                 "checked": str(i) in chosen} for i in range(OPTION_ROWS)]

    def rubric_rows(self) -> list[dict[str, Any]]:
        return [{"index": i, "criterion": self[f"criterion_{i}"], "points": self[f"points_{i}"]}
                for i in range(RUBRIC_ROWS)]

    def clean(self):
        data = super().clean()
        qtype = self.qtype
        if qtype in QuestionType.with_options():
            self._clean_options(data)
        elif qtype == QuestionType.TRUEFALSE:
            if data.get("truefalse_answer") is None:
                self.add_error("truefalse_answer", _("Choose whether the statement is true."))
        elif qtype == QuestionType.FILLIN:
            blanks = self._fillin_blanks(data.get("fillin_answers") or "")
            if not blanks:
                self.add_error("fillin_answers", _("Give at least one accepted answer."))
            data["_fillin"] = blanks
        else:
            self._clean_rubric(data)
        return data

    def _clean_options(self, data: dict[str, Any]) -> None:
        texts = [(i, (data.get(f"option_{i}") or "").strip()) for i in range(OPTION_ROWS)]
        filled = [(i, t) for i, t in texts if t]
        if len(filled) < 2:
            self.add_error("option_0", _("Give at least two options."))
            return
        last = filled[-1][0]
        gaps = [i for i, t in texts[:last] if not t]
        if gaps:
            self.add_error(f"option_{gaps[0]}",
                           _("Fill the options in order, without empty rows between them."))
            return
        correct = sorted(set(data.get("correct") or []))
        if any(i > last for i in correct):
            self.add_error("correct", _("A correct option must have a text."))
            return
        if self.qtype == QuestionType.SINGLE and len(correct) != 1:
            self.add_error("correct", _("Mark exactly one option as correct."))
        elif self.qtype == QuestionType.MULTIPLE and not correct:
            self.add_error("correct", _("Mark at least one option as correct."))
        data["_options"] = [{"key": OPTION_KEYS[i], "text": t} for i, t in filled]
        data["_correct"] = [OPTION_KEYS[i] for i in correct]

    @staticmethod
    def _fillin_blanks(text: str) -> list[list[str]]:
        blanks = []
        for line in _BLANKS.split(text):
            answers = [a for a in _ALTERNATIVES.split(line.strip()) if a]
            if answers:
                blanks.append(answers)
        return blanks

    def _clean_rubric(self, data: dict[str, Any]) -> None:
        rubric = []
        for i in range(RUBRIC_ROWS):
            criterion = (data.get(f"criterion_{i}") or "").strip()
            points = data.get(f"points_{i}")
            if criterion and points is None:
                self.add_error(f"points_{i}", _("Give the points of this criterion."))
            elif points is not None and not criterion:
                self.add_error(f"criterion_{i}", _("Describe what earns these points."))
            elif criterion:
                rubric.append({"criterion": criterion, "points": _number(points)})
        if not rubric and not self.errors:
            self.add_error("criterion_0", _("Give at least one rubric criterion."))
        data["_rubric"] = rubric

    def cleaned_content(self) -> dict[str, Any]:
        """The version content for the bank services."""
        data = self.cleaned_data
        qtype = self.qtype
        options: list[dict[str, str]] = []
        answer: Any = None
        rubric: list[dict[str, Any]] = []
        scoring = Scoring.ALL_OR_NOTHING
        if qtype == QuestionType.SINGLE:
            options, answer = data["_options"], data["_correct"][0]
        elif qtype == QuestionType.MULTIPLE:
            options, answer = data["_options"], data["_correct"]
            scoring = data.get("scoring") or self.default_scoring
        elif qtype == QuestionType.TRUEFALSE:
            answer = bool(data["truefalse_answer"])
        elif qtype == QuestionType.FILLIN:
            blanks = data["_fillin"]
            answer = blanks[0] if len(blanks) == 1 else blanks
            scoring = data.get("scoring") or self.default_scoring
        else:
            rubric = data["_rubric"]
            scoring = Scoring.PARTIAL
        return {
            "stem": data["stem"].strip(),
            "options": options,
            "answer": answer,
            "scoring": scoring,
            "explanation": (data.get("explanation") or "").strip(),
            "rubric": rubric,
        }

    @classmethod
    def initial_from(cls, question: Question) -> dict[str, Any]:
        """The form's initial values from a question and its current version."""
        version = question.current_version
        initial: dict[str, Any] = {
            "code": question.code,
            "difficulty": question.difficulty,
            "default_points": question.default_points,
            "tags": [t.pk for t in question.tags.all()],
        }
        if version is None:
            return initial
        initial.update(stem=version.stem, explanation=version.explanation,
                       scoring=version.scoring)
        keys = [o.get("key") for o in version.options or []]
        for i, option in enumerate(version.options or []):
            if i < OPTION_ROWS:
                initial[f"option_{i}"] = option.get("text", "")
        answer = version.answer
        if question.type == QuestionType.SINGLE and answer in keys:
            initial["correct"] = [keys.index(answer)]
        elif question.type == QuestionType.MULTIPLE and isinstance(answer, list):
            initial["correct"] = [keys.index(k) for k in answer if k in keys]
        elif question.type == QuestionType.TRUEFALSE and answer is not None:
            initial["truefalse_answer"] = "true" if answer else "false"
        elif question.type == QuestionType.FILLIN and answer:
            blanks = answer if isinstance(answer[0], list) else [answer]
            initial["fillin_answers"] = "\n".join(" | ".join(map(str, b)) for b in blanks)
        for i, row in enumerate(version.rubric or []):
            if i < RUBRIC_ROWS:
                initial[f"criterion_{i}"] = row.get("criterion", "")
                initial[f"points_{i}"] = row.get("points")
        return initial


def _number(value: Decimal) -> int | float:
    """JSON-friendly points: 4 rather than "4.00"."""
    return int(value) if value == value.to_integral_value() else float(value)


class QuestionImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.docx,.xml,.gift,.txt"}),
        help_text=_("An XLSX, CSV or Word (.docx) file laid out like the template, or a "
                    "Moodle XML or GIFT file."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        # Moodle saves GIFT as .txt: a .txt is taken only when it reads like GIFT.
        gift_txt = False
        if name.endswith(".txt"):
            head = upload.read(65536)
            upload.seek(0)
            gift_txt = b"{" in head and b"}" in head
        if not (name.endswith((".xlsx", ".csv", ".docx", ".xml", ".gift")) or gift_txt):
            raise forms.ValidationError(_("Upload an .xlsx, .csv, .docx, Moodle .xml or "
                                          ".gift file."))
        from .services import import_max_bytes

        limit = import_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(_("The file may be at most %(n)s MB.")
                                        % {"n": limit // (1024 * 1024)})
        return upload


# ---- Papers ------------------------------------------------------------------------------


class PaperForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Paper
        fields = ["title", "description", "kind", "shuffle_questions", "shuffle_options"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, kind_editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not kind_editable:
            self.fields["kind"].disabled = True


class PaperItemsForm(forms.Form):
    """The items of a fixed paper as posted by the item table: points, order, remove."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"points_{item.pk}"] = forms.DecimalField(
                label=_("Points"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2,
                initial=item.points,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm",
                                                "step": "0.5"}),
            )
            self.fields[f"order_{item.pk}"] = forms.IntegerField(
                label=_("Order"), min_value=0, initial=item.order,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.fields[f"remove_{item.pk}"] = forms.BooleanField(
                label=_("Remove"), required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    def rows(self) -> list[dict[str, Any]]:
        return [{"item": item, "points": self[f"points_{item.pk}"],
                 "order": self[f"order_{item.pk}"], "remove": self[f"remove_{item.pk}"]}
                for item in self.items]

    def cleaned_items(self) -> list[dict[str, Any]]:
        """Kept items in their new order: [{"question_id", "points"}]."""
        kept = [
            (self.cleaned_data[f"order_{item.pk}"], n, item.question_id,
             self.cleaned_data[f"points_{item.pk}"])
            for n, item in enumerate(self.items)
            if not self.cleaned_data.get(f"remove_{item.pk}")
        ]
        kept.sort()
        return [{"question_id": qid, "points": points} for _order, _n, qid, points in kept]


class PaperAddQuestionsForm(forms.Form):
    questions = forms.TypedMultipleChoiceField(label=_("Questions"), coerce=int)
    points = forms.DecimalField(
        label=_("Points each"), required=False, min_value=Decimal("0.01"), max_digits=6,
        decimal_places=2,
        help_text=_("Leave empty to use each question's default points."),
    )

    def __init__(self, *args, question_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].choices = [(pk, pk) for pk in question_ids]


class PaperRuleForm(BootstrapFormMixin, forms.Form):
    bootstrap_size = "sm"

    tag = forms.TypedChoiceField(label=_("Tag"), coerce=int, required=False, empty_value=None)
    type = forms.ChoiceField(label=_("Question type"), required=False,
                             choices=[("", _("Any type")), *QuestionType.choices])
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Any difficulty")), *[(n, str(n)) for n in range(1, 6)]],
    )
    count = forms.IntegerField(label=_("Questions"), min_value=1, required=False)
    points_each = forms.DecimalField(label=_("Points each"), min_value=Decimal("0.01"),
                                     max_digits=6, decimal_places=2, required=False)
    DELETE = forms.BooleanField(label=_("Remove"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", "—"), *tag_choices()]

    def clean(self):
        data = super().clean()
        if data.get("DELETE"):
            return data
        filled = [data.get(k) not in (None, "") for k in ("tag", "count", "points_each")]
        if any(filled) and not all(filled):
            for name, ok in zip(("tag", "count", "points_each"), filled, strict=True):
                if not ok:
                    self.add_error(name, _("Needed for this rule."))
        return data


PaperRuleFormSet = forms.formset_factory(PaperRuleForm, extra=3, max_num=50)


# ---- Sittings ----------------------------------------------------------------------------


INTEGRITY_FIELDS = ["purpose", "keys_after_certifying", "require_fullscreen",
                    "flag_leave_count", "flag_away_seconds", "flag_fullscreen_exits",
                    "flag_pastes", "flag_sessions", "flag_offline_seconds"]


class SittingForm(BootstrapFormMixin, forms.ModelForm):
    """A sitting; further brokers are listed one a line, each by e-mail, name, pinyin initials
    or phone or ID tail (a select of thousands would not serve)."""

    further_brokers = forms.CharField(
        label=_("Further brokers"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy("{} {}", BROKER_LIST_HELP,
                              _("Every active broker of the cohort may sit anyway.")),
    )

    class Meta:
        model = Sitting
        fields = ["title", "paper", "cohort", "opens_at", "closes_at", "duration_minutes",
                  "attempts_allowed", "pass_mark", "release_policy", "show_answers",
                  "anonymous_grading", "double_marking", "moderation_threshold", "graders",
                  *INTEGRITY_FIELDS]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs=DATETIME_WIDGET, format=DATETIME_FORMAT),
            "closes_at": forms.DateTimeInput(attrs=DATETIME_WIDGET, format=DATETIME_FORMAT),
            "graders": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["paper"].queryset = Paper.objects.order_by("-created_at")
        # The user's cohorts, and the sitting's own (a listed grader may edit a sitting of a
        # cohort they do not teach).
        cohorts = Q(pk__in=cohorts_visible_to(user).values("pk"))
        if self.instance.cohort_id:
            cohorts |= Q(pk=self.instance.cohort_id)
        self.fields["cohort"].queryset = (Cohort.objects.filter(cohorts)
                                          .select_related("programme").order_by("-starts_on"))
        self.fields["graders"].queryset = (
            User.objects.filter(groups__name=Role.TRAINER, is_active=True)
            .order_by("name_pinyin", "email").distinct()
        )
        self.fields["graders"].label_from_instance = lambda u: u.get_full_name() or u.email
        for name in INTEGRITY_FIELDS:
            # Left out of a post, they keep their defaults (or the sitting's current value).
            self.fields[name].required = False
        self.fields["graders"].help_text = _(
            "Leave empty to let the cohort's trainers grade."
        )
        if self.instance.pk:
            self.fields["further_brokers"].initial = "\n".join(
                self.instance.brokers.order_by("email").values_list("email", flat=True)
            )

    def clean_further_brokers(self) -> list[User]:
        picks = broker_pick_lines(self.cleaned_data.get("further_brokers") or "",
                                  among=broker_users_visible_to(self.user))
        if picks.problems:
            raise forms.ValidationError(picks.problems)
        return picks.users

    def clean(self):
        data = super().clean()
        for name in INTEGRITY_FIELDS:
            if data.get(name) in (None, "") and name not in self.errors:
                field = Sitting._meta.get_field(name)
                if not isinstance(field, django_models.BooleanField):
                    data[name] = getattr(self.instance, name) if self.instance.pk \
                        else field.get_default()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The sitting must close after it opens."))
        if not data.get("cohort") and not data.get("further_brokers") and \
                "further_brokers" not in self.errors:
            self.add_error("cohort", _("Choose a cohort or list the brokers who may sit."))
        if data.get("double_marking"):
            graders = list(data.get("graders") or [])
            cohort = data.get("cohort")
            available = len(graders) if graders else (
                cohort.trainers.count() if cohort else 0)
            if available < 2:
                self.add_error("graders", _("Double marking needs at least two graders."))
        return data


# ---- Grading -----------------------------------------------------------------------------


class MarkForm(forms.Form):
    """A score per rubric criterion (each at most the criterion's points) and a comment."""

    comment = forms.CharField(label=_("Comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))

    def __init__(self, *args, rubric: list[dict[str, Any]], item_points: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.rubric = list(rubric or [])
        self.item_points = Decimal(str(item_points))
        if not self.rubric:
            self.rubric = [{"criterion": str(_("Overall")), "points": self.item_points}]
        for i, row in enumerate(self.rubric):
            points = Decimal(str(row.get("points", 0)))
            self.fields[f"c{i}"] = forms.DecimalField(
                label=row.get("criterion", ""), min_value=Decimal("0"), max_value=points,
                max_digits=6, decimal_places=2,
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.5",
                                                "min": "0", "max": str(points),
                                                "inputmode": "decimal"}),
            )
            self.fields[f"c{i}"].max_points = points

    def criteria_rows(self) -> list[dict[str, Any]]:
        return [{"field": self[f"c{i}"], "criterion": row.get("criterion", ""),
                 "points": row.get("points")} for i, row in enumerate(self.rubric)]

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def cleaned_criteria(self) -> list[dict[str, Any]]:
        return [{"criterion": row.get("criterion", ""), "score": self.cleaned_data[f"c{i}"]}
                for i, row in enumerate(self.rubric)]


class RegradeForm(BootstrapFormMixin, forms.Form):
    score = forms.DecimalField(label=_("New score"), min_value=Decimal("0"), max_digits=6,
                               decimal_places=2)
    reason = forms.CharField(
        label=_("Reason"), min_length=5, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required: the broker's result changes and the audit trail keeps this."),
    )

    def __init__(self, *args, max_points: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].max_value = max_points
        self.fields["score"].validators.append(MaxValueValidator(max_points))
        self.fields["score"].widget.attrs.update({"max": str(max_points), "step": "0.5"})
