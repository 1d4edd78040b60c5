"""The fields and values of audit events, as labels and text a person reads.

An event's ``before``/``after`` hold field names and stored values (codes of states and
choices, permission codenames, ISO times). ``field_label`` and ``format_value`` turn them into
the reader's language: a label from ``FIELD_LABELS`` or, failing that, the verbose name of the
subject's model field; a value by its state's name, its choice's label, a level's name, local
time, or masked where it is a phone or ID number. None of this needs a query: the models and
their choices come from the app registry.
"""

from __future__ import annotations

import datetime
import functools
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from academy.people.selectors import mask_national_id, mask_phone

# The label of each field that events carry, for the list of changes.
FIELD_LABELS: dict[str, Promise] = {
    "level": _("Level"), "level_since": _("Level reached on"), "source": _("Source"),
    "certificate": _("Certificate"), "roles": _("Roles"), "status": _("Status"),
    "attempts": _("Attempts"), "last_error": _("Last error"), "expires_at": _("Expires"),
    "email_verified": _("E-mail verified"), "password_set": _("Password set"),
    "course": _("Course"), "title": _("Title"), "class_hours": _("Class hours"),
    "version": _("Version"), "cohort": _("Cohort"), "user": _("User"), "how": _("How"),
    "starts_at": _("Starts"), "ends_at": _("Ends"), "opens_at": _("Opens"),
    "closes_at": _("Closes"), "paper": _("Paper"), "type": _("Type"),
    "new_version": _("New version"), "content_changed": _("Content changed"),
    "sitting": _("Sitting"), "score": _("Score"), "max_score": _("Full marks"),
    "passed": _("Passed"), "attempt": _("Attempt"), "round": _("Marking round"),
    "final_score": _("Final score"), "answer": _("Answer"), "answer_score": _("Answer score"),
    "reason": _("Reason"), "serial": _("Serial number"), "valid_until": _("Valid until"),
    "issued_at": _("Issued"), "revoked_reason": _("Reason for revocation"),
    "torch_number": _("Unified number"), "renewal": _("Renewal"),
    "hours_required": _("Class hours required"), "hours_done": _("Class hours done"),
    "override": _("Override"), "rows": _("Rows"), "format": _("Format"), "kind": _("Kind"),
    "export": _("Export"), "total": _("Total"), "done": _("Done"), "params": _("Parameters"),
    "region": _("Region"), "month": _("Month"), "deal_count": _("Deals"),
    "contract_amount": _("Contract amount (yuan)"),
    "technical_income": _("Certified technical income (yuan)"), "note": _("Note"),
    "comment": _("Comment"), "contract_name": _("Contract"),
    "registration_number": _("Registration number"), "contract_date": _("Contract date"),
    "total_hours": _("Class hours in total"), "requirement_set": _("Requirements"),
    "copied_from": _("Copied from"), "people": _("People"), "candidates": _("Recipients"),
    "message": _("Message"), "reminder": _("Reminder"), "subject_id": _("Subject"),
    "filters": _("Filters"), "full_national_id": _("Full national ID numbers"),
    "present": _("Present"), "method": _("Method"), "recorded_at": _("Recorded"),
    "duration_minutes": _("Duration (minutes)"), "attempts_allowed": _("Attempts allowed"),
    "pass_mark": _("Pass mark"), "shuffle": _("Shuffle"), "released": _("Released"),
    "query": _("Filters"), "file_name": _("File name"), "created": _("Accounts created"),
    "broker_role": _("Role in the deal"), "party_a": _("Party A"), "party_b": _("Party B"),
    "contract_kind": _("Kind of contract"), "registry": _("Registry"),
    "level_name": _("Level"), "holder": _("Holder"), "design": _("Design"),
    "is_superuser": _("Superuser"), "is_staff": _("Django admin access"),
    "valid_from": _("Valid from"), "renewed_from": _("Renewed from"),
    "credit_method": _("Class hours credited for"), "did": _("DID"),
    "sms_phone": _("Mobile number for SMS"), "permissions": _("Permissions given directly"),
    "count": _("Count"), "file": _("File"), "notes": _("Notes"), "codes": _("Question codes"),
    "code": _("Code"), "purpose": _("Purpose"),
    "keys_after_certifying": _("Keys shown only after the certifying sittings close"),
    "revision": _("Revision"), "content_hash": _("Fingerprint of the content reviewed"),
    "sha256": _("Fingerprint of the file (SHA-256)"), "unchanged": _("Rows unchanged"),
    "created_user_ids": _("Accounts created (user numbers)"), "role": _("Role"),
}

# Values that are codes of a state, shown by their name.
VALUE_LABELS: dict[str, Promise | str] = {
    "valid": _("Valid"), "revoked": _("Revoked"), "expired": _("Expired"),
    "draft": _("Draft"), "submitted": _("Submitted"), "approved": _("Approved"),
    "rejected": _("Returned"), "pending": _("Waiting to be sent"), "sent": _("Sent"),
    "failed": _("Failed"), "skipped": _("Skipped"), "active": _("Active"),
    "withdrawn": _("Withdrawn"), "completed": _("Completed"), "admin": _("Administrator"),
    "auditor": _("Auditor"), "trainer": _("Trainer"), "broker": _("Broker"),
    "system": _("The system"), "demo": _("Demo data"), "manual": _("By hand"),
    "automatic": _("Automatically"), "renewal": _("Renewal"), "xlsx": "XLSX", "csv": "CSV",
    "moodle": "Moodle XML", "gift": "GIFT",
    # The two formats a wallet may ask for (certificates.credentials.oid4vci).
    "OpenBadgeCredential_jwt_vc_json": "VC-JWT",
    "OpenBadgeCredential_ldp_vc": _("JSON-LD with a Data Integrity proof"),
}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Keys whose values are personal data: shown masked, whatever the event stored.
MASKED: dict[str, Any] = {"sms_phone": mask_phone, "phone": mask_phone,
                          "national_id": mask_national_id}

# Keys whose values are state codes named in VALUE_LABELS.
CODED_KEYS = ("status", "source", "roles", "role", "how", "format", "channel")

# A model's default permissions, by the verb of their codename ("add_user").
PERMISSION_VERBS: dict[str, Promise] = {
    "add": _("Can add %(model)s"), "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"), "view": _("Can view %(model)s"),
}


def subject_model(subject_type: str) -> type[models.Model] | None:
    """The model of an event's subject (``courses.lesson``), or None when unknown."""
    if not subject_type:
        return None
    try:
        return apps.get_model(subject_type)
    except (LookupError, ValueError):
        return None


def _model_field(model: type[models.Model] | None, key: str) -> Any:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if hasattr(field, "verbose_name") else None


@functools.cache
def _permissions() -> dict[str, tuple[str, Any]]:
    """Every permission codename of the installed models: the verb and model options of a
    default permission, or ``("", name)`` for one a model declares itself."""
    found: dict[str, tuple[str, Any]] = {}
    for model in apps.get_models():
        opts = model._meta
        for verb in opts.default_permissions:
            found.setdefault(f"{verb}_{opts.model_name}", (verb, opts))
        for codename, name in opts.permissions:
            found.setdefault(codename, ("", name))
    return found


def permission_label(codename: str) -> str:
    """A permission by what it allows ("Can add user"), in the reader's language."""
    verb, what = _permissions().get(codename, ("", None))
    if what is None:
        return codename
    if not verb:
        return gettext(str(what))
    template = PERMISSION_VERBS.get(verb)
    if template is None:
        return codename
    return str(template) % {"model": what.verbose_name}


def field_label(key: str, model: type[models.Model] | None = None) -> str:
    """The label of a field an event carries: its own, or the subject model's verbose name."""
    label = FIELD_LABELS.get(key)
    if label is not None:
        return str(label)
    field = _model_field(model, key)
    if field is not None:
        return capfirst(str(field.verbose_name))
    return key.replace("_", " ").capitalize()


def _choice_label(model: type[models.Model] | None, key: str, text: str) -> str | None:
    field = _model_field(model, key)
    for code, label in getattr(field, "flatchoices", None) or ():
        if str(code) == text:
            return str(label)
    return None


def _moment(text: str) -> str:
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def format_value(key: str, value: Any, levels: dict[str, str],
                 model: type[models.Model] | None = None) -> str:
    """One value of an event's ``before``/``after`` as text: dates in local time, levels by
    name, states and choices by their label, permissions by what they allow, phones and ID
    numbers masked, yes/no, lists joined, nested records as "label: value" pairs (never
    braces)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (list, tuple)):
        return "、".join(format_value(key, v, levels, model) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}: {format_value(k, v, levels)}"
                        for k, v in value.items()) or "—"
    text = str(value)
    if key in MASKED:
        return MASKED[key](text)
    if key in ("level", "level_name") and text in levels:
        return levels[text]
    if key in CODED_KEYS and text in VALUE_LABELS:
        return str(VALUE_LABELS[text])
    if key == "permissions":
        return permission_label(text)
    choice = _choice_label(model, key, text)
    if choice is not None:
        return choice
    if _ISO_DATETIME.match(text):
        return _moment(text)
    if _ISO_DATE.match(text):
        return text
    if isinstance(value, (Decimal, float)):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    try:
        if "." in text and key not in ("version", "serial"):
            number = Decimal(text)
            return f"{number.normalize():f}"
    except InvalidOperation:
        pass
    return text
