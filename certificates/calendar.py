"""Certificate expiry in the holder's calendar feed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from academy.notifications.selectors import url_or_home
from academy.notifications.services import CalendarEvent, register_calendar_source

from .models.issued import Certificate


@register_calendar_source
def certificate_events(user: Any) -> Iterable[CalendarEvent]:
    certificates = (Certificate.objects.filter(broker=user, status=Certificate.Status.VALID,
                                               valid_until__isnull=False)
                    .select_related("level"))
    return [CalendarEvent(
        uid=f"certificates-expiry-{c.pk}",
        summary=_("Certificate %(serial)s expires") % {"serial": c.serial},
        start=c.valid_until,
        description=_("Renew it before this day to keep your level."),
        url=url_or_home("certificates:my_certificates"),
    ) for c in certificates]
