"""Forms of the certificates pages: requirement sets, verification, administration of issued
certificates, the certificate design and bulk runs.

Every form takes its Bootstrap classes from ``academy.forms.BootstrapFormMixin``; only the
small variants (``bootstrap_size = "sm"``) and attributes other than the class are set here.
"""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError
from academy.forms import BROKER_SEARCH_HELP, BootstrapFormMixin, BrokerSearchInput
from academy.people.models import BrokerProfile, Level
from academy.people.selectors import broker_pick

from .models import RequirementSet
from .models.designs import EDITABLE_FIELDS, CertificateDesign
from .services import serial_clean

# --- Requirement sets -----------------------------------------------------------------------

class AssignRequirementSetForm(BootstrapFormMixin, forms.Form):
    """An admin moves a broker to another version of the requirements."""

    requirement_set = forms.ModelChoiceField(
        label=_("Requirement set"), queryset=RequirementSet.objects.none(),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=True,
    )

    def __init__(self, *args, level_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement_set"].queryset = RequirementSet.objects.filter(
            level_id=level_id, effective_from__isnull=False
        ).order_by("-version")


# --- Verification and issued certificates ---------------------------------------------------

class SerialLookupForm(BootstrapFormMixin, forms.Form):
    serial = forms.CharField(
        label=_("Serial number"), max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "placeholder": "4112-M-2026-00001H"}),
    )

    def clean_serial(self) -> str:
        try:
            return serial_clean(self.cleaned_data["serial"])
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc)) from exc


class CredentialCheckForm(BootstrapFormMixin, forms.Form):
    """A credential to check: a file (.jwt or .jsonld/.json) or the text pasted."""

    file = forms.FileField(label=_("Credential file"), required=False,
                           widget=forms.ClearableFileInput(attrs={
                               "accept": ".jwt,.json,.jsonld,.txt"}))
    pasted = forms.CharField(label=_("Or paste the credential"), required=False,
                             max_length=256 * 1024,
                             widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}))

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > 256 * 1024:
                raise forms.ValidationError(_("The file is too large to be a credential."))
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(
                    _("The file is not a text credential (VC-JWT or JSON-LD).")) from exc
        else:
            data["text"] = (data.get("pasted") or "").strip()
        if not data["text"].strip():
            raise forms.ValidationError(_("Choose a credential file or paste a credential."))
        return data


class HolderDidForm(BootstrapFormMixin, forms.Form):
    bootstrap_size = "sm"

    did = forms.CharField(label=_("Your DID"), max_length=500, required=False,
                          widget=forms.TextInput(attrs={"spellcheck": "false",
                                                        "autocomplete": "off",
                                                        "placeholder": "did:key:z6Mk…"}))


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OptionalReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ManualIssueForm(BootstrapFormMixin, forms.Form):
    """An administrator issues a certificate of a level to a broker found by name, pinyin
    initials, e-mail or the tail of their phone or ID number (``people.search``)."""

    broker = forms.CharField(label=_("Broker"), max_length=254, help_text=BROKER_SEARCH_HELP,
                             widget=BrokerSearchInput())
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=Level.objects.order_by("rank"), to_field_name="code",
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500,
        help_text=_("Recorded in the audit trail and on the certificate."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Set by the preview page: the administrator has seen the broker's readiness.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_broker(self):
        try:
            user = broker_pick(self.cleaned_data["broker"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        self.profile = BrokerProfile.objects.select_related("user", "level").get(user=user)
        return user


class TorchNumberForm(BootstrapFormMixin, forms.Form):
    bootstrap_size = "sm"

    number = forms.CharField(
        label=_("Unified number"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class FilingForm(BootstrapFormMixin, forms.Form):
    """What the Torch Centre filing export lists."""

    level = forms.ChoiceField(label=_("Level"), required=False)
    include_expired = forms.BooleanField(
        label=_("Include expired certificates"), required=False)
    missing_number_only = forms.BooleanField(
        label=_("Only certificates without a unified number"), required=False)
    full_id = forms.BooleanField(
        label=_("National ID numbers in full"), required=False,
        help_text=_("Administrators only; the export is recorded in the audit trail."))

    def __init__(self, *args, levels=(), allow_full_id: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("Intermediate and senior"))] + [
            (level.code, level.display_name) for level in levels]
        if not allow_full_id:
            del self.fields["full_id"]


class EcertExportForm(BootstrapFormMixin, forms.Form):
    """What the electronic licence metadata export lists."""

    level = forms.ChoiceField(label=_("Level"), required=False)
    full_id = forms.BooleanField(
        label=_("National ID numbers in full"), required=False,
        help_text=_("Administrators only; the export is recorded in the audit trail."))

    def __init__(self, *args, levels=(), allow_full_id: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("All levels"))] + [
            (level.code, level.display_name) for level in levels]
        if not allow_full_id:
            del self.fields["full_id"]


# --- Certificate design and bulk runs -------------------------------------------------------

class DesignForm(BootstrapFormMixin, forms.ModelForm):
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


class RerenderForm(BootstrapFormMixin, forms.Form):
    include_inactive = forms.BooleanField(
        label=_("Also revoked and renewed certificates"), required=False,
        help_text=_("Usually only valid and expired certificates, which holders download."),
    )


class CohortIssueForm(BootstrapFormMixin, forms.Form):
    cohort = forms.ModelChoiceField(label=_("Cohort"), queryset=None,
                                    empty_label=_("Choose a cohort"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from courses.models import Cohort

        self.fields["cohort"].queryset = (Cohort.objects.select_related("programme__to_level")
                                          .order_by("-starts_on", "code"))
        self.fields["cohort"].label_from_instance = lambda cohort: (
            f"{cohort.name} · {cohort.programme.to_level.name}")
