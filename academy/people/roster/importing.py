"""Saving a clean roster in one transaction."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from academy.audit.services import audit_record
from academy.errors import ApplicationError

from ..models import BrokerProfile, Organisation, RosterImport, User
from ..names import name_pinyin
from ..roles import Role
from ..services.accounts import role_groups_ensure
from ..services.invitations import invitation_create_many
from .columns import roster_max_bytes
from .reading import roster_parse
from .results import CleanRow, RosterError, RosterImportResult, RosterValidation
from .validation import roster_validate

# --- Importing ---------------------------------------------------------------------------------


def roster_import(*, uploaded_by: User, file: Any) -> RosterImportResult:
    """Import an uploaded roster file: every row or nothing.

    ``file`` is an uploaded file (``name``, ``size``, ``read()``). Returns a
    ``RosterImportResult``: with ``errors`` (file-level ones have no row) nothing was saved;
    otherwise ``created`` and ``unchanged`` rows and the ``RosterImport`` record. Invitation
    e-mails are queued when the transaction commits.
    """
    file_name = os.path.basename(getattr(file, "name", "") or "roster")[:255]
    result = RosterImportResult(file_name=file_name)
    max_bytes = roster_max_bytes()
    size = getattr(file, "size", None)
    content = file.read(max_bytes + 1) if size is None or size <= max_bytes else b""
    if size is not None and size > max_bytes or len(content) > max_bytes:
        result.errors.append(RosterError(None, "", gettext(
            "The file is larger than %(limit)s MB. Split it into smaller files."
        ) % {"limit": f"{max_bytes / 1048576:g}"}))
        return result
    try:
        parsed = roster_parse(file_name=file_name, content=content)
    except ApplicationError as exc:
        result.errors.append(RosterError(None, "", str(exc.message)))
        return result
    result.rows_total = len(parsed.rows)
    result.rows = parsed.rows
    if parsed.ignored_headers:
        result.warnings.append(gettext("These columns were not recognised and were ignored: "
                                       "%(columns)s.") % {"columns": ", ".join(
                                           parsed.ignored_headers)})
    validation = roster_validate(rows=parsed.rows)
    if validation.errors:
        result.errors = validation.errors
        return result
    try:
        with transaction.atomic(durable=True):
            result.record = _roster_save(
                uploaded_by=uploaded_by,
                file_name=file_name,
                file_sha256=hashlib.sha256(content).hexdigest(),
                validation=validation,
                rows_total=len(parsed.rows),
            )
    except IntegrityError:
        # Another import or an admin created one of these accounts since validation ran.
        result.errors.append(RosterError(None, "", gettext(
            "Some of these accounts were changed by someone else at the same moment. Nothing "
            "was imported; please upload the file again."
        )))
        return result
    result.created = validation.new
    result.unchanged = validation.unchanged
    return result


def _roster_save(
    *,
    uploaded_by: User,
    file_name: str,
    file_sha256: str,
    validation: RosterValidation,
    rows_total: int,
) -> RosterImport:
    record = RosterImport.objects.create(
        uploaded_by=uploaded_by,
        file_name=file_name,
        file_sha256=file_sha256,
        rows_total=rows_total,
        created_count=len(validation.new),
        unchanged_count=len(validation.unchanged),
    )
    rows = validation.new
    if rows:
        organisations = _organisations_ensure(rows)
        users = User.objects.bulk_create([_new_user(row) for row in rows])
        for row, user in zip(rows, users, strict=True):
            row.user = user
        EmailAddress.objects.bulk_create([
            EmailAddress(user=user, email=user.email, verified=False, primary=True)
            for user in users
        ])
        BrokerProfile.objects.bulk_create([
            BrokerProfile(
                user=row.user,
                level=row.level,
                level_since=row.level_since,
                region=row.region,
                organisation=organisations.get(row.organisation),
                phone=row.phone,
                national_id=row.national_id,
            )
            for row in rows
        ])
        _broker_role_grant(users)
        invitation_create_many(users=users, created_by=uploaded_by, roster_import=record)
    audit_record(
        action="people.roster_imported",
        subject=record,
        after={
            "file_name": file_name,
            "sha256": file_sha256,
            "rows": rows_total,
            "created": len(validation.new),
            "unchanged": len(validation.unchanged),
            # The new accounts and the role they were given, recorded here once rather than
            # as one role-change event per account (which made large imports take minutes).
            "role": Role.BROKER.value,
            "created_user_ids": [row.user.pk for row in rows if row.user],
        },
        actor=uploaded_by,
    )
    return record


def _broker_role_grant(users: list[User]) -> None:
    """Give brand-new accounts the broker role in one insert (see ``user_set_roles``)."""
    group = Group.objects.filter(name=Role.BROKER).first()
    if group is None:
        role_groups_ensure()
        group = Group.objects.get(name=Role.BROKER)
    membership = User.groups.through
    membership.objects.bulk_create(
        [membership(user_id=user.pk, group_id=group.pk) for user in users]
    )


def _new_user(row: CleanRow) -> User:
    user = User(email=row.email, full_name=row.full_name)
    user.name_pinyin, user.name_initials = name_pinyin(row.full_name)
    user.set_unusable_password()
    return user


def _organisations_ensure(rows: list[CleanRow]) -> dict[str, Organisation]:
    names = {row.organisation for row in rows if row.organisation}
    found = {o.name: o for o in Organisation.objects.filter(name__in=names)}
    for row in rows:
        if row.organisation and row.organisation not in found:
            found[row.organisation] = Organisation.objects.create(
                name=row.organisation, region=row.region, kind=Organisation.Kind.OTHER
            )
    return found
