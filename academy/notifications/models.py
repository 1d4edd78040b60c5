"""Notifications: the in-app notification centre, the reminder log and people's preferences.

A ``Reminder`` is written *before* anything is sent, one row per (person, kind, subject,
window, channel), unique in the database: that constraint is what makes every reminder
at-most-once whatever runs twice (a sweep, two beat processes, a retried task). Its status
then follows the delivery: ``pending`` → ``sent`` (or ``failed`` after the last attempt, or
``skipped`` when there was nobody to send to).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import kinds as k


class Notification(models.Model):
    """A message in a person's notification centre (in their language when it was made)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notifications", db_index=False,  # the indexes below start with it
    )
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    # What the title and text were rendered from: the notification centre renders them again
    # in the reader's language of the moment (title and body stay as a fallback).
    context = models.JSONField(_("context"), default=dict, blank=True)
    url = models.CharField(
        _("link"), max_length=500, blank=True,
        help_text=_("A path on this site, in the default language (translated when opened)."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Reminder(models.Model):
    """One delivery of one kind of reminder to one person over one channel, logged first."""

    class Channel(models.TextChoices):
        EMAIL = k.EMAIL, _("E-mail")
        INAPP = k.INAPP, _("In the app")
        DIGEST = k.DIGEST, _("Daily digest")
        SMS = k.SMS, _("SMS")
        WECOM = k.WECOM, _("WeCom")

    class Receipt(models.TextChoices):
        NONE = "", _("No receipt")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="reminders", db_index=False,  # the unique constraint starts with it
    )
    kind = models.CharField(_("kind"), max_length=50)
    subject_type = models.CharField(
        _("about (type)"), max_length=60, blank=True,
        help_text=_("The model the reminder is about, e.g. courses.cohortcoursedeadline."),
    )
    subject_id = models.BigIntegerField(_("about (id)"), default=0)
    window = models.CharField(
        _("window"), max_length=100,
        help_text=_("Which occasion of the subject, e.g. due-2026-12-01:7d; one reminder "
                    "per person, kind, subject, window and channel."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    scheduled_for = models.DateTimeField(
        _("send not before"), null=True, blank=True,
        help_text=_("Quiet hours, the digest time or a retry's backoff."),
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # When the e-mail was last handed to a Celery task (or is expected to be, for a retry):
    # ``reminders_send_due`` hands it over again only if that is long past (a lost task).
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True, editable=False)
    # Which call of the delivery service inserted the row: that call, and only it, delivers.
    batch = models.UUIDField(_("batch"), null=True, blank=True, editable=False)
    digest = models.ForeignKey(
        "self", verbose_name=_("sent in digest"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="digest_items",
    )
    # SMS and WeCom: the provider's message id, and what its delivery receipt said.
    provider_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    receipt = models.CharField(_("delivery receipt"), max_length=12, blank=True,
                               choices=Receipt.choices)
    receipt_at = models.DateTimeField(_("receipt received"), null=True, blank=True)
    fallback_of = models.ForeignKey(
        "self", verbose_name=_("instead of"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="fallbacks",
        help_text=_("The reminder on another channel that failed, which this one replaces."),
    )

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "subject_type", "subject_id", "window", "channel"],
                name="notifications_reminder_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="notifications_reminder_sent_has_time",
            ),
        ]
        # Few indexes: sweeps insert tens of thousands of rows at a time. The admin's log is
        # ordered by id (the primary key), not by a date needing an index of its own.
        indexes = [
            # Only the generic (SQLite) insert path sets ``batch``: empty on PostgreSQL.
            models.Index(fields=["batch"], name="notif_reminder_batch",
                         condition=models.Q(batch__isnull=False)),
            # What reminders_send_due and digests_send look for.
            models.Index(fields=["channel", "scheduled_for"], name="notif_reminder_due",
                         condition=models.Q(status="pending")),
            # SMS sent and waiting for their delivery receipt.
            models.Index(fields=["sent_at"], name="notif_reminder_receipt",
                         condition=models.Q(channel="sms", status="sent", receipt="")),
            # Failures (rare) for the administrators' daily notice.
            models.Index(fields=["created_at"], name="notif_reminder_failed",
                         condition=models.Q(status="failed")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.window}, {self.channel})"


class NotificationPreference(models.Model):
    """What a person chose to get for one optional kind (mandatory kinds ignore it)."""

    class Choice(models.TextChoices):
        EMAIL = k.EMAIL, k.CHOICE_LABELS[k.EMAIL]
        INAPP = k.INAPP, k.CHOICE_LABELS[k.INAPP]
        DIGEST = k.DIGEST, k.CHOICE_LABELS[k.DIGEST]
        OFF = k.OFF, k.CHOICE_LABELS[k.OFF]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=50)
    choice = models.CharField(_("choice"), max_length=10, choices=Choice.choices)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"],
                                    name="notifications_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.kind}: {self.choice}"


class UserSettings(models.Model):
    """Per-person settings of this app: the language of their e-mails and notifications."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    language = models.CharField(
        _("language of e-mails"), max_length=10, blank=True, choices=settings.LANGUAGES,
        help_text=_("Empty: the site's language."),
    )
    sms_phone = models.CharField(
        _("verified mobile for SMS"), max_length=20, blank=True,
        help_text=_("Set only by a confirmed verification code; SMS go nowhere else."),
    )
    sms_phone_verified_at = models.DateTimeField(_("mobile verified"), null=True, blank=True)
    wecom_userid = models.CharField(
        _("WeCom user id"), max_length=64, blank=True,
        help_text=_("The member's account id in the bureau's WeCom (企业微信)."),
    )
    calendar_token = models.CharField(
        _("calendar feed token"), max_length=64, blank=True, db_index=True, editable=False,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language or '-'}"


class SmsTemplate(models.Model):
    """The SMS template approved with the provider for one kind, and its variables.

    SMS in China carries only templates the provider approved, with named variables. Each
    variable is filled from the reminder's context by a small Django template, e.g.
    ``{"course": "{{ course }}", "days": "{{ days }}"}``. A kind without an approved
    template is never sent by SMS.
    """

    kind = models.CharField(_("kind"), max_length=50, unique=True)
    template_code = models.CharField(
        _("template code"), max_length=60,
        help_text=_("As the provider assigned it, e.g. SMS_154950909 (Aliyun) or 1234567 "
                    "(Tencent)."))
    variables = models.JSONField(
        _("variables"), default=list, blank=True,
        help_text=_('Pairs of the variable\'s name and what fills it, from the reminder: '
                    '[["course", "{{ course }}"], ["days", "{{ days }}"]]. Tencent uses them '
                    'in this order.'))
    approved = models.BooleanField(
        _("approved by the provider"), default=False,
        help_text=_("Only approved templates are sent."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")

    def __str__(self) -> str:
        return f"{self.kind} → {self.template_code}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from django.template import TemplateSyntaxError, engines

        try:
            k.get_kind(self.kind)
        except KeyError:
            raise ValidationError({"kind": _("No such kind of notification.")}) from None
        if isinstance(self.variables, dict):  # accepted, kept in the order written
            self.variables = [[name, source] for name, source in self.variables.items()]
        if not isinstance(self.variables, list) or not all(
                isinstance(pair, list) and len(pair) == 2
                and all(isinstance(part, str) for part in pair) for pair in self.variables):
            raise ValidationError({"variables": _('Write a list of name and text pairs, e.g. '
                                                  '[["course", "{{ course }}"]].')})
        for name, source in self.variables:
            try:
                engines["django"].from_string(source)
            except TemplateSyntaxError as exc:
                raise ValidationError({"variables": _("“%(name)s”: %(error)s")
                                       % {"name": name, "error": exc}}) from None


class ChannelPreference(models.Model):
    """A person asked to get one kind by SMS or WeCom too (besides e-mail and in-app)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
        related_name="channel_preferences", db_index=False,  # the constraint starts with it
    )
    kind = models.CharField(_("kind"), max_length=50)
    channel = models.CharField(_("channel"), max_length=10, choices=[
        (k.SMS, _("SMS")), (k.WECOM, _("WeCom"))])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["user", "kind", "channel"]
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"],
                                    name="notifications_channel_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.kind}: {self.channel}"


class PhoneVerification(models.Model):
    """A code sent by SMS to prove a number is the person's; only its hash is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
        related_name="phone_verifications",
    )
    phone = models.CharField(_("mobile phone"), max_length=20)
    code_hash = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("wrong guesses"), default=0)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("phone verification")
        verbose_name_plural = _("phone verifications")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.phone}"


class CalendarEventState(models.Model):
    """What calendar feeds last published for one event: its SEQUENCE grows whenever its
    time, title or place change, so calendar programs update the event in place."""

    uid = models.CharField(_("UID"), max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("calendar event")
        verbose_name_plural = _("calendar events")

    def __str__(self) -> str:
        return f"{self.uid} #{self.sequence}"
