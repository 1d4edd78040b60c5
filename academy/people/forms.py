"""Forms of the people app."""

from __future__ import annotations

import os

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from .roster import roster_max_bytes


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("An .xlsx workbook or a .csv file (UTF-8 or GBK), with a header row."),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument."
                      "spreadsheetml.sheet,text/csv",
        }),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = os.path.splitext(upload.name or "")[1].lower()
        if extension not in (".xlsx", ".csv", ".txt", ".xls"):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        limit = roster_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB. Split it into smaller files.")
                % {"limit": f"{limit / 1048576:g}"}
            )
        return upload


class InvitationAcceptForm(SetPasswordForm):
    """The two password fields, checked by Django's password validators for this person."""
