"""Notifications' models, one module per subject: the notifications and reminder log
(``notices``), people's choices (``preferences``: kinds, channels, quiet hours), approved SMS
templates (``sms``) and the calendar feeds' event state (``calendar``). Importing the package
imports them all."""

from .calendar import CalendarEventState
from .notices import Notification, Reminder
from .preferences import (
    ChannelPreference,
    NotificationPreference,
    PhoneVerification,
    QuietHoursOverride,
    UserSettings,
)
from .sms import SmsTemplate

__all__ = [
    "CalendarEventState",
    "ChannelPreference",
    "Notification",
    "NotificationPreference",
    "PhoneVerification",
    "QuietHoursOverride",
    "Reminder",
    "SmsTemplate",
    "UserSettings",
]
