"""Certificates' notifications, and issuing on the readiness event.

Imported by ``academy.notifications`` when it is ready (as every app's ``reminders.py``): it
registers the kinds, connects ``broker_became_ready`` to the issuance task (for the levels
issued automatically), and imports the issuance tasks so that workers know them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from academy.notifications.services import Kind, register_kind
from academy.people.selectors import Role

from . import tasks  # noqa: F401  (registers the tasks with Celery)
from .selectors import level_issued_automatically
from .services import (
    ISSUED_KIND,
    REINSTATED_KIND,
    REVOKED_KIND,
    certificate_issue_schedule,
)
from .signals import broker_became_ready

BROKERS = frozenset({Role.BROKER})
SAMPLE = {"serial": "4112-M-2026-00001H", "level": "中级技术经纪人",
          "level_en": "Intermediate Technology Broker"}

CERTIFICATE_ISSUED = register_kind(Kind(
    code=ISSUED_KIND, label=_("Certificate issued"), roles=BROKERS,
    description=_("You met every requirement of a level and your certificate was issued."),
    mandatory=True, app="certificates",
    template="certificates/notifications/certificate_issued",
    sample={**SAMPLE, "valid_until": "2029-12-31"},
))
CERTIFICATE_REVOKED = register_kind(Kind(
    code=REVOKED_KIND, label=_("Certificate revoked"), roles=BROKERS,
    description=_("An administrator revoked one of your certificates."),
    mandatory=True, app="certificates",
    template="certificates/notifications/certificate_revoked",
    sample={**SAMPLE, "reason": "证书信息有误"},
))
CERTIFICATE_REINSTATED = register_kind(Kind(
    code=REINSTATED_KIND, label=_("Certificate reinstated"), roles=BROKERS,
    description=_("An administrator reinstated one of your certificates."),
    mandatory=True, app="certificates",
    template="certificates/notifications/certificate_reinstated",
    sample={**SAMPLE, "reason": "复核后恢复"},
))


def _on_ready(sender, broker=None, level=None, **kwargs) -> None:
    # A level whose policy leaves issuance to an administrator: the broker waits on the
    # ready-for-promotion list.
    if broker is not None and (level is None or level_issued_automatically(level.pk)):
        certificate_issue_schedule(broker_id=broker.pk)


broker_became_ready.connect(_on_ready, dispatch_uid="certificates.issue_when_ready")
