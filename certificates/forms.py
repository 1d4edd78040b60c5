"""Forms of the certification pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RequirementSet


class AssignRequirementSetForm(forms.Form):
    """An admin moves a broker to another version of the requirements."""

    requirement_set = forms.ModelChoiceField(
        label=_("Requirement set"), queryset=RequirementSet.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=True,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, level_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement_set"].queryset = RequirementSet.objects.filter(
            level_id=level_id, effective_from__isnull=False
        ).order_by("-version")
