"""Forms of the practice-record pages (the broker's form and the admin's review)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError
from academy.forms import BootstrapFormMixin

from ..conf import app_settings
from ..models import PracticeRecord
from .selectors import RECORD_FIELDS, evidence_content_type, registration_number_normalise


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class PracticeRecordForm(BootstrapFormMixin, forms.ModelForm):
    """The broker's record: the contract's facts, evidence files, draft or submit."""

    evidence = MultipleFileField(
        label=_("Evidence files"), required=False,
        help_text=_("The registration certificate, the contract's signature pages: PDF, JPEG or "
                    "PNG, up to %(mb)s MB each."),
    )
    remove_evidence = forms.MultipleChoiceField(
        label=_("Remove files"), required=False, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PracticeRecord
        fields = list(RECORD_FIELDS)
        widgets = {
            "contract_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "contract_amount": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
            "technical_income": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mb = f"{app_settings.PRACTICE_EVIDENCE_MAX_BYTES / 1048576:g}"
        self.fields["evidence"].help_text = self.fields["evidence"].help_text % {"mb": mb}
        self.fields["evidence"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"
        existing = list(self.instance.evidence.all()) if self.instance.pk else []
        self.existing_evidence = existing
        self.fields["remove_evidence"].choices = [(str(e.pk), e.original_name) for e in existing]
        if not existing:
            del self.fields["remove_evidence"]

    def clean_registration_number(self) -> str:
        value = registration_number_normalise(self.cleaned_data.get("registration_number", ""))
        if not value:
            raise forms.ValidationError(_("Enter the contract's registration number."))
        return value

    def clean_contract_date(self):
        value = self.cleaned_data.get("contract_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The contract date cannot be in the future."))
        return value

    def clean_evidence(self):
        files = self.cleaned_data.get("evidence") or []
        errors = []
        for upload in files:
            try:
                evidence_content_type(upload)
            except ApplicationError as exc:
                errors.append(str(exc))
        if errors:
            raise forms.ValidationError(errors)
        return files

    def clean(self):
        cleaned = super().clean()
        amount, income = cleaned.get("contract_amount"), cleaned.get("technical_income")
        if amount is not None and income is not None and income > amount:
            self.add_error("technical_income", _(
                "The certified technical income cannot exceed the contract amount."
            ))
        return cleaned

    def record_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in RECORD_FIELDS}


class PracticeReviewForm(BootstrapFormMixin, forms.Form):
    """The admin's decision on a submitted record."""

    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
    )
    revision = forms.IntegerField(
        min_value=0, widget=forms.HiddenInput,
        error_messages={"required": _("The revision you decided on is missing: open the "
                                      "record again and review it.")})
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting: the broker sees it and can correct the record."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Say why the record is rejected."))
        return cleaned
