"""Forms of certificate verification and administration."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError

from .serials import serial_clean


class SerialLookupForm(forms.Form):
    serial = forms.CharField(
        label=_("Serial number"), max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "placeholder": "4112-M-2026-00001H",
                                      "class": "form-control"}),
    )

    def clean_serial(self) -> str:
        try:
            return serial_clean(self.cleaned_data["serial"])
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc)) from exc


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
