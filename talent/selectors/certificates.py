"""Certificates of the talent pool: the dashboard's counts, and the bureau's list and API.

The states are the dashboard's (``certificate_counts``): *valid* (status valid and
in date), *expiring* (valid, ending within 90 days), *expired* (marked expired, or valid but
past its end date before the daily task has marked it) and *revoked*; so a list asked for one
state holds exactly the certificates its dashboard number counts. The period, when given,
selects certificates issued in it.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate

from .population import TalentFilters, broker_ids, profiles

STATES = (
    ("valid", _("Valid")),
    ("expiring", _("Expiring within 90 days")),
    ("expired", _("Expired")),
    ("revoked", _("Revoked")),
)
EXPIRING_DAYS = 90


def certificate_state_q(state: str, *, today: datetime.date | None = None) -> Q:
    """The condition of one state (``STATES``), as the dashboard counts it."""
    today = today or timezone.localdate()
    status = Certificate.Status
    in_date = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    valid = Q(status=status.VALID) & in_date
    if state == "valid":
        return valid
    if state == "expiring":
        return valid & Q(valid_until__lte=today + datetime.timedelta(days=EXPIRING_DAYS))
    if state == "expired":
        return Q(status=status.EXPIRED) | Q(status=status.VALID, valid_until__lt=today)
    if state == "revoked":
        return Q(status=status.REVOKED)
    raise ValueError(state)


def certificate_state(certificate: Certificate, *, today: datetime.date | None = None) -> str:
    """The state of one certificate, as ``certificate_state_q`` selects it (the most specific:
    "expiring" before "valid"); "superseded" for one renewed since."""
    today = today or timezone.localdate()
    status = Certificate.Status
    if certificate.status == status.REVOKED:
        return "revoked"
    if certificate.status == status.EXPIRED or (
            certificate.status == status.VALID and certificate.valid_until is not None
            and certificate.valid_until < today):
        return "expired"
    if certificate.status == status.VALID:
        if (certificate.valid_until is not None
                and certificate.valid_until <= today + datetime.timedelta(days=EXPIRING_DAYS)):
            return "expiring"
        return "valid"
    return str(certificate.status)


def certificates_for(filters: TalentFilters, state: str | None = None) -> QuerySet[Certificate]:
    """Certificates of the brokers the filters select, newest first, optionally in one state."""
    qs = Certificate.objects.filter(broker_id__in=profiles(filters).values("user_id"))
    if filters.date_from or filters.date_to:
        qs = qs.filter(filters._in_period("issued_at", is_datetime=True))
    if state:
        qs = qs.filter(certificate_state_q(state))
    return (qs.select_related("level", "broker", "broker__broker_profile__region")
            .order_by("-issued_at", "-pk"))


def certificate_counts(filters: TalentFilters) -> dict[str, int]:
    """Valid, expiring within 90 days, expired and revoked certificates, in one query.

    A valid certificate whose ``valid_until`` has passed counts as expired even before the
    daily expiry task has marked it so.
    """
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=90)
    status = Certificate.Status
    in_date = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    valid = Q(status=status.VALID) & in_date
    return Certificate.objects.filter(broker_id__in=broker_ids(filters)).aggregate(
        valid=Count("pk", filter=valid),
        expiring=Count("pk", filter=valid & Q(valid_until__lte=soon)),
        expired=Count("pk", filter=Q(status=status.EXPIRED)
                      | Q(status=status.VALID, valid_until__lt=today)),
        revoked=Count("pk", filter=Q(status=status.REVOKED)),
    )
