"""Reading certificates for pages, the API and public verification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from academy.people.selectors import Role, address_limit_allows, client_ip, user_has_role

from ..conf import app_settings
from ..models.issued import Certificate, CertificatePolicy


def levels_issued_by_admin() -> set[int]:
    """The levels whose certificates an administrator issues from the ready-for-promotion
    list (their policy turns automatic issuance off); every other level's certificate is
    issued as soon as the broker is ready. One query."""
    return set(CertificatePolicy.objects.filter(issue_automatically=False)
               .values_list("level_id", flat=True))


def level_issued_automatically(level_id: int) -> bool:
    """Whether a broker who becomes ready for ``level_id`` is issued its certificate without
    waiting for an administrator."""
    return not CertificatePolicy.objects.filter(level_id=level_id,
                                                issue_automatically=False).exists()


def certificates_visible_to(viewer: Any) -> QuerySet[Certificate]:
    """Auditors and admins: every certificate; a broker: their own; anyone else: none."""
    base = Certificate.objects.select_related("level", "broker")
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return base.none()
    if user_has_role(viewer, Role.ADMIN, Role.AUDITOR):
        return base
    if user_has_role(viewer, Role.BROKER):
        return base.filter(broker=viewer)
    return base.none()


def mask_name(name: str) -> str:
    """A holder's name as public pages show it: 张*明, 李*, J*** S****."""
    name = (name or "").strip()
    if not name:
        return ""
    if name.isascii():
        return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass(frozen=True)
class PublicStatus:
    """What anyone may know of a certificate: no personal data beyond the masked name."""

    serial: str
    status: str
    level: str
    level_en: str
    holder: str
    valid_from: Any
    valid_until: Any
    issued_at: Any
    revoked_at: Any
    issuing_body: str
    torch_number: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "status": self.status,
            "level": self.level,
            "level_en": self.level_en,
            "holder": self.holder,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "issued_at": self.issued_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "issuing_body": self.issuing_body,
            "torch_number": self.torch_number or None,
        }


def certificate_by_serial(raw: str) -> Certificate | None:
    """The certificate whose serial ``raw`` is, however it was typed: without its hyphens, in
    lower case, with spaces or in full-width characters (the stored form first, by index;
    then by its letters and digits alone)."""
    from django.db.models import F, Value
    from django.db.models.functions import Replace

    from ..services.serials import compact, normalise

    serial = normalise(raw)
    found = Certificate.objects.select_related("level").filter(serial=serial)
    certificate = (found.exclude(status=Certificate.Status.SUPERSEDED).first()
                   or found.first())
    if certificate is None and compact(serial):
        found = (Certificate.objects.select_related("level")
                 .annotate(compact_serial=Replace(F("serial"), Value("-"), Value("")))
                 .filter(compact_serial=compact(serial)))
        certificate = (found.exclude(status=Certificate.Status.SUPERSEDED).first()
                       or found.first())
    return certificate


def public_status(serial: str) -> PublicStatus | None:
    """The public view of the certificate ``serial`` (already validated; typed in any of the
    ways ``certificate_by_serial`` accepts), or None."""
    certificate = certificate_by_serial(serial)
    if certificate is None:
        return None
    status = certificate.status
    if (status == Certificate.Status.VALID and certificate.valid_until is not None
            and certificate.valid_until < timezone.localdate()):
        status = Certificate.Status.EXPIRED  # the daily task has not run yet
    return PublicStatus(
        serial=certificate.serial, status=status, level=certificate.level.name,
        level_en=certificate.level.name_en or certificate.level.name,
        holder=mask_name(certificate.holder_name), valid_from=certificate.valid_from,
        valid_until=certificate.valid_until, issued_at=certificate.issued_at,
        revoked_at=certificate.revoked_at if status == Certificate.Status.REVOKED else None,
        issuing_body=app_settings.CERT_ISSUING_BODY,
        torch_number=certificate.torch_number,
    )


def verify_rate_exceeded(request) -> bool:
    """Count a lookup from this client; True once it made more than the allowed number this
    minute (``ACADEMY_CERT_VERIFY_RATE``, times the exam-room factor in an exam room). The
    client is its real address behind trusted proxies, as for every limit
    (``academy.people.ratelimits``). Cache-based, shared by every web process."""
    limit = app_settings.CERT_VERIFY_RATE
    return not address_limit_allows(request, f"cert-verify:{client_ip(request)}", limit, 60)
