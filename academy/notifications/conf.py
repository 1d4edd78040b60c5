"""Tunables of reminders and notifications, with their documented defaults.

Override any of them in settings with the same name (``academy/settings/base.py`` reads them
from the environment, prefix ``ACADEMY_NOTIFY_``). Times are wall-clock times in
``TIME_ZONE`` (Asia/Shanghai).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Quiet hours: non-urgent e-mails created in this span wait until it ends.
    "ACADEMY_NOTIFY_QUIET_START": "22:00",
    "ACADEMY_NOTIFY_QUIET_END": "07:00",
    # When the daily digest e-mail of the people who chose "digest" goes out.
    "ACADEMY_NOTIFY_DIGEST_TIME": "08:00",
    # Days before a course or cohort deadline at which brokers behind are reminded.
    "ACADEMY_NOTIFY_DEADLINE_DAYS": [7, 3, 1],
    # Days before a certificate expires at which its holder is reminded.
    "ACADEMY_NOTIFY_EXPIRY_DAYS": [90, 30, 7],
    # Days without any activity, in an active cohort, before a broker is nudged (and again
    # after each further such span).
    "ACADEMY_NOTIFY_INACTIVITY_DAYS": 21,
    # Days an answer may wait in a grading queue before its graders are reminded.
    "ACADEMY_NOTIFY_GRADING_BACKLOG_DAYS": 3,
    # Days after an invitation was sent before the invitee is reminded (once).
    "ACADEMY_NOTIFY_INVITATION_DAYS": 3,
    # Days a practice record may wait for review before admins are reminded (daily).
    "ACADEMY_NOTIFY_PRACTICE_REVIEW_DAYS": 3,
    # Hours ahead at which an exam window's opening and closing are announced.
    "ACADEMY_NOTIFY_EXAM_NOTICE_HOURS": 24,
    # How far back the safety-net sweeps look for events whose signal may have been missed.
    "ACADEMY_NOTIFY_LOOKBACK_DAYS": 3,
    # E-mail delivery attempts before a reminder is recorded as failed.
    "ACADEMY_NOTIFY_MAX_ATTEMPTS": 6,
    # First retry delay (seconds), doubled on each attempt up to the maximum.
    "ACADEMY_NOTIFY_RETRY_SECONDS": 60,
    "ACADEMY_NOTIFY_RETRY_MAX_SECONDS": 3600,
    # A pending e-mail whose task has not run after this many seconds is queued again.
    "ACADEMY_NOTIFY_STALE_SECONDS": 600,
    # Rows per batch in sweeps and in the delivery service.
    "ACADEMY_NOTIFY_BATCH_SIZE": 2000,
    # SMS backend: "aliyun", "tencent", "file" (writes to ACADEMY_NOTIFY_SMS_FILE_DIR) or ""
    # (no SMS); a dotted path to a class is accepted too (channels/__init__.py).
    "ACADEMY_NOTIFY_SMS_BACKEND": "",
    # WeCom backend: "wecom", "file" (writes to ACADEMY_NOTIFY_WECOM_FILE_DIR) or "".
    "ACADEMY_NOTIFY_WECOM_BACKEND": "",
    "ACADEMY_NOTIFY_SMS_FILE_DIR": str(settings.BASE_DIR / "var" / "sms"),
    "ACADEMY_NOTIFY_WECOM_FILE_DIR": str(settings.BASE_DIR / "var" / "wecom"),
    # The signature (签名) SMS providers print before every message; approved with them.
    "ACADEMY_NOTIFY_SMS_SIGN_NAME": "三门峡市科技局",
    # SMS and WeCom delivery attempts before the reminder fails and falls back to another
    # channel (a provider outage should not hold a reminder back for hours).
    "ACADEMY_NOTIFY_CHANNEL_MAX_ATTEMPTS": 3,
    # Longest value of one SMS template variable (Aliyun allows 35 characters).
    "ACADEMY_NOTIFY_SMS_VARIABLE_MAX": 35,
    # Phone verification: the code's life (seconds), wrong guesses allowed, and the least
    # time between two codes for one person.
    "ACADEMY_NOTIFY_PHONE_CODE_SECONDS": 600,
    "ACADEMY_NOTIFY_PHONE_CODE_ATTEMPTS": 5,
    "ACADEMY_NOTIFY_PHONE_CODE_INTERVAL": 60,
    # How long after sending SMS receipts are still asked for.
    "ACADEMY_NOTIFY_RECEIPT_HOURS": 48,
    # Aliyun SMS (channels/sms_aliyun.py).
    "ACADEMY_NOTIFY_ALIYUN_ACCESS_KEY_ID": "",
    "ACADEMY_NOTIFY_ALIYUN_ACCESS_KEY_SECRET": "",
    "ACADEMY_NOTIFY_ALIYUN_ENDPOINT": "dysmsapi.aliyuncs.com",
    "ACADEMY_NOTIFY_ALIYUN_PROTOCOL": "https",
    # Tencent Cloud SMS (channels/sms_tencent.py).
    "ACADEMY_NOTIFY_TENCENT_SECRET_ID": "",
    "ACADEMY_NOTIFY_TENCENT_SECRET_KEY": "",
    "ACADEMY_NOTIFY_TENCENT_SMS_APP_ID": "",
    "ACADEMY_NOTIFY_TENCENT_REGION": "ap-guangzhou",
    "ACADEMY_NOTIFY_TENCENT_ENDPOINT": "sms.tencentcloudapi.com",
    "ACADEMY_NOTIFY_TENCENT_PROTOCOL": "https",
    # WeCom application messages (channels/wecom.py).
    "ACADEMY_NOTIFY_WECOM_CORP_ID": "",
    "ACADEMY_NOTIFY_WECOM_SECRET": "",
    "ACADEMY_NOTIFY_WECOM_AGENT_ID": 0,
    "ACADEMY_NOTIFY_WECOM_BASE_URL": "https://qyapi.weixin.qq.com",
}


def get(name: str) -> Any:
    """The setting ``name``, or its documented default."""
    return getattr(settings, name, DEFAULTS[name])
