"""A person's settings: kinds by e-mail, in the app or by digest, SMS and WeCom, which kinds
may arrive during quiet hours, the verified phone number, the secret calendar address. The
rules are the service's (``notification_preferences_update``), shared with the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError

from ..forms import PhoneCodeForm, PhoneForm, PreferencesForm
from ..selectors import channel_settings_of, language_of, notify_conf, preferences_of
from ..services import (
    KindPreferenceChange,
    calendar_token_reset,
    notification_preferences_update,
    phone_verification_confirm,
    phone_verification_remove,
    phone_verification_start,
)


@login_required
def preferences(request):
    """Per optional kind: e-mail, in the app only, a daily digest, or nothing; per kind
    whether it may reach the person during quiet hours."""
    rows = preferences_of(request.user)
    form = PreferencesForm(request.POST or None, rows=rows, language=language_of(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            notification_preferences_update(user=request.user, kinds=form.changes(),
                                            language=form.cleaned_data["language"])
        except ApplicationError as error:
            form.add_service_errors(error.extra.get("fields", {}))
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    channels = channel_settings_of(request.user)
    return render(request, "notifications/preferences.html", {
        "form": form,
        "mandatory": [row for row in rows if row.kind.mandatory],
        "fixed_quiet": [row for row in rows if row.quiet_override_fixed
                        and row.kind.email],
        "quiet_start": notify_conf.NOTIFY_QUIET_START,
        "quiet_end": notify_conf.NOTIFY_QUIET_END,
        "channels": channels,
        "phone_form": PhoneForm(),
        "code_form": PhoneCodeForm(),
        "calendar_url": channels.calendar_url,
    })


@login_required
@require_POST
def preferences_channels(request):
    """Per kind, SMS and WeCom on or off (checkboxes named ``<channel>:<kind>``) for the kinds
    the page offered; the service refuses what the person may not choose (SMS without a
    verified number, a kind without an approved template)."""
    channels = channel_settings_of(request.user)
    changes = {}
    for row in channels.rows:
        code = row.kind.code
        changes[code] = KindPreferenceChange(
            # Without a verified number the SMS boxes are disabled: nothing to change there.
            sms=f"sms:{code}" in request.POST if row.sms is not None and channels.phone
            else None,
            wecom=f"wecom:{code}" in request.POST if row.wecom is not None else None)
    try:
        notification_preferences_update(user=request.user, kinds=changes)
    except ApplicationError as error:
        for code, problems in error.extra.get("fields", {}).get("kinds", {}).items():
            label = next((row.kind.label for row in channels.rows if row.kind.code == code),
                         code)
            for part in problems.values() if isinstance(problems, dict) else [problems]:
                messages.error(request, f"{label}: {' '.join(map(str, part))}")
    else:
        messages.success(request, _("Your SMS and WeCom choices are saved."))
    return redirect(reverse("notifications:preferences") + "#channels")


@login_required
@require_POST
def phone_start(request):
    """Send a verification code to the number typed."""
    form = PhoneForm(request.POST)
    if form.is_valid():
        try:
            phone_verification_start(user=request.user, phone=form.cleaned_data["phone"])
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("A code is on its way by SMS. Enter it below."))
    else:
        messages.error(request, _("Enter your mobile number."))
    return redirect(reverse("notifications:preferences") + "#channels")


@login_required
@require_POST
def phone_confirm(request):
    form = PhoneCodeForm(request.POST)
    if form.is_valid():
        try:
            phone_verification_confirm(user=request.user, code=form.cleaned_data["code"])
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your mobile number is verified: SMS can go to it."))
    else:
        messages.error(request, _("Enter the code from the SMS."))
    return redirect(reverse("notifications:preferences") + "#channels")


@login_required
@require_POST
def phone_remove(request):
    phone_verification_remove(user=request.user)
    messages.success(request, _("No more SMS will be sent to you."))
    return redirect(reverse("notifications:preferences") + "#channels")


@login_required
@require_POST
def calendar_reset(request):
    """A new secret feed address; the old one stops working."""
    calendar_token_reset(user=request.user)
    messages.success(request, _("Your calendar has a new address. Subscribe to it again; "
                                "the old one no longer works."))
    return redirect(reverse("notifications:preferences") + "#calendar")
