"""Pages: the notification centre, preferences, manual reminders, template previews.

Thin: check access, validate with a form, call a service, redirect or render.
"""

from __future__ import annotations

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError
from academy.people.selectors import Role, role_required, user_has_role

from . import manual, previews
from .forms import ManualReminderForm, PhoneCodeForm, PhoneForm, PreferencesForm
from .models import Notification
from .rendering import localized_path
from .selectors import (
    channel_settings_of,
    language_of,
    notifications_in_language,
    notifications_of,
    preferences_of,
    unread_count,
)
from .services import (
    calendar_token_reset,
    channel_preferences_set,
    notification_mark_read,
    notifications_mark_all_read,
    phone_verification_confirm,
    phone_verification_remove,
    phone_verification_start,
    preferences_set,
)
from .sweeps import get_manual

PAGE_SIZE = 20


def _next(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@login_required
def centre(request):
    """The person's notifications, newest first; ``?unread=1`` shows only unread ones."""
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notifications_of(request.user, unread_only=unread_only),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    language = get_language()
    notifications_in_language(page.object_list, language)
    for item in page.object_list:
        item.link = localized_path(item.url, language) if item.url else ""
    return render(request, "notifications/centre.html", {
        "page": page,
        "unread_only": unread_only,
        "unread": unread_count(request.user),
        "may_remind": user_has_role(request.user, Role.TRAINER, Role.ADMIN),
    })


@login_required
def open_notification(request, pk: int):
    """Mark the notification read and go to what it is about (a link from the centre and
    from e-mails' digests; only the recipient may open it)."""
    notification = Notification.objects.filter(pk=pk).first()
    if notification is None:
        raise Http404
    if notification.recipient_id != request.user.pk:
        raise PermissionDenied
    notification_mark_read(user=request.user, notification_id=pk)
    if notification.url:
        return redirect(localized_path(notification.url, get_language()))
    return redirect("notifications:centre")


@login_required
@require_POST
def mark_read(request, pk: int):
    if notification_mark_read(user=request.user, notification_id=pk) is None:
        raise Http404
    return redirect(_next(request, "notifications:centre"))


@login_required
@require_POST
def mark_all_read(request):
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect(_next(request, "notifications:centre"))


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


# --- Manual reminders (trainers and administrators) ----------------------------------------------


@role_required(Role.TRAINER, Role.ADMIN)
def remind(request):
    """What the person may remind by hand: per manual reminder, their subjects (cohorts)."""
    return render(request, "notifications/remind.html", {
        "actions": manual.actions_for(request.user),
    })


@role_required(Role.TRAINER, Role.ADMIN)
def remind_preview(request, action: str, subject_id: int):
    """Whom the reminder would reach (and who got it today already); POST sends it."""
    try:
        reminder = get_manual(action)
    except KeyError:
        raise Http404 from None
    if not reminder.may_send(request.user, subject_id):
        raise PermissionDenied
    form = ManualReminderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = manual.manual_send(action=action, subject_id=subject_id, actor=request.user,
                                    message=form.cleaned_data["message"])
        if result.created_people:
            messages.success(request, _("Reminder sent to %(n)s people.")
                             % {"n": result.created_people})
        else:
            messages.info(request, _("Nobody new to remind: everyone concerned got this "
                                     "reminder today already."))
        return redirect("notifications:remind_preview", action=action, subject_id=subject_id)
    return render(request, "notifications/remind_preview.html", {
        "reminder": reminder,
        "subject_id": subject_id,
        "subject_label": reminder.label_of(subject_id),
        "preview": manual.manual_preview(action=action, subject_id=subject_id),
        "form": form,
    })


# --- E-mail template previews (administrators) --------------------------------------------------


@role_required(Role.ADMIN)
def templates_list(request):
    """Every kind with links to its e-mail in each language."""
    return render(request, "notifications/templates.html", {
        "kinds": previews.kinds_with_templates(),
        "languages": settings.LANGUAGES,
    })


@role_required(Role.ADMIN)
def template_preview(request, kind: str, language: str):
    """One kind's e-mail in one language, with its example context: subject, text, HTML."""
    preview = previews.preview(kind, language)
    if preview is None:
        raise Http404
    return render(request, "notifications/template_preview.html", {
        "preview": preview, "languages": settings.LANGUAGES,
    })


@role_required(Role.ADMIN)
@csp_replace({"style-src": [UNSAFE_INLINE], "script-src": [NONE], "img-src": [SELF, "data:"]})
def template_preview_html(request, kind: str, language: str):
    """The HTML part of the e-mail as its own document. E-mail clients need inline styles,
    so this one response allows them (and nothing else: no scripts, no frames)."""
    preview = previews.preview(kind, language)
    if preview is None:
        raise Http404
    return HttpResponse(preview.html)


# --- Calendar feeds ----------------------------------------------------------------------------


def calendar_feed(request, token: str):
    """A person's private iCalendar feed: the secret token in the address is the access
    check (calendar programs cannot log in); a reset token answers 404."""
    from django.utils import translation

    from .calendar import calendar_events_for, calendar_feed_user, calendar_ics

    user = calendar_feed_user(token)
    if user is None:
        raise Http404
    language = language_of(user) or settings.LANGUAGE_CODE
    with translation.override(language):
        body = calendar_ics(calendar_events_for(user), name=_("Broker Academy"),
                            language=language)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
