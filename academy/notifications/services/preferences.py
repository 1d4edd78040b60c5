"""A person's notification preferences: what each kind reaches them by, and when.

``notification_preferences_update`` is the one place the rules live, for the preferences page
and the REST API alike: per kind the main choice (e-mail, in the app, a digest or nothing),
SMS and WeCom on top, and whether the kind may reach the person during quiet hours; and the
language of their messages. It checks every change first and saves all of them or none, so a
refusal names each field that was wrong (the page shows the messages beside the fields, the
API answers 400 with them).

The rules: only the kinds of the person's roles; a mandatory kind's choice does not change;
a choice must be one the kind offers; SMS only for a kind with an approved SMS template, while
SMS is on, and only to a verified mobile number; WeCom only while WeCom is on and for a kind
with a text; a kind whose quiet-hours behaviour is fixed keeps it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from academy.errors import ApplicationError

from .. import kinds as k
from ..kinds import get_kind
from ..models import ChannelPreference, NotificationPreference, QuietHoursOverride, UserSettings


@dataclass(frozen=True)
class KindPreferenceChange:
    """What to change for one kind; None leaves that part as it is."""

    choice: str | None = None
    sms: bool | None = None
    wecom: bool | None = None
    quiet_override: bool | None = None


#: ``{"language": [message], "kinds": {code: [message] | {part: [message]}}}``
PreferenceErrors = dict[str, Any]


def _kind_errors(*, change: KindPreferenceChange, kind: k.Kind, current_choice: str,
                 sms_offered: bool, phone_verified: bool, wecom_offered: bool
                 ) -> dict[str, list[str]]:
    """The problems of one kind's change, by part (choice, sms, wecom, quiet_override)."""
    errors: dict[str, list[str]] = defaultdict(list)
    if change.choice is not None and change.choice != current_choice:
        if kind.mandatory:
            errors["choice"].append(
                _("This kind of notification cannot be turned off or changed."))
        elif change.choice not in kind.choices():
            errors["choice"].append(_("Not a choice for this kind: %(choice)s.")
                                    % {"choice": change.choice})
    if change.sms:
        if not sms_offered:
            errors["sms"].append(_("This kind of notification cannot be sent by SMS (it has "
                                   "no approved SMS template, or SMS is off)."))
        elif not phone_verified:
            errors["sms"].append(_("Confirm a mobile number before choosing SMS."))
    if change.wecom and not wecom_offered:
        errors["wecom"].append(_("This kind of notification cannot be sent in WeCom."))
    if change.quiet_override is not None and not kind.quiet_choice \
            and change.quiet_override != kind.urgent:
        errors["quiet_override"].append(
            _("This kind always reaches you, quiet hours or not.") if kind.urgent
            else _("This kind never reaches you during quiet hours."))
    return dict(errors)


def _check(*, user: Any, kinds: Mapping[str, KindPreferenceChange], language: str | None
           ) -> PreferenceErrors:
    """Every problem of the changes asked for (empty: all may be saved)."""
    from ..selectors import channel_settings_of, preferences_of

    errors: PreferenceErrors = {}
    if language is not None and language and language not in {c for c, _n in
                                                               settings.LANGUAGES}:
        errors["language"] = [_("Unknown language.")]
    rows = {row.kind.code: row for row in preferences_of(user)}
    channels = channel_settings_of(user) if any(
        c.sms or c.wecom for c in kinds.values()) else None
    offered = {row.kind.code: row for row in channels.rows} if channels else {}
    kind_errors: dict[str, Any] = {}
    for code, change in kinds.items():
        row = rows.get(code)
        if row is None:
            kind_errors[code] = [_("Unknown kind of notification.")]
            continue
        channel_row = offered.get(code)
        problems = _kind_errors(
            change=change, kind=row.kind, current_choice=row.choice,
            sms_offered=channel_row is not None and channel_row.sms is not None,
            phone_verified=bool(channels and channels.phone),
            wecom_offered=channel_row is not None and channel_row.wecom is not None)
        if problems:
            kind_errors[code] = problems
    if kind_errors:
        errors["kinds"] = kind_errors
    return errors


def notification_preferences_update(*, user: Any,
                                    kinds: Mapping[str, KindPreferenceChange] | None = None,
                                    language: str | None = None) -> None:
    """Change ``user``'s preferences: per kind code what ``kinds`` says, and the language of
    their messages (None: unchanged; "": the site's). All or nothing: on any problem raises
    ``ApplicationError`` whose ``extra["fields"]`` lists every problem by field (see
    ``PreferenceErrors``) and saves nothing."""
    kinds = kinds or {}
    errors = _check(user=user, kinds=kinds, language=language)
    if errors:
        raise ApplicationError(_("Some of these choices cannot be saved."),
                               extra={"fields": errors})
    with transaction.atomic():
        for code, change in kinds.items():
            kind = get_kind(code)
            if change.choice is not None and not kind.mandatory:
                _choice_save(user=user, kind=kind, choice=change.choice)
            for channel, wanted in ((k.SMS, change.sms), (k.WECOM, change.wecom)):
                if wanted:
                    ChannelPreference.objects.get_or_create(user=user, kind=code,
                                                            channel=channel)
                elif wanted is not None:
                    ChannelPreference.objects.filter(user=user, kind=code,
                                                     channel=channel).delete()
            if change.quiet_override is not None and kind.quiet_choice:
                if change.quiet_override == kind.urgent:
                    QuietHoursOverride.objects.filter(user=user, kind=code).delete()
                else:
                    QuietHoursOverride.objects.update_or_create(
                        user=user, kind=code, defaults={"allowed": change.quiet_override})
        if language is not None:
            UserSettings.objects.update_or_create(user=user, defaults={"language": language})


def _choice_save(*, user: Any, kind: k.Kind, choice: str) -> None:
    """Store a kind's choice (its default as "no preference")."""
    if choice == kind.default_choice:
        NotificationPreference.objects.filter(user=user, kind=kind.code).delete()
    else:
        NotificationPreference.objects.update_or_create(user=user, kind=kind.code,
                                                        defaults={"choice": choice})


def preferences_set(*, user: Any, choices: Mapping[str, str], language: str | None = None
                    ) -> None:
    """Save ``user``'s choices per optional kind (mandatory and unknown kinds are ignored;
    a kind's default choice is stored as "no preference") and the language of their e-mails.
    Lenient (for the demo and scripts): the page and the API use
    ``notification_preferences_update``, which refuses what this ignores."""
    with transaction.atomic():
        for code, choice in choices.items():
            try:
                kind = get_kind(code)
            except KeyError:
                continue
            if kind.mandatory or choice not in kind.choices():
                continue
            _choice_save(user=user, kind=kind, choice=choice)
        if language is not None:
            UserSettings.objects.update_or_create(
                user=user, defaults={"language": language if language in
                                     {c for c, _n in settings.LANGUAGES} else ""})


def channel_preferences_set(*, user: Any, chosen: Iterable[tuple[str, str]]) -> None:
    """Replace ``user``'s SMS and WeCom choices with ``chosen`` ((kind, channel) pairs);
    unknown kinds and channels are ignored. Lenient like ``preferences_set``: no check of
    templates or the phone (the page and the API use ``notification_preferences_update``)."""
    from ..kinds import all_kinds

    known = {kind.code for kind in all_kinds()}
    wanted = {(kind, channel) for kind, channel in chosen
              if kind in known and channel in k.EXTRA_CHANNELS}
    with transaction.atomic():
        existing = set(ChannelPreference.objects.filter(user=user)
                       .values_list("kind", "channel"))
        for kind, channel in existing - wanted:
            ChannelPreference.objects.filter(user=user, kind=kind, channel=channel).delete()
        ChannelPreference.objects.bulk_create(
            [ChannelPreference(user=user, kind=kind, channel=channel)
             for kind, channel in wanted - existing], ignore_conflicts=True)
