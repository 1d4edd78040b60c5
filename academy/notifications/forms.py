"""Forms of the notification pages (Bootstrap classes from ``academy.forms``)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from academy.forms import BootstrapFormMixin

from .kinds import CHOICE_LABELS
from .selectors import PreferenceRow
from .services import KindPreferenceChange


class PreferencesForm(BootstrapFormMixin, forms.Form):
    """One choice per optional kind the person may get, per kind whether it may reach them
    during quiet hours (where the kind offers that choice), and the language of their
    e-mails. The rules are the service's (``notification_preferences_update``): its refusals
    come back here through ``add_service_errors``."""

    language = forms.ChoiceField(
        label=_("Language of e-mails and notifications"), required=False,
        choices=[("", _("The site's language (Chinese)"))] + list(settings.LANGUAGES),
    )

    def __init__(self, *args, rows: list[PreferenceRow], language: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.fields["language"].initial = language
        for row in rows:
            if row.kind.mandatory:
                continue
            self.fields[f"kind_{row.kind.code}"] = forms.ChoiceField(
                label=row.kind.label, help_text=row.kind.description, initial=row.choice,
                choices=[(c, CHOICE_LABELS[c]) for c in row.kind.choices()],
            )
        for row in rows:
            if row.quiet_override_fixed:
                continue
            self.fields[f"quiet_{row.kind.code}"] = forms.BooleanField(
                label=row.kind.label, required=False, initial=row.quiet_override,
            )
        self.bootstrap_widgets()

    def kind_fields(self):
        return [self[name] for name in self.fields if name.startswith("kind_")]

    def quiet_fields(self):
        return [self[name] for name in self.fields if name.startswith("quiet_")]

    def choices(self) -> dict[str, str]:
        return {name.removeprefix("kind_"): value for name, value in self.cleaned_data.items()
                if name.startswith("kind_")}

    def changes(self) -> dict[str, KindPreferenceChange]:
        """The changes for ``notification_preferences_update``: per kind, the choice and the
        quiet-hours override the form shows."""
        codes = {name.split("_", 1)[1] for name in self.fields
                 if name.startswith(("kind_", "quiet_"))}
        return {code: KindPreferenceChange(
            choice=self.cleaned_data.get(f"kind_{code}"),
            quiet_override=self.cleaned_data.get(f"quiet_{code}")
            if f"quiet_{code}" in self.fields else None) for code in codes}

    def add_service_errors(self, errors: dict) -> None:
        """Show the service's refusals beside the fields they concern."""
        for message in errors.get("language", []):
            self.add_error("language", message)
        parts = {"choice": "kind_", "quiet_override": "quiet_"}
        for code, problems in errors.get("kinds", {}).items():
            if isinstance(problems, list):
                self.add_error(None, f"{code}: {' '.join(map(str, problems))}")
                continue
            for part, messages in problems.items():
                name = f"{parts.get(part, 'kind_')}{code}"
                self.add_error(name if name in self.fields else None, " ".join(messages))


class ManualReminderForm(BootstrapFormMixin, forms.Form):
    message = forms.CharField(
        label=_("Your message (optional)"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the reminder, with your name."),
    )


class PhoneForm(BootstrapFormMixin, forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class PhoneCodeForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"), max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric",
                                      "autocomplete": "one-time-code"}),
    )
