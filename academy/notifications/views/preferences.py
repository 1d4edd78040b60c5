"""A person's settings: kinds by e-mail, in the app or by digest, SMS and WeCom, the
verified phone number, the secret calendar address."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError

from ..forms import PhoneCodeForm, PhoneForm, PreferencesForm
from ..selectors import channel_settings_of, language_of, preferences_of
from ..services import (
    calendar_token_reset,
    channel_preferences_set,
    phone_verification_confirm,
    phone_verification_remove,
    phone_verification_start,
    preferences_set,
)


@login_required
def preferences(request):
    """Per optional kind: e-mail, in the app only, a daily digest, or nothing."""
    rows = preferences_of(request.user)
    form = PreferencesForm(request.POST or None, rows=rows, language=language_of(request.user))
    if request.method == "POST" and form.is_valid():
        preferences_set(user=request.user, choices=form.choices(),
                        language=form.cleaned_data["language"])
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    channels = channel_settings_of(request.user)
    return render(request, "notifications/preferences.html", {
        "form": form,
        "mandatory": [row for row in rows if row.kind.mandatory],
        "channels": channels,
        "phone_form": PhoneForm(),
        "code_form": PhoneCodeForm(),
        "calendar_url": request.build_absolute_uri(
            reverse("calendar_feed", args=[channels.calendar_token]))
        if channels.calendar_token else "",
    })


@login_required
@require_POST
def preferences_channels(request):
    """Per kind, SMS and WeCom on or off (checkboxes named ``<channel>:<kind>``); only what
    the page offered that person counts (their roles' kinds, approved templates)."""
    offered = set()
    for row in channel_settings_of(request.user).rows:
        if row.sms is not None:
            offered.add((row.kind.code, "sms"))
        if row.wecom is not None:
            offered.add((row.kind.code, "wecom"))
    chosen = [pair for pair in (tuple(name.split(":", 1)[::-1]) for name in request.POST
                                if name.startswith(("sms:", "wecom:"))) if pair in offered]
    channel_preferences_set(user=request.user, chosen=chosen)
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
