"""The people app's writes and hooks: what other apps, views, tasks and tests may call.

Accounts and roles (``accounts``), invitations (``invitations``), practice records
(``academy/people/practice/``), and the hooks through which higher apps extend people without
people importing them: ``register_trainer_scope`` (which brokers a trainer sees),
``register_exam_room_check`` (exam rooms raise the address rate limits),
``register_message_sender`` (people's e-mails go through the notifications service) and the signal
``practice_record_reviewed``. Reads and checks are in ``academy.people.selectors``.
"""

from ..practice.forms import PracticeRecordForm
from ..practice.services import (
    PracticeRevisionChanged,
    practice_record_create,
    practice_record_delete,
    practice_record_review,
    practice_record_submit,
    practice_record_update,
    practice_review_notify,
)
from ..ratelimits import register_exam_room_check
from ..roles import user_roles_forget
from ..scoping import register_trainer_scope
from ..signals import practice_record_reviewed
from .accounts import Promotion, brokers_promote, role_groups_ensure, user_set_roles
from .invitations import (
    InvitationInvalid,
    invitation_accept,
    invitation_create,
    invitation_create_many,
    invitation_resend,
    invitation_send,
)
from .messages import (
    INVITATION_KIND,
    PRACTICE_REVIEWED_KIND,
    MessageSender,
    message_deliver,
    message_send_now,
    practice_review_context,
    practice_review_window,
    register_message_sender,
)

__all__ = [
    "PracticeRevisionChanged",
    "INVITATION_KIND",
    "PRACTICE_REVIEWED_KIND",
    "InvitationInvalid",
    "MessageSender",
    "PracticeRecordForm",
    "Promotion",
    "brokers_promote",
    "invitation_accept",
    "invitation_create",
    "invitation_create_many",
    "invitation_resend",
    "invitation_send",
    "message_deliver",
    "message_send_now",
    "practice_record_create",
    "practice_record_delete",
    "practice_record_review",
    "practice_record_reviewed",
    "practice_record_submit",
    "practice_record_update",
    "practice_review_context",
    "practice_review_notify",
    "practice_review_window",
    "register_exam_room_check",
    "register_message_sender",
    "register_trainer_scope",
    "role_groups_ensure",
    "user_roles_forget",
    "user_set_roles",
]
