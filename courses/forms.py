"""Forms of the course pages: authoring, enrolment, attendance, cohort filters."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError
from academy.forms import (
    BROKER_LIST_HELP,
    BROKER_SEARCH_HELP,
    BootstrapFormMixin,
    BrokerSearchInput,
)
from academy.people.models import Level, Organisation, Region, User
from academy.people.selectors import broker_pick, broker_pick_lines

from .models import Course, CreditMethod, Lesson, Module, OfflineSession


class CourseForm(BootstrapFormMixin, forms.ModelForm):
    """A new course: its title, code, area, level and summary (it starts as a draft)."""

    class Meta:
        model = Course
        fields = ["title", "code", "area", "level", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"code": _("Letters, digits and hyphens, e.g. tech-transfer-basics.")}


class ModuleForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Module
        fields = ["title", "requires"]

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Module.objects.filter(course=course).order_by("order", "pk")
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        self.fields["requires"].queryset = qs
        self.fields["requires"].required = False


def check_questions_parse(text: str) -> list[dict]:
    """Check questions from the editor's plain-text format: a question on one line, then its
    options, one per line, starting with ``-`` (wrong) or ``*`` (right); a blank line between
    questions."""
    questions: list[dict] = []
    for block in [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]:
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        question, options, answer = lines[0], [], None
        for line in lines[1:]:
            if line[:1] not in "-*":
                raise forms.ValidationError(
                    _("Start each option with - (wrong) or * (right): “%(line)s”."),
                    params={"line": line})
            if line.startswith("*"):
                if answer is not None:
                    raise forms.ValidationError(
                        _("“%(question)s” has more than one right option."),
                        params={"question": question})
                answer = len(options)
            options.append(line[1:].strip())
        if len(options) < 2 or answer is None:
            raise forms.ValidationError(
                _("“%(question)s” needs at least two options, one of them marked * (right)."),
                params={"question": question})
        questions.append({"question": question, "options": options, "answer": answer})
    return questions


def check_questions_format(questions: list[dict]) -> str:
    blocks = []
    for q in questions or []:
        lines = [q.get("question", "")]
        lines += [("* " if i == q.get("answer") else "- ") + str(o)
                  for i, o in enumerate(q.get("options", []))]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


class LessonForm(BootstrapFormMixin, forms.ModelForm):
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https",
                               help_text=Lesson._meta.get_field("video_url").help_text)
    check_text = forms.CharField(
        label=_("Check questions"), required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}),
        help_text=_("For lessons credited by a check. One question per paragraph: the question "
                    "on the first line, then one option per line starting with - (wrong) or "
                    "* (right)."),
    )

    VIDEO_MAX_BYTES = 500 * 1024 * 1024
    VIDEO_TYPES = (".mp4", ".webm", ".ogv", ".m4v")

    class Meta:
        model = Lesson
        fields = ["title", "body", "video_url", "video_file", "video_seconds", "credit_method",
                  "class_hours", "estimated_minutes", "requires"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16, "class": "font-monospace"}),
                   "video_file": forms.ClearableFileInput(
                       attrs={"accept": "video/mp4,video/webm,video/ogg"})}

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        qs = (Lesson.objects.filter(module__course=course)
              .select_related("module").order_by("module__order", "order", "pk"))
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        self.fields["requires"].queryset = qs
        self.fields["requires"].required = False
        self.fields["requires"].label_from_instance = lambda x: f"{x.module.title} · {x.title}"
        self.fields["credit_method"].required = False
        if self.instance.pk and not self.is_bound:
            self.initial["check_text"] = check_questions_format(self.instance.check_questions)

    def clean_video_file(self):
        upload = self.cleaned_data.get("video_file")
        if upload and hasattr(upload, "size") and getattr(upload, "content_type", None):
            if upload.size > self.VIDEO_MAX_BYTES:
                raise forms.ValidationError(_("A video may be at most 500 MB."))
            if not upload.name.lower().endswith(self.VIDEO_TYPES):
                raise forms.ValidationError(_("Upload an MP4 or WebM video."))
        return upload

    def clean_check_text(self):
        return check_questions_parse(self.cleaned_data.get("check_text") or "")

    def clean(self):
        data = super().clean()
        method = data.get("credit_method") or CreditMethod.TIME
        data["credit_method"] = method
        if method == CreditMethod.VIDEO:
            if not data.get("video_file"):
                self.add_error("credit_method", _(
                    "Only a video the academy hosts can be checked: upload the file, or choose "
                    "time, a check or attendance (an external link credits nothing by itself)."))
            elif not data.get("video_seconds"):
                self.add_error("video_seconds", _("Give the video's length in seconds."))
        if method == CreditMethod.CHECK and not data.get("check_text"):
            self.add_error("check_text", _("Write at least one check question."))
        return data


class AttachmentForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))

    MAX_BYTES = 50 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("Attachments may be at most 50 MB."))
        return upload


class EnrolOneForm(BootstrapFormMixin, forms.Form):
    """One broker, found by name, pinyin initials, e-mail or phone or ID tail."""

    broker = forms.CharField(label=_("Broker"), max_length=254, help_text=BROKER_SEARCH_HELP,
                             widget=BrokerSearchInput())

    def clean_broker(self) -> User:
        try:
            return broker_pick(self.cleaned_data["broker"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc


class EnrolBulkForm(BootstrapFormMixin, forms.Form):
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=Level.objects.all(), required=False, to_field_name="code"
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), required=False, to_field_name="code"
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all(), required=False
    )
    brokers = forms.CharField(
        label=_("Or a list of brokers"), required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=BROKER_LIST_HELP,
    )

    def clean_brokers(self) -> list[User]:
        picks = broker_pick_lines(self.cleaned_data.get("brokers") or "")
        if picks.problems:
            raise forms.ValidationError(picks.problems)
        return picks.users

    def clean(self):
        data = super().clean()
        if "brokers" not in self.errors and not any(
                data.get(k) for k in ("level", "region", "organisation", "brokers")):
            raise forms.ValidationError(
                _("Choose a level, region or organisation, or list brokers.")
            )
        return data


class CohortFilterForm(forms.Form):
    SORTS = [
        ("name", _("Name")),
        ("progress", _("Progress")),
        ("hours", _("Class hours")),
        ("overdue", _("Overdue")),
        ("activity", _("Last activity")),
    ]
    q = forms.CharField(label=_("Search"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)
    desc = forms.BooleanField(label=_("Descending"), required=False)
    overdue = forms.BooleanField(label=_("Only with overdue courses"), required=False)


class OfflineSessionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = OfflineSession
        fields = ["title", "course", "place", "class_hours", "starts_at", "ends_at",
                  "checkin_opens_at", "checkin_closes_at"]
        widgets = {
            name: forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
            for name in ("starts_at", "ends_at", "checkin_opens_at", "checkin_closes_at")
        }

    # Check-in opens this long before the start and closes this long after it, unless the
    # trainer sets other times.
    CHECKIN_BEFORE = datetime.timedelta(minutes=30)
    CHECKIN_AFTER = datetime.timedelta(minutes=30)

    def __init__(self, *args, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = cohort.programme.courses.all()
        self.fields["course"].required = False
        for name in ("ends_at", "checkin_opens_at", "checkin_closes_at"):
            self.fields[name].required = False
        self.fields["ends_at"].help_text = _("Empty: the start plus the class hours.")
        self.fields["checkin_opens_at"].help_text = _("Empty: 30 minutes before the start.")
        self.fields["checkin_closes_at"].help_text = _("Empty: 30 minutes after the start.")
        if not self.is_bound and not self.instance.pk:
            self.initial.update(self.default_times(cohort))

    @classmethod
    def default_times(cls, cohort) -> dict[str, datetime.datetime]:
        """Tomorrow (or the cohort's first day, if later) 09:00 local time, for four class
        hours, check-in from half an hour before to half an hour after the start."""
        from django.utils import timezone

        day = max(timezone.localdate() + datetime.timedelta(days=1), cohort.starts_on)
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
        return {"starts_at": starts, "ends_at": starts + datetime.timedelta(hours=4),
                "checkin_opens_at": starts - cls.CHECKIN_BEFORE,
                "checkin_closes_at": starts + cls.CHECKIN_AFTER}

    def clean(self):
        data = super().clean()
        starts = data.get("starts_at")
        if starts and not data.get("ends_at"):
            hours = data.get("class_hours") or Decimal("4")
            data["ends_at"] = starts + datetime.timedelta(minutes=int(hours * 60))
        if starts and not data.get("checkin_opens_at"):
            data["checkin_opens_at"] = starts - self.CHECKIN_BEFORE
        if starts and not data.get("checkin_closes_at"):
            data["checkin_closes_at"] = starts + self.CHECKIN_AFTER
        starts, ends = data.get("starts_at"), data.get("ends_at")
        opens, closes = data.get("checkin_opens_at"), data.get("checkin_closes_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The session cannot end before it starts."))
        if opens and closes and closes <= opens:
            self.add_error("checkin_closes_at", _("Check-in must close after it opens."))
        return data
