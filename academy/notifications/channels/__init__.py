"""Delivery channels beyond e-mail and in-app: SMS and WeCom, each a backend chosen in settings.

``ACADEMY_NOTIFY_SMS_BACKEND`` is ``aliyun``, ``tencent``, ``file`` or empty (no SMS);
``ACADEMY_NOTIFY_WECOM_BACKEND`` is ``wecom``, ``file`` or empty. A dotted path to a class
is accepted too. A backend is a small class with ``send(...)`` returning a ``SendResult``
and raising ``TemporaryFailure`` (retried with backoff) or ``PermanentFailure`` (the
reminder fails at once and falls back to another channel); SMS backends also offer
``receipts(rows)`` for delivery receipts polled after sending.

The delivery service (``services.py``) is the only caller: it never imports a provider SDK,
so an installation without SMS loads none of them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from ..conf import app_settings
from .base import ChannelFailure, PermanentFailure, Receipt, SendResult, TemporaryFailure

__all__ = ["ChannelFailure", "PermanentFailure", "Receipt", "SendResult", "TemporaryFailure", "sms_backend",
           "wecom_backend", "reset_backends"]

SMS_BACKENDS = {
    "aliyun": "academy.notifications.channels.sms_aliyun.AliyunSmsBackend",
    "tencent": "academy.notifications.channels.sms_tencent.TencentSmsBackend",
    "file": "academy.notifications.channels.files.FileSmsBackend",
}
WECOM_BACKENDS = {
    "wecom": "academy.notifications.channels.wecom.WecomBackend",
    "file": "academy.notifications.channels.files.FileWecomBackend",
}


def _load(name: str, known: dict[str, str]) -> Any:
    if not name:
        return None
    return import_string(known.get(name, name))()


@cache
def _sms(name: str) -> Any:
    return _load(name, SMS_BACKENDS)


@cache
def _wecom(name: str) -> Any:
    return _load(name, WECOM_BACKENDS)


def sms_backend() -> Any:
    """The configured SMS backend, or None when SMS is off."""
    return _sms(app_settings.NOTIFY_SMS_BACKEND or "")


def wecom_backend() -> Any:
    """The configured WeCom backend, or None when WeCom is off."""
    return _wecom(app_settings.NOTIFY_WECOM_BACKEND or "")


def reset_backends() -> None:
    """Forget the loaded backends (their settings changed: tests, a reconfiguration)."""
    _sms.cache_clear()
    _wecom.cache_clear()
