"""Demo certificates: the intermediate demo brokers hold their intermediate certificates,
issued through the same service as everyone's (with the PDF and the signed credential).

Called from ``certificates.demo.seed``; idempotent (the service returns a certificate that
exists; files are made only where missing).
"""

from __future__ import annotations

import datetime
from typing import TextIO

from django.utils import timezone

from academy.people.models import BrokerProfile, Level

from .credentials import credential_ld, credential_sign_store
from .issuance import certificate_issue
from .issued import Certificate
from .pdf import certificate_pdf_store


def seed_issued(stdout: TextIO) -> None:
    level = Level.objects.filter(code="intermediate").first()
    if level is None:
        return
    holders = list(BrokerProfile.objects.filter(level=level).order_by("user_id")
                   .values_list("user_id", "level_since"))
    created = 0
    for user_id, since in holders:
        moment = None
        if since is not None:
            moment = timezone.make_aware(datetime.datetime.combine(since, datetime.time(10)))
        certificate = certificate_issue(
            broker_id=user_id, level_id=level.pk, source=Certificate.Source.DEMO,
            reason="demo data", now=moment)
        created += certificate.issued_now
        if not certificate.pdf:
            certificate_pdf_store(certificate_id=certificate.pk)
        if credential_ld(certificate.credential) is None:  # unsigned, or signed without proof
            credential_sign_store(certificate_id=certificate.pk)
    stdout.write(f"certificates: {created} intermediate certificates issued "
                 f"({len(holders)} intermediate brokers hold one).\n")
