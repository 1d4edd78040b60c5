"""What each person chose: per kind, e-mail, in the app, a digest or nothing; SMS and WeCom;
whether the kind may reach them during quiet hours; their language, verified phone number and
calendar address."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import kinds as k


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


class QuietHoursOverride(models.Model):
    """A person's choice, differing from the kind's default, of whether one kind may reach
    them during quiet hours (no row: the default, on for urgent kinds and off otherwise)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
        related_name="quiet_hours_overrides", db_index=False,  # the constraint starts with it
    )
    kind = models.CharField(_("kind"), max_length=50)
    allowed = models.BooleanField(
        _("may arrive during quiet hours"),
        help_text=_("Whether this kind's e-mails, SMS and WeCom messages reach the person "
                    "during quiet hours or wait until they end."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = _("quiet hours choice")
        verbose_name_plural = _("quiet hours choices")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"],
                                    name="notifications_quiet_override_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.kind}: {self.allowed}"


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
