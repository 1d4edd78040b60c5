"""Reading notifications, preferences and the reminder log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from academy.links import absolute_url
from academy.people.selectors import mask_phone, user_roles

from ..kinds import Kind, kinds_for_roles
from ..models import Notification, NotificationPreference, QuietHoursOverride, UserSettings


def notifications_of(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s notifications, newest first."""
    queryset = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def unread_count(user: Any) -> int:
    """How many of ``user``'s notifications are unread (one query on the (recipient, read_at)
    index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@dataclass(frozen=True)
class PreferenceRow:
    kind: Kind
    choice: str  # the effective choice (the kind's default if the person chose nothing)
    chosen: bool  # whether the person chose it
    # Whether the kind reaches the person during quiet hours (their choice or the default).
    quiet_override: bool = False

    @property
    def quiet_override_fixed(self) -> bool:
        """The kind offers no choice about quiet hours (always, or never, through)."""
        return not self.kind.quiet_choice


def preferences_of(user: Any) -> list[PreferenceRow]:
    """Every kind ``user`` may get (by role), with their choice and whether it may reach them
    during quiet hours; mandatory kinds included (shown as always on). Two queries."""
    chosen = dict(NotificationPreference.objects.filter(user=user)
                  .values_list("kind", "choice"))
    quiet = dict(QuietHoursOverride.objects.filter(user=user).values_list("kind", "allowed"))
    rows = []
    for kind in kinds_for_roles(user_roles(user)):
        choice = chosen.get(kind.code)
        effective = choice if choice in kind.choices() else kind.default_choice
        rows.append(PreferenceRow(kind=kind, choice=effective,
                                  chosen=choice is not None and not kind.mandatory,
                                  quiet_override=kind.breaks_quiet_hours(quiet.get(kind.code))))
    return rows


def language_of(user: Any) -> str:
    """The language ``user`` chose for e-mails ("" for the site's)."""
    return (UserSettings.objects.filter(user=user).values_list("language", flat=True).first()
            or "")


@dataclass(frozen=True)
class ChannelRow:
    kind: Kind
    sms: bool | None  # None: this kind cannot go by SMS (no approved template, SMS off)
    wecom: bool | None


@dataclass(frozen=True)
class ChannelSettings:
    rows: list[ChannelRow]
    sms_on: bool
    wecom_on: bool
    phone: str  # the verified number, masked ("" when none)
    phone_pending: str  # a number waiting for its code, masked
    wecom_userid: str
    calendar_token: str

    @property
    def calendar_url(self) -> str:
        """The private feed's address ("" before one is made), on the site's address
        (``academy.links``): it is pasted into a calendar app and read from there, not from
        the host name this page happened to be requested by."""
        if not self.calendar_token:
            return ""
        return absolute_url(reverse("calendar_feed", args=[self.calendar_token]))


def channel_settings_of(user: Any) -> ChannelSettings:
    """``user``'s SMS and WeCom choices per kind, their verified number and WeCom id, and
    their calendar token: four queries."""
    from django.utils import timezone

    from ..conf import app_settings
    from ..kinds import EXTRA_CHANNELS, SMS, WECOM
    from ..models import ChannelPreference, PhoneVerification, SmsTemplate

    sms_on = bool(app_settings.NOTIFY_SMS_BACKEND)
    wecom_on = bool(app_settings.NOTIFY_WECOM_BACKEND)
    sms_kinds = set(SmsTemplate.objects.filter(approved=True).values_list("kind", flat=True)) \
        if sms_on else set()
    chosen = set(ChannelPreference.objects.filter(user=user, channel__in=EXTRA_CHANNELS)
                 .values_list("kind", "channel"))
    rows = []
    for kind in kinds_for_roles(user_roles(user)):
        sms = ((kind.code, SMS) in chosen) if kind.code in sms_kinds else None
        wecom = ((kind.code, WECOM) in chosen) if wecom_on and kind.inapp else None
        if sms is not None or wecom is not None:
            rows.append(ChannelRow(kind=kind, sms=sms, wecom=wecom))
    own = UserSettings.objects.filter(user=user).first()
    pending = (PhoneVerification.objects.filter(user=user, verified_at__isnull=True,
                                                expires_at__gt=timezone.now())
               .order_by("-created_at").values_list("phone", flat=True).first() or "")

    return ChannelSettings(
        rows=rows, sms_on=sms_on, wecom_on=wecom_on,
        phone=mask_phone(own.sms_phone) if own and own.sms_phone_verified_at else "",
        phone_pending=mask_phone(pending), wecom_userid=own.wecom_userid if own else "",
        calendar_token=own.calendar_token if own else "",
    )


@dataclass(frozen=True)
class KindPreferences:
    """Everything a person chose for one kind, as the preferences API shows it."""

    kind: Kind
    choice: str  # e-mail, in the app, digest or nothing (the page's main choice)
    sms: bool | None  # None: the kind cannot go by SMS here
    wecom: bool | None  # None: the kind cannot go in WeCom here
    quiet_override: bool
    quiet_override_fixed: bool
    channels: frozenset[str]  # where the kind reaches the person now


@dataclass(frozen=True)
class NotificationPreferences:
    """A person's notification preferences: the language, the site's quiet hours, the
    channels' state and each kind's choices."""

    language: str
    quiet_start: str
    quiet_end: str
    sms_on: bool
    wecom_on: bool
    phone: str  # the verified number, masked
    wecom_userid: str
    kinds: list[KindPreferences]


def notification_preferences_of(user: Any) -> NotificationPreferences:
    """``user``'s preferences as one object (for the API): per kind the main choice, SMS and
    WeCom, the quiet-hours override and the channels the kind reaches them by. The same
    selectors as the preferences page; a constant number of queries."""
    from ..conf import app_settings
    from ..kinds import SMS, WECOM

    channels = channel_settings_of(user)
    extra = {row.kind.code: row for row in channels.rows}
    kinds = []
    for row in preferences_of(user):
        channel_row = extra.get(row.kind.code)
        sms = channel_row.sms if channel_row else None
        wecom = channel_row.wecom if channel_row else None
        reach = set(row.kind.channels(row.choice))
        if sms and channels.phone:
            reach.add(SMS)
        if wecom and channels.wecom_userid:
            reach.add(WECOM)
        kinds.append(KindPreferences(
            kind=row.kind, choice=row.choice, sms=sms, wecom=wecom,
            quiet_override=row.quiet_override, quiet_override_fixed=row.quiet_override_fixed,
            channels=frozenset(reach)))
    return NotificationPreferences(
        language=language_of(user), quiet_start=str(app_settings.NOTIFY_QUIET_START),
        quiet_end=str(app_settings.NOTIFY_QUIET_END), sms_on=channels.sms_on,
        wecom_on=channels.wecom_on, phone=channels.phone, wecom_userid=channels.wecom_userid,
        kinds=kinds)


def notifications_in_language(items: Iterable[Notification], language: str) -> None:
    """Render each notification's title and text in ``language`` (the reader's, which may
    have changed since it was sent) from its kind and the context it was made from: delivery
    stores only the kind's label. No query. A notification without context (delivery
    rendered it), or of a kind no longer registered, keeps its stored text."""
    from ..kinds import get_kind
    from ..rendering import Renderer

    renderer = Renderer()
    for item in items:
        if not item.context:
            continue
        try:
            kind = get_kind(item.kind)
        except KeyError:
            continue
        try:
            item.title, item.body = renderer.title_body(kind, item.context, language)
        except Exception:  # noqa: BLE001, S112 - a template changed since: the stored text stands
            continue
