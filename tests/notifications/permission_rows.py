"""Who may open each notifications page and endpoint (read by tests/ui/test_permission_matrix.py).

Each ``kwargs`` builder gets the role's user and makes the thing theirs where it can be: the
notification is the user's own, the cohort to remind is one the trainer teaches.
"""

from __future__ import annotations

from typing import Any

from academy.notifications.models import Notification
from academy.people.roles import user_has_role
from tests.courses.factories import CohortFactory, enrol
from tests.factories import BrokerFactory, UserFactory
from tests.ui.matrix import API_ANON, OK, REDIRECT, ROLES, Row, logged_in


def _notification(user: Any) -> dict[str, Any]:
    owner = user if user is not None else UserFactory()
    notification = Notification.objects.create(
        recipient=owner, kind="course_deadline", title="课程即将截止", url="/courses/programme/",
    )
    return {"pk": notification.pk}


def _cohort(user: Any) -> dict[str, Any]:
    cohort = CohortFactory()
    if user is not None and user_has_role(user, "trainer"):
        cohort.trainers.add(user)
    enrol(BrokerFactory(), cohort)
    return {"action": "courses.cohort_nudge", "subject_id": cohort.pk}


def _template(_user: Any = None) -> dict[str, Any]:
    return {"kind": "course_deadline", "language": "en"}


EVERYONE = {role: OK for role in ROLES if role != "anonymous"}
EVERYONE_REDIRECT = {role: REDIRECT for role in ROLES if role != "anonymous"}
API_EVERYONE = {**EVERYONE, "anonymous": API_ANON}

ROWS = {
    "notifications:centre": Row(logged_in(EVERYONE)),
    "notifications:open": Row(logged_in(EVERYONE_REDIRECT), kwargs=_notification,
                              note="marks the person's own notification read, then follows it"),
    "notifications:read": Row(logged_in(EVERYONE_REDIRECT), kwargs=_notification,
                              method="post"),
    "notifications:read_all": Row(logged_in(EVERYONE_REDIRECT), method="post"),
    "notifications:preferences": Row(logged_in(EVERYONE)),
    "notifications:preferences_channels": Row(logged_in(EVERYONE_REDIRECT), method="post"),
    "notifications:phone_start": Row(logged_in(EVERYONE_REDIRECT), method="post",
                                     note="without a number: a message, nothing sent"),
    "notifications:phone_confirm": Row(logged_in(EVERYONE_REDIRECT), method="post"),
    "notifications:phone_remove": Row(logged_in(EVERYONE_REDIRECT), method="post"),
    "notifications:calendar_reset": Row(logged_in(EVERYONE_REDIRECT), method="post"),
    "notifications:remind": Row(logged_in({"trainer": OK, "admin": OK})),
    "notifications:remind_preview": Row(logged_in({"trainer": OK, "admin": OK}),
                                        kwargs=_cohort),
    "notifications:templates": Row(logged_in({"admin": OK})),
    "notifications:template_preview": Row(logged_in({"admin": OK}), kwargs=_template),
    "notifications:template_preview_html": Row(logged_in({"admin": OK}), kwargs=_template),
    "api-notifications": Row(API_EVERYONE),
    "api-notifications-unread-count": Row(API_EVERYONE),
    "api-notification-read": Row(API_EVERYONE, kwargs=_notification, method="post"),
    "api-notifications-read-all": Row(API_EVERYONE, method="post"),
    "api-notification-preferences": Row(API_EVERYONE),
    "api-me-notification-preferences": Row(API_EVERYONE, note="the caller's own only"),
}
