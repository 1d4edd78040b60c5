"""Forms of the certificate design pages and of the bulk runs."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .designs import EDITABLE_FIELDS, CertificateDesign


class DesignForm(forms.ModelForm):
    """The draft's texts, colours, border, images and QR position. The model's validators
    (placeholders, colours, PNG/JPEG images of at most 1 MB) give the inline errors."""

    class Meta:
        model = CertificateDesign
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "ink_colour": forms.TextInput(attrs={"type": "color"}),
            "accent_colour": forms.TextInput(attrs={"type": "color"}),
            "seal": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
            "logo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
        }

    def service_values(self) -> dict:
        """The cleaned data as ``design_draft_save`` takes it (images: a new upload, False to
        clear, None to keep)."""
        values = dict(self.cleaned_data)
        for name in ("seal", "logo"):
            value = values.get(name)
            if value is not False and not isinstance(value, UploadedFile):
                values[name] = None  # unchanged: the stored file, or nothing
        return values


class RerenderForm(forms.Form):
    include_inactive = forms.BooleanField(
        label=_("Also revoked and renewed certificates"), required=False,
        help_text=_("Usually only valid and expired certificates, which holders download."),
    )


class CohortIssueForm(forms.Form):
    cohort = forms.ModelChoiceField(label=_("Cohort"), queryset=None,
                                    empty_label=_("Choose a cohort"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from courses.models import Cohort

        self.fields["cohort"].queryset = (Cohort.objects.select_related("programme__to_level")
                                          .order_by("-starts_on", "code"))
        self.fields["cohort"].label_from_instance = lambda cohort: (
            f"{cohort.name} · {cohort.programme.to_level.name}")
