"""What was told to whom: the in-app notification and the reminder log.

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

from .. import kinds as k


class Notification(models.Model):
    """A message in a person's notification centre. Its title and text are rendered when it
    is read, in the reader's language, from its kind and context; delivery stores the kind's
    label as ``title`` (older notifications hold their text as it was made)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notifications", db_index=False,  # the indexes below start with it
    )
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    # What the title and text are rendered from (title and body are the fallback when the
    # kind is no longer registered).
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
