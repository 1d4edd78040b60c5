"""The forms of the talent pool pages: the filter bars (small Bootstrap controls, as the bars
are dense), the background export request, and the registered totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.urls import reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from academy.forms import BootstrapFormMixin
from academy.people.models import Level, Organisation, Region
from courses.models import Cohort

if TYPE_CHECKING:  # the selectors import these forms (export kinds parse with them)
    from .selectors import TalentFilters


class SuggestInput(forms.TextInput):
    """A text input with a ``<datalist>`` that talent.js fills from ``suggest_url`` (JSON
    ``{"results": [{"id", "name"}]}``) as the user types, scoped to the form's region.

    Replaces a ``<select>`` of every organisation (1,800 options, a third of the dashboard's
    bytes at 100,000 brokers). Without JavaScript the user types the name; the field accepts
    a name or an id.
    """

    def __init__(self, *, suggest_url: str, attrs=None):
        super().__init__(attrs)
        self.suggest_url = suggest_url

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        list_id = f"{final_attrs.get('id') or name}-options"
        final_attrs.update({"list": list_id, "autocomplete": "off",
                            "data-suggest-url": reverse(self.suggest_url)})
        value = self.format_value(value)
        if value is not None:
            final_attrs["value"] = value
        return format_html('<input type="text" name="{}"{}><datalist id="{}"></datalist>',
                           name, flatatt(final_attrs), list_id)


class SuggestedChoiceField(forms.ModelChoiceField):
    """A row typed in a text input with suggestions (``SuggestInput``) instead of chosen from
    a ``<select>`` of every row: given by its key (``key_field``: the drill-down links, the
    API) or its name (``name_field``, any case), shown as ``display_field``.

    A value that is both a key and another row's name means the row with that name.
    """

    def __init__(self, *, queryset, suggest_url: str, key_field: str, display_field: str,
                 name_field: str = "name", **kwargs):
        super().__init__(queryset=queryset, widget=SuggestInput(suggest_url=suggest_url),
                         **kwargs)
        self.key_field, self.display_field, self.name_field = (
            key_field, display_field, name_field)
        self._chosen = None

    def _key_lookup(self, value: str) -> Q | None:
        if self.key_field == "pk":
            return Q(pk=int(value)) if value.isdigit() else None
        return Q(**{f"{self.key_field}__iexact": value})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        match = Q(**{f"{self.name_field}__iexact": value})
        by_key = self._key_lookup(value)
        if by_key is not None:
            match |= by_key
        candidates = list(self.queryset.filter(match)[:3])
        named = [c for c in candidates if getattr(c, self.name_field).lower() == value.lower()]
        keyed = [c for c in candidates if c not in named]
        if len(named) == 1 or (not named and len(keyed) == 1):
            self._chosen = (named or keyed)[0]
            return self._chosen
        raise forms.ValidationError(self.error_messages["invalid_choice"],
                                    code="invalid_choice", params={"value": value})

    def prepare_value(self, value):
        """What the input shows, whether the query gave the key or the name."""
        if isinstance(value, self.queryset.model):
            return getattr(value, self.display_field)
        chosen = self._chosen
        if chosen is not None and str(value).strip().lower() in (
                str(getattr(chosen, self.key_field)).lower(),
                getattr(chosen, self.name_field).lower()):
            return getattr(chosen, self.display_field)
        if value not in self.empty_values and self.key_field == "pk" and str(value).isdigit():
            row = self.queryset.filter(pk=int(value)).first()
            return getattr(row, self.display_field) if row else value
        return value


class TalentFilterForm(BootstrapFormMixin, forms.Form):
    """Period, region, organisation, cohort, level: the filters every figure honours."""

    bootstrap_size = "sm"

    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(),
                                    to_field_name="code", required=False,
                                    empty_label=_("All regions"))
    organisation = SuggestedChoiceField(
        label=_("Organisation"), required=False,
        queryset=Organisation.objects.only("name"), suggest_url="talent:organisation_options",
        key_field="pk", display_field="name",
        error_messages={"invalid_choice": _(
            "No organisation has that name: choose one of the suggestions.")})
    # Cohorts' names may repeat: the input shows the code (a unique name works too).
    cohort = SuggestedChoiceField(
        label=_("Cohort"), required=False, queryset=Cohort.objects.only("code", "name"),
        suggest_url="talent:cohort_options", key_field="code", display_field="code",
        error_messages={"invalid_choice": _(
            "No cohort has that code or name: choose one of the suggestions.")})
    level = forms.ModelChoiceField(label=_("Level"), queryset=Level.objects.all(),
                                   to_field_name="code", required=False,
                                   empty_label=_("All levels"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].widget.attrs["placeholder"] = _("All organisations")
        self.fields["cohort"].widget.attrs["placeholder"] = _("All cohorts")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data

    def filters(self) -> TalentFilters:
        """The valid filters (an invalid form filters nothing: its errors show inline)."""
        from .selectors import TalentFilters

        if not self.is_valid():
            return TalentFilters()
        data = self.cleaned_data
        return TalentFilters(
            date_from=data.get("date_from"), date_to=data.get("date_to"),
            region=data.get("region"), organisation=data.get("organisation"),
            cohort=data.get("cohort"), level=data.get("level"),
        )


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    """The audit trail viewer's filters."""

    bootstrap_size = "sm"

    actor = forms.CharField(label=_("Actor"), required=False,
                            help_text=_("Name, pinyin initials or e-mail address."))
    action = forms.ChoiceField(label=_("What happened"), required=False)
    subject = forms.CharField(label=_("Subject"), required=False)
    person = forms.CharField(
        label=_("Person concerned"), required=False, max_length=100,
        help_text=_("Name, pinyin initials, e-mail, or the last digits of the phone or ID "
                    "number."),
        widget=forms.TextInput(attrs={"data-person-search": reverse_lazy("people:person_search"),
                                      "placeholder": _("e.g. 王芳, wf, 1234")}))
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from .selectors import action_choices

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Anything")), *action_choices()]


class ExportRequestForm(forms.Form):
    """A background export: which kind, which format, and the list's own query string."""

    kind = forms.ChoiceField(choices=())
    file_format = forms.ChoiceField(choices=[("xlsx", "XLSX"), ("csv", "CSV")], initial="xlsx")
    query = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        from .selectors import KINDS

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, str(v.label)) for k, v in KINDS.items()]


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (``<input type="month">``), kept as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        date = super().to_python(value)
        return date.replace(day=1) if date else date


class RegisteredTotalForm(BootstrapFormMixin, forms.Form):
    """A region's registered totals for one month."""

    bootstrap_size = "sm"

    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all())
    month = MonthField(label=_("Month"), help_text=_("As registered, e.g. 2025-03."))
    deal_count = forms.IntegerField(label=_("Registered contracts"), min_value=0)
    contract_amount = forms.DecimalField(label=_("Contract amount (yuan)"), min_value=0,
                                         max_digits=16, decimal_places=2)
    technical_income = forms.DecimalField(
        label=_("Certified technical income (yuan)"), min_value=0, max_digits=16,
        decimal_places=2, required=False, help_text=_("Leave empty if not registered."))
    note = forms.CharField(label=_("Source or note"), max_length=300, required=False)

