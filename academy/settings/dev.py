"""Local development and the `make run` demo."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# The demo's SMS and WeCom messages are files under var/sms/ and var/wecom/.
ACADEMY_NOTIFY_SMS_BACKEND = env("NOTIFY_SMS_BACKEND", default="file")
ACADEMY_NOTIFY_WECOM_BACKEND = env("NOTIFY_WECOM_BACKEND", default="file")
