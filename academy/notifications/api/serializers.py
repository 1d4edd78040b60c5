"""Serializers of the notifications API."""

from __future__ import annotations

from django.utils.translation import get_language
from rest_framework import serializers

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
