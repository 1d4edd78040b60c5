"""Tunables of reminders and notifications, with their documented defaults.

Read as ``app_settings.NOTIFY_…``: a settings module (or a test) may set the full
``ACADEMY_NOTIFY_…`` name, a deployment the environment variable without ``ACADEMY_``
(``NOTIFY_QUIET_START=23:00``); see ``academy/appconf.py``. Times are wall-clock times in
``TIME_ZONE`` (Asia/Shanghai).
"""

from __future__ import annotations

from django.conf import settings

from academy.appconf import AppSettings

app_settings = AppSettings("ACADEMY_", {
    # Quiet hours: non-urgent e-mails created in this span wait until it ends.
    "NOTIFY_QUIET_START": "22:00",
    "NOTIFY_QUIET_END": "07:00",
    # When the daily digest e-mail of the people who chose "digest" goes out.
    "NOTIFY_DIGEST_TIME": "08:00",
    # Days before a course or cohort deadline at which brokers behind are reminded.
    "NOTIFY_DEADLINE_DAYS": [7, 3, 1],
    # Days before a certificate expires at which its holder is reminded.
    "NOTIFY_EXPIRY_DAYS": [90, 30, 7],
    # Days without any activity, in an active cohort, before a broker is nudged (and again
    # after each further such span).
    "NOTIFY_INACTIVITY_DAYS": 21,
    # Days an answer may wait in a grading queue before its graders are reminded.
    "NOTIFY_GRADING_BACKLOG_DAYS": 3,
    # Days after an invitation was sent before the invitee is reminded (once).
    "NOTIFY_INVITATION_DAYS": 3,
    # Days a practice record may wait for review before admins are reminded (daily).
    "NOTIFY_PRACTICE_REVIEW_DAYS": 3,
    # Hours ahead at which an exam window's opening and closing are announced.
    "NOTIFY_EXAM_NOTICE_HOURS": 24,
    # How far back the safety-net sweeps look for events whose signal may have been missed.
    "NOTIFY_LOOKBACK_DAYS": 3,
    # E-mail delivery attempts before a reminder is recorded as failed.
    "NOTIFY_MAX_ATTEMPTS": 6,
    # First retry delay (seconds), doubled on each attempt up to the maximum.
    "NOTIFY_RETRY_SECONDS": 60,
    "NOTIFY_RETRY_MAX_SECONDS": 3600,
    # A pending e-mail whose task has not run after this many seconds is queued again.
    "NOTIFY_STALE_SECONDS": 600,
    # Rows per batch in sweeps and in the delivery service.
    "NOTIFY_BATCH_SIZE": 2000,
    # SMS backend: "aliyun", "tencent", "file" (writes to ACADEMY_NOTIFY_SMS_FILE_DIR) or ""
    # (no SMS); a dotted path to a class is accepted too (channels/__init__.py).
    "NOTIFY_SMS_BACKEND": "",
    # WeCom backend: "wecom", "file" (writes to ACADEMY_NOTIFY_WECOM_FILE_DIR) or "".
    "NOTIFY_WECOM_BACKEND": "",
    "NOTIFY_SMS_FILE_DIR": str(settings.BASE_DIR / "var" / "sms"),
    "NOTIFY_WECOM_FILE_DIR": str(settings.BASE_DIR / "var" / "wecom"),
    # The signature (签名) SMS providers print before every message; approved with them.
    "NOTIFY_SMS_SIGN_NAME": "三门峡市科技局",
    # SMS and WeCom delivery attempts before the reminder fails and falls back to another
    # channel (a provider outage should not hold a reminder back for hours).
    "NOTIFY_CHANNEL_MAX_ATTEMPTS": 3,
    # Longest value of one SMS template variable (Aliyun allows 35 characters).
    "NOTIFY_SMS_VARIABLE_MAX": 35,
    # Phone verification: the code's life (seconds), wrong guesses allowed, and the least
    # time between two codes for one person.
    "NOTIFY_PHONE_CODE_SECONDS": 600,
    "NOTIFY_PHONE_CODE_ATTEMPTS": 5,
    "NOTIFY_PHONE_CODE_INTERVAL": 60,
    # How long after sending SMS receipts are still asked for.
    "NOTIFY_RECEIPT_HOURS": 48,
    # Aliyun SMS (channels/sms_aliyun.py).
    "NOTIFY_ALIYUN_ACCESS_KEY_ID": "",
    "NOTIFY_ALIYUN_ACCESS_KEY_SECRET": "",
    "NOTIFY_ALIYUN_ENDPOINT": "dysmsapi.aliyuncs.com",
    "NOTIFY_ALIYUN_PROTOCOL": "https",
    # Tencent Cloud SMS (channels/sms_tencent.py).
    "NOTIFY_TENCENT_SECRET_ID": "",
    "NOTIFY_TENCENT_SECRET_KEY": "",
    "NOTIFY_TENCENT_SMS_APP_ID": "",
    "NOTIFY_TENCENT_REGION": "ap-guangzhou",
    "NOTIFY_TENCENT_ENDPOINT": "sms.tencentcloudapi.com",
    "NOTIFY_TENCENT_PROTOCOL": "https",
    # WeCom application messages (channels/wecom.py).
    "NOTIFY_WECOM_CORP_ID": "",
    "NOTIFY_WECOM_SECRET": "",
    "NOTIFY_WECOM_AGENT_ID": 0,
    "NOTIFY_WECOM_BASE_URL": "https://qyapi.weixin.qq.com",
})


#: The same settings under the name other apps' sweeps import from this app's selectors face
#: (``notify_conf.NOTIFY_BATCH_SIZE``, the look-back, their offsets).
notify_conf = app_settings
