"""The notifications app's writes and hooks: what other apps, views, tasks and tests may call.

Delivery (``notify``, ``notices_deliver`` and the sending behind them: ``delivery.py``), the
reader's marks, preferences and the rules they follow (``preferences.py``), phone verification, and the registries through which every
app adds what this generic service knows nothing of: notification kinds (``register_kind``),
sweeps and manual reminders (``register_sweep``, ``register_manual``) and calendar sources
(``register_calendar_source``). Reads are in ``academy.notifications.selectors``.
"""

from ..calendar import CalendarEvent, register_calendar_source
from ..kinds import DIGEST, EMAIL, INAPP, Kind, register_kind
from ..sweeps import ManualReminder, register_manual, register_sweep
from .delivery import (
    DeliveryDeferred,
    DeliveryResult,
    Notice,
    calendar_token_reset,
    digests_send,
    notices_deliver,
    notification_mark_read,
    notifications_mark_all_read,
    notify,
    phone_verification_confirm,
    phone_verification_remove,
    phone_verification_start,
    receipts_poll,
    reminder_send,
    reminders_resend,
    reminders_send_due,
    reminders_send_many,
)
from .messages import NotificationSender
from .preferences import (
    KindPreferenceChange,
    channel_preferences_set,
    notification_preferences_update,
    preferences_set,
)

__all__ = [
    "DIGEST",
    "EMAIL",
    "INAPP",
    "CalendarEvent",
    "DeliveryDeferred",
    "DeliveryResult",
    "Kind",
    "KindPreferenceChange",
    "ManualReminder",
    "Notice",
    "NotificationSender",
    "calendar_token_reset",
    "channel_preferences_set",
    "digests_send",
    "notices_deliver",
    "notification_preferences_update",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notify",
    "phone_verification_confirm",
    "phone_verification_remove",
    "phone_verification_start",
    "preferences_set",
    "receipts_poll",
    "register_calendar_source",
    "register_kind",
    "register_manual",
    "register_sweep",
    "reminder_send",
    "reminders_resend",
    "reminders_send_due",
    "reminders_send_many",
]
