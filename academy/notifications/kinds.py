"""The registry of notification kinds.

A kind is what a reminder is about ("a course deadline approaching", "a result released"):
who may get it, whether people may turn it off, whether it may break quiet hours, what people
get when they chose nothing, and which templates render it. Each app registers its own kinds
in its ``reminders.py`` module (imported when this app is ready, see ``apps.py``)::

    from academy.notifications.kinds import Kind, register_kind

    DEADLINE = register_kind(Kind(
        code="course_deadline", label=_("Course deadline approaching"),
        roles=frozenset({"broker"}),
    ))

Templates (``notifications/kinds/<code>_subject.txt`` and ``_body.txt``, optionally
``_body.html``) receive the reminder's context plus ``url`` (absolute) and ``name`` (the
recipient's); they are rendered in the recipient's language. The subject is also the in-app
title and the plain body the in-app text.

What a person may choose for an optional kind (``NotificationPreference.choice``):

- ``email``: an e-mail straight away (after quiet hours) and the in-app notification;
- ``inapp``: only the in-app notification;
- ``digest``: the in-app notification, and the item in one daily digest e-mail;
- ``off``: nothing.

Mandatory kinds (exam windows, results, certificates, security) ignore preferences.

Quiet hours (``NOTIFY_QUIET_START`` to ``NOTIFY_QUIET_END``) hold e-mails, SMS and WeCom
messages until they end. Whether a kind may reach someone during them is that person's choice
per kind (``QuietHoursOverride``), on by default for urgent kinds and off otherwise; a kind
registered with ``quiet_choice=False`` offers no choice: it always reaches people (``urgent``:
the digest, a verification code) or never does during quiet hours (the never-urgent kinds: a
daily list, a nudge after weeks of inactivity).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EMAIL = "email"
INAPP = "inapp"
DIGEST = "digest"
OFF = "off"
# Channels a person adds per kind on top of their choice (``ChannelPreference``).
SMS = "sms"
WECOM = "wecom"
EXTRA_CHANNELS = (SMS, WECOM)

CHANNELS = (EMAIL, INAPP, DIGEST)
CHOICES = (EMAIL, INAPP, DIGEST, OFF)
CHOICE_LABELS = {
    EMAIL: _("E-mail and in the app"),
    INAPP: _("Only in the app"),
    DIGEST: _("In the app, and in a daily e-mail digest"),
    OFF: _("Nothing"),
}
_CHANNELS_OF_CHOICE = {
    EMAIL: frozenset({INAPP, EMAIL}),
    INAPP: frozenset({INAPP}),
    DIGEST: frozenset({INAPP, DIGEST}),
    OFF: frozenset(),
}


@dataclass(frozen=True)
class Kind:
    """One kind of notification (see the module docstring)."""

    code: str
    label: str | Promise
    roles: frozenset[str]
    description: str | Promise = ""
    mandatory: bool = False
    # Urgent kinds reach people during quiet hours too (an exam window closing at dawn),
    # unless they chose otherwise: ``urgent`` is the default of that choice.
    urgent: bool = False
    # Whether people may choose if the kind reaches them during quiet hours. False: fixed to
    # ``urgent`` (never-urgent kinds wait for the morning whatever anyone chooses).
    quiet_choice: bool = True
    # What people get without a preference (and always, for mandatory kinds).
    default_choice: str = EMAIL
    # Whether the kind exists as an e-mail / as an in-app notification at all.
    email: bool = True
    inapp: bool = True
    # Template base name; empty: ``notifications/kinds/<code>``.
    template: str = ""
    # The app that registered it (for the admin's template previews).
    app: str = field(default="", compare=False)
    # Example context for the template previews in the admin.
    sample: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.default_choice not in CHOICES:
            raise ValueError(f"{self.code}: unknown default choice {self.default_choice!r}")
        if self.mandatory and self.default_choice == OFF:
            raise ValueError(f"{self.code}: a mandatory kind cannot default to nothing")

    @property
    def template_base(self) -> str:
        return self.template or f"notifications/kinds/{self.code}"

    @property
    def subject_template(self) -> str:
        return f"{self.template_base}_subject.txt"

    @property
    def body_template(self) -> str:
        return f"{self.template_base}_body.txt"

    @property
    def html_template(self) -> str:
        """An optional HTML body of its own; the generic layout wraps the plain body if absent."""
        return f"{self.template_base}_body.html"

    def allowed(self) -> frozenset[str]:
        channels = set()
        if self.email:
            channels |= {EMAIL, DIGEST}
        if self.inapp:
            channels.add(INAPP)
        return frozenset(channels)

    def choices(self) -> tuple[str, ...]:
        """What a person may choose for this kind (nothing to choose if mandatory)."""
        if self.mandatory:
            return ()
        allowed = self.allowed()
        return tuple(c for c in CHOICES if c == OFF or _CHANNELS_OF_CHOICE[c] <= allowed
                     and _CHANNELS_OF_CHOICE[c])

    def breaks_quiet_hours(self, chosen: bool | None) -> bool:
        """Whether the kind reaches a person during quiet hours, given what they chose
        (None: nothing, the kind's default). A kind without the choice ignores it."""
        if not self.quiet_choice or chosen is None:
            return self.urgent
        return chosen

    def channels(self, choice: str | None) -> frozenset[str]:
        """The channels a person gets for ``choice`` (their preference, None if they have
        none). Mandatory kinds ignore the preference."""
        if self.mandatory or choice not in CHOICES or (choice not in self.choices()):
            choice = self.default_choice
        return _CHANNELS_OF_CHOICE[choice] & self.allowed()


_registry: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    """Add ``kind`` to the registry (registering the same kind again is harmless)."""
    existing = _registry.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"Notification kind {kind.code!r} is registered twice, differently")
    _registry[kind.code] = kind
    return kind


def get_kind(code: str) -> Kind:
    """The registered kind ``code``; KeyError if no app registered it."""
    return _registry[code]


def all_kinds() -> list[Kind]:
    """Every registered kind, in registration order."""
    return list(_registry.values())


def kinds_for_roles(roles: frozenset[str] | set[str]) -> list[Kind]:
    """The kinds people with ``roles`` may get (for the preferences page)."""
    return [k for k in _registry.values() if k.roles & set(roles)]


# --- The kinds of this app ---------------------------------------------------------------------

DAILY_DIGEST = register_kind(Kind(
    code="daily_digest",
    label=_("Daily digest"),
    description=_("One e-mail a day with the notifications you chose to get as a digest."),
    roles=frozenset({"broker", "trainer", "auditor", "admin"}),
    # Sent at the digest time people expect, quiet hours or not.
    mandatory=True, urgent=True, quiet_choice=False, inapp=False, app="notifications",
    sample={"count": 2, "items": [
        {"title": "Course “技术合同认定登记实务” is due in 3 days", "url": "/courses/programme/"},
        {"title": "Your broker has not been active for 21 days", "url": "/courses/programme/"},
    ]},
))

DELIVERY_FAILED = register_kind(Kind(
    code="delivery_failed",
    label=_("E-mails that could not be delivered"),
    description=_("Administrators: reminder e-mails that failed for good and may be re-sent."),
    roles=frozenset({"admin"}),
    default_choice=INAPP, quiet_choice=False, app="notifications",
    sample={"count": 3},
))

PHONE_VERIFICATION = register_kind(Kind(
    code="phone_verification",
    label=_("Phone verification code"),
    description=_("The SMS code that confirms a mobile number; sent only when asked for."),
    roles=frozenset(),
    mandatory=True, urgent=True, quiet_choice=False, email=False, inapp=False,
    app="notifications",
    sample={"code": "204817", "minutes": 10},
))
