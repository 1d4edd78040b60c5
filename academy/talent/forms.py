"""The filter forms of the talent pool pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from academy.people.models import Level, Organisation, Region
from courses.models import Cohort

from .selectors import TalentFilters
from .widgets import QuickSelect


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css + " form-control-sm"
                                      if css == "form-control" else css + " form-select-sm")


class TalentFilterForm(forms.Form):
    """Period, region, organisation, cohort, level: the filters every figure honours."""

    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(),
                                    to_field_name="code", required=False,
                                    empty_label=_("All regions"))
    organisation = forms.ModelChoiceField(label=_("Organisation"),
                                          queryset=Organisation.objects.only("name"),
                                          required=False, empty_label=_("All organisations"),
                                          widget=QuickSelect)
    cohort = forms.ModelChoiceField(label=_("Cohort"),
                                    queryset=Cohort.objects.only("code", "name"),
                                    to_field_name="code", required=False,
                                    empty_label=_("All cohorts"), widget=QuickSelect)
    level = forms.ModelChoiceField(label=_("Level"), queryset=Level.objects.all(),
                                   to_field_name="code", required=False,
                                   empty_label=_("All levels"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data

    def filters(self) -> TalentFilters:
        """The valid filters (an invalid form filters nothing: its errors show inline)."""
        if not self.is_valid():
            return TalentFilters()
        data = self.cleaned_data
        return TalentFilters(
            date_from=data.get("date_from"), date_to=data.get("date_to"),
            region=data.get("region"), organisation=data.get("organisation"),
            cohort=data.get("cohort"), level=data.get("level"),
        )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False,
                            help_text=_("E-mail address or part of it."))
    action = forms.CharField(label=_("Action"), required=False)
    subject = forms.CharField(label=_("Subject"), required=False)
    person = forms.IntegerField(label=_("Person (user id)"), required=False, min_value=1)
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ExportRequestForm(forms.Form):
    """A background export: which kind, which format, and the list's own query string."""

    kind = forms.ChoiceField(choices=())
    file_format = forms.ChoiceField(choices=[("xlsx", "XLSX"), ("csv", "CSV")], initial="xlsx")
    query = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        from .export_kinds import KINDS

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, str(v.label)) for k, v in KINDS.items()]


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (``<input type="month">``), kept as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        date = super().to_python(value)
        return date.replace(day=1) if date else date


class RegisteredTotalForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all())
    month = MonthField(label=_("Month"), help_text=_("As registered, e.g. 2025-03."))
    deal_count = forms.IntegerField(label=_("Registered contracts"), min_value=0)
    contract_amount = forms.DecimalField(label=_("Contract amount (yuan)"), min_value=0,
                                         max_digits=16, decimal_places=2)
    technical_income = forms.DecimalField(
        label=_("Certified technical income (yuan)"), min_value=0, max_digits=16,
        decimal_places=2, required=False, help_text=_("Leave empty if not registered."))
    note = forms.CharField(label=_("Source or note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)
