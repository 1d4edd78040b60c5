"""Serializers of the notifications API."""

from __future__ import annotations

from django.utils.translation import get_language
from rest_framework import serializers

from .. import kinds as k
from ..models import Notification
from ..rendering import absolute_url


class NotificationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Absolute link, in the caller's language.")
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_url(self, obj: Notification) -> str:
        return absolute_url(obj.url, get_language()) if obj.url else ""


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class KindPreferenceSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    mandatory = serializers.BooleanField()
    choice = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())


class PreferencesSerializer(serializers.Serializer):
    language = serializers.CharField(allow_blank=True)
    kinds = KindPreferenceSerializer(many=True, read_only=True)


class PreferencesUpdateSerializer(serializers.Serializer):
    language = serializers.CharField(allow_blank=True, required=False)
    choices = serializers.DictField(child=serializers.CharField(), required=False,
                                    help_text='{"course_deadline": "digest", ...}')


# --- /api/v1/me/notification-preferences/ ---------------------------------------------------------

CHANNEL_HELP = ("Where this kind reaches the caller now: email, inapp, digest, sms, wecom "
                "(from the choice, SMS and WeCom, a verified number and a linked WeCom account).")


class MyKindPreferenceSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    mandatory = serializers.BooleanField(
        read_only=True, help_text="Always sent: the choice cannot change.")
    choice = serializers.ChoiceField(
        choices=list(k.CHOICES),
        help_text="email (e-mail and in the app), inapp (only in the app), digest (in the app "
                  "and the daily digest e-mail) or off.")
    choices = serializers.ListField(child=serializers.CharField(), read_only=True,
                                    help_text="The choices this kind offers (none if mandatory).")
    sms = serializers.BooleanField(
        allow_null=True,
        help_text="Also by SMS. null: the kind cannot go by SMS here (no approved template, "
                  "or SMS is off).")
    wecom = serializers.BooleanField(
        allow_null=True, help_text="Also in WeCom. null: the kind cannot go in WeCom here.")
    quiet_hours_override = serializers.BooleanField(
        help_text="Whether the kind's e-mails, SMS and WeCom messages reach the caller during "
                  "quiet hours (otherwise they wait until quiet hours end). Default: on for "
                  "urgent kinds, off otherwise.")
    quiet_hours_override_fixed = serializers.BooleanField(
        read_only=True, help_text="The kind offers no choice about quiet hours.")
    channels = serializers.ListField(child=serializers.CharField(), read_only=True,
                                     help_text=CHANNEL_HELP)


class QuietHoursSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="HH:MM, in the site's time zone.")
    end = serializers.CharField(help_text="HH:MM, in the site's time zone.")


class MyNotificationPreferencesSerializer(serializers.Serializer):
    language = serializers.CharField(allow_blank=True,
                                     help_text='The language of messages ("": the site\'s).')
    quiet_hours = QuietHoursSerializer(
        read_only=True, help_text="The site's quiet hours (set by the bureau, not per person).")
    sms_available = serializers.BooleanField(read_only=True)
    wecom_available = serializers.BooleanField(read_only=True)
    phone = serializers.CharField(read_only=True,
                                  help_text='The verified mobile number, masked ("": none).')
    wecom_linked = serializers.BooleanField(read_only=True)
    kinds = MyKindPreferenceSerializer(many=True, read_only=True)


class MyKindPreferenceChangeSerializer(serializers.Serializer):
    """What to change for one kind; a field left out stays as it is."""

    choice = serializers.CharField(required=False)
    sms = serializers.BooleanField(required=False)
    wecom = serializers.BooleanField(required=False)
    quiet_hours_override = serializers.BooleanField(required=False)


class MyNotificationPreferencesUpdateSerializer(serializers.Serializer):
    language = serializers.CharField(allow_blank=True, required=False)
    kinds = serializers.DictField(
        child=MyKindPreferenceChangeSerializer(), required=False,
        help_text='By kind code: {"course_deadline": {"choice": "digest", "sms": true, '
                  '"quiet_hours_override": false}}.')
