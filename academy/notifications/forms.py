"""Forms of the notification pages (Bootstrap classes from ``academy.forms``)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from academy.forms import BootstrapFormMixin

from .kinds import CHOICE_LABELS
from .selectors import PreferenceRow


class PreferencesForm(BootstrapFormMixin, forms.Form):
    """One choice per optional kind the person may get, and the language of their e-mails."""

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
        self.bootstrap_widgets()

    def kind_fields(self):
        return [self[name] for name in self.fields if name.startswith("kind_")]

    def choices(self) -> dict[str, str]:
        return {name.removeprefix("kind_"): value for name, value in self.cleaned_data.items()
                if name.startswith("kind_")}


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
