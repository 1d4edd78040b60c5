"""The GB/T 36903 electronic licence metadata export of certificates (the models and what
the bureau must assign are described in ``certificates/models/ecert.py``)."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..conf import app_settings
from ..models.ecert import EcertSettings

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ecert_fields() -> list[tuple[str, str]]:
    """(key, label) of the metadata set, in the standard's order."""
    return [("name", _("Licence name")), ("type_code", _("Licence type code")),
            ("number", _("Licence number")), ("identifier", _("Licence identifier")),
            ("holder", _("Licence holder")), ("holder_id", _("Holder's ID number")),
            ("issuer", _("Licence issuing body")), ("issuer_code", _("Issuing body's code")),
            ("issued_on", _("Licence date of issue")),
            ("valid_from", _("Licence valid from")), ("valid_until", _("Licence valid until"))]


def unset() -> str:
    return _("(unset: assigned by the bureau)")


def ecert_metadata(certificate: Any, *, config: EcertSettings | None = None,
                   full_id: bool = False) -> dict[str, Any]:
    """The GB/T 36903 metadata of ``certificate`` (its level, broker profile and identifier
    loaded by the caller for many); unassigned codes are ``None``."""
    from academy.people.selectors import mask_national_id

    config = config or EcertSettings.current()
    profile = getattr(certificate.broker, "broker_profile", None)
    national_id = profile.national_id if profile is not None else ""
    identifier = getattr(certificate, "ecert_identifier", None)
    return {
        "name": config.licence_name or f"{app_settings.CERT_TITLE}（{certificate.level.name}）",
        "type_code": config.licence_type_code or None,
        "number": certificate.serial,
        "identifier": identifier.identifier if identifier is not None else None,
        "holder": certificate.holder_name,
        "holder_id": national_id if full_id else mask_national_id(national_id),
        "issuer": app_settings.CERT_ISSUING_BODY,
        "issuer_code": config.issuer_code or None,
        "issued_on": timezone.localdate(certificate.issued_at),
        "valid_from": certificate.valid_from,
        "valid_until": certificate.valid_until,
    }


def ecert_export(*, actor: Any, level: str = "", full_id: bool = False) -> tuple[bytes, int]:
    """The metadata of every active certificate (of ``level``) as an XLSX for the bureau's
    filing, headers in the interface's default language (Chinese), audited. Administrators and
    auditors; the national ID in full only for an administrator who asks."""
    from openpyxl import Workbook

    from academy.audit.services import audit_record
    from academy.people.selectors import Role, user_has_role

    from ..models.issued import Certificate
    from .filing import _text_cell

    if not user_has_role(actor, Role.ADMIN, Role.AUDITOR):
        raise PermissionDenied
    if full_id and not user_has_role(actor, Role.ADMIN):
        raise PermissionDenied
    config = EcertSettings.current()
    queryset = (Certificate.objects.filter(status__in=Certificate.ACTIVE)
                .select_related("level", "broker__broker_profile", "ecert_identifier")
                .order_by("level__rank", "serial"))
    if level:
        queryset = queryset.filter(level__code=level)
    workbook = Workbook(write_only=True)
    rows = 0
    with translation.override(settings.LANGUAGE_CODE):
        sheet = workbook.create_sheet(_("Electronic licence metadata")[:31])
        keys = [key for key, _label in ecert_fields()]
        sheet.append([label for _key, label in ecert_fields()])
        for certificate in queryset.iterator(chunk_size=2000):
            data = ecert_metadata(certificate, config=config, full_id=full_id)
            rows += 1
            sheet.append([
                (data[key] or "") if key in ("valid_until",) else
                data[key] if key in ("issued_on", "valid_from") else
                _text_cell(sheet, unset() if data[key] is None else data[key])
                for key in keys])
        notes = workbook.create_sheet(_("Notes")[:31])
        notes.append([_("Metadata set of GB/T 36903 (electronic licences), exported on "
                        "%(date)s.") % {"date": timezone.localdate().isoformat()}])
        missing = [label for key, label in ecert_fields()
                   if key in ("type_code", "issuer_code") and not getattr(
                       config, {"type_code": "licence_type_code",
                                "issuer_code": "issuer_code"}[key])]
        if missing:
            notes.append([_("Not yet assigned by the bureau (enter them in the administration "
                            "under electronic licence settings): %(fields)s.")
                          % {"fields": ", ".join(missing)}])
        notes.append([_("A licence identifier is entered per certificate once the bureau's "
                        "electronic licence system assigns it; until then it reads unset.")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with transaction.atomic():
        audit_record(action="certificates.ecert_exported", actor=actor,
                     after={"level": level, "rows": rows, "format": "xlsx",
                            "full_national_id": full_id})
    return buffer.getvalue(), rows
