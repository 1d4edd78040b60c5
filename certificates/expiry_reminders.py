"""Reminding holders of certificates that expire soon while renewal hours are missing.

Imported by ``CertificatesConfig.ready``. The sweep reads the expiring certificates with the
class hours each holder earned since the certificate was issued (two correlated sums per
certificate: few certificates expire in any 90 days), and reminds at 90, 30 and 7 days
(``ACADEMY_NOTIFY_EXPIRY_DAYS``), once per band, only while the level's policy asks for
renewal hours that are not yet complete (or asks for none: then the holder is told that the
certificate expires).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.notifications.selectors import band, url_or_home
from academy.notifications.selectors import notify_conf as conf
from academy.notifications.services import (
    Kind,
    Notice,
    notices_deliver,
    register_kind,
    register_sweep,
)
from academy.people.selectors import Role

from .models import Certificate
from .services import hours_since_issue

CERTIFICATE_EXPIRING = register_kind(Kind(
    code="certificate_expiring", label=_("Certificate expiring"),
    roles=frozenset({Role.BROKER}),
    description=_("A certificate of yours expires soon and its renewal hours are not complete."),
    mandatory=True, app="certificates",
    sample={"serial": "4112-M-2026-00001H", "level": "中级技术经纪人",
            "level_en": "Intermediate Technology Broker", "valid_until": "2029-12-31",
            "days": 30, "required": "24.00", "done": "10.00", "missing": "14.00"},
))


def expiring_rows(*, today: datetime.date, horizon: datetime.date) -> Iterator[tuple]:
    """(certificate, holder, serial, level, level (English), valid until, hours required or
    None, hours earned since issue) of valid certificates expiring by ``horizon``."""
    rows = (
        Certificate.objects.filter(status=Certificate.Status.VALID, broker__is_active=True,
                                   valid_until__gte=today, valid_until__lte=horizon)
        .annotate(done=hours_since_issue())
        .values_list("pk", "broker_id", "serial", "level__name", "level__name_en",
                     "valid_until", "level__certificate_policy__renewal_hours", "done")
        .order_by()
    )
    for *head, done in rows.iterator(chunk_size=conf.NOTIFY_BATCH_SIZE):
        yield (*head, Decimal(done or 0))


@register_sweep("certificates.expiring", kinds=(CERTIFICATE_EXPIRING.code,),
                schedule={"minute": "0", "hour": "9"})
def certificates_expiring(*, now: datetime.datetime) -> int:
    """Holders of certificates expiring in 90, 30 and 7 days with renewal hours missing."""
    offsets = sorted({int(d) for d in conf.NOTIFY_EXPIRY_DAYS})
    if not offsets:
        return 0
    today = timezone.localdate(now)
    horizon = today + datetime.timedelta(days=max(offsets))
    url = url_or_home("certificates:my_certificates")

    def notices() -> Iterator[Notice]:
        for (pk, broker_id, serial, level, level_en, valid_until, required,
             done) in expiring_rows(today=today, horizon=horizon):
            days = (valid_until - today).days
            which = band(days, offsets)
            if which is None or (required is not None and done >= required):
                continue
            missing = (required - done) if required is not None else None
            yield Notice(
                recipient_id=broker_id, kind=CERTIFICATE_EXPIRING.code,
                subject_type="certificates.certificate", subject_id=pk,
                window=f"expires-{valid_until:%Y-%m-%d}:{which}d",
                context={"serial": serial, "level": level, "level_en": level_en or level,
                         "valid_until": f"{valid_until:%Y-%m-%d}", "days": days,
                         "required": f"{required:.2f}" if required is not None else "",
                         "done": f"{done:.2f}",
                         "missing": f"{missing:.2f}" if missing is not None else ""},
                url=url,
            )

    return notices_deliver(notices=notices(), now=now).created
