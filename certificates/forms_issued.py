"""Forms of certificate verification and administration."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError
from academy.people.models import BrokerProfile, Level
from academy.people.selectors import person_search

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


class CredentialCheckForm(forms.Form):
    """A credential to check: a file (.jwt or .jsonld/.json) or the text pasted."""

    file = forms.FileField(label=_("Credential file"), required=False,
                           widget=forms.ClearableFileInput(attrs={
                               "class": "form-control", "accept": ".jwt,.json,.jsonld,.txt"}))
    pasted = forms.CharField(label=_("Or paste the credential"), required=False,
                             max_length=256 * 1024,
                             widget=forms.Textarea(attrs={"rows": 4, "class": "form-control",
                                                          "spellcheck": "false"}))

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


class HolderDidForm(forms.Form):
    did = forms.CharField(label=_("Your DID"), max_length=500, required=False,
                          widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                        "spellcheck": "false",
                                                        "autocomplete": "off",
                                                        "placeholder": "did:key:z6Mk…"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class ManualIssueForm(forms.Form):
    """An administrator issues a certificate of a level to a broker found by name, pinyin
    initials, e-mail or the tail of their phone or ID number (``people.search``)."""

    broker = forms.CharField(
        label=_("Broker"), max_length=254,
        help_text=_("Type a name, pinyin initials (e.g. wf), an e-mail address or the last "
                    "digits of the phone or ID number, and choose from the suggestions."),
        widget=forms.TextInput(attrs={
            "class": "form-control", "autocomplete": "off",
            "data-person-search": format_lazy("{}?brokers=1",
                                              reverse_lazy("people:person_search")),
            "placeholder": _("e.g. 王芳, wf, 1234")}),
    )
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=Level.objects.order_by("rank"), to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500,
        help_text=_("Recorded in the audit trail and on the certificate."),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def clean_broker(self):
        term = self.cleaned_data["broker"].strip()
        profiles = BrokerProfile.objects.select_related("user", "level")
        profile = profiles.filter(user__email__iexact=term).first()
        if profile is None:
            matches = list(profiles.filter(
                user__in=person_search(term).values("pk")).order_by("user__name_pinyin")[:6])
            if not matches:
                raise forms.ValidationError(_("No broker matches “%(term)s”.") % {"term": term})
            if len(matches) > 1:
                names = "、".join(f"{p.user.get_full_name()} ({p.user.email})"
                                 for p in matches[:5])
                raise forms.ValidationError(
                    _("Several brokers match: %(names)s. Choose one of the suggestions.")
                    % {"names": names})
            profile = matches[0]
        self.profile = profile
        return profile.user


class TorchNumberForm(forms.Form):
    number = forms.CharField(
        label=_("Unified number"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                      "autocomplete": "off", "spellcheck": "false"}),
    )


class FilingForm(forms.Form):
    """What the Torch Centre filing export lists."""

    level = forms.ChoiceField(label=_("Level"), required=False,
                              widget=forms.Select(attrs={"class": "form-select"}))
    include_expired = forms.BooleanField(
        label=_("Include expired certificates"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    missing_number_only = forms.BooleanField(
        label=_("Only certificates without a unified number"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    full_id = forms.BooleanField(
        label=_("National ID numbers in full"), required=False,
        help_text=_("Administrators only; the export is recorded in the audit trail."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, levels=(), allow_full_id: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("Intermediate and senior"))] + [
            (level.code, level.display_name) for level in levels]
        if not allow_full_id:
            del self.fields["full_id"]


class EcertExportForm(forms.Form):
    """What the electronic licence metadata export lists."""

    level = forms.ChoiceField(label=_("Level"), required=False,
                              widget=forms.Select(attrs={"class": "form-select"}))
    full_id = forms.BooleanField(
        label=_("National ID numbers in full"), required=False,
        help_text=_("Administrators only; the export is recorded in the audit trail."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, levels=(), allow_full_id: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("All levels"))] + [
            (level.code, level.display_name) for level in levels]
        if not allow_full_id:
            del self.fields["full_id"]
