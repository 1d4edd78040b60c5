"""What can be exported from the talent pool, and how: one ``ExportKind`` per list or report.

A kind turns the request's parameters into a *spec* (plain strings, validated, stored on the
``TalentExport`` for a background run), tells how many rows the file will hold (to decide
between an immediate download and a background export, and for the progress bar) and builds
the tables, whose rows are produced lazily so that a background run streams them to disk.
The same kind serves the immediate download (views) and the background run
(``services.exports``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academy.errors import ApplicationError
from academy.people.selectors import Role, user_has_role
from courses.models import Cohort

from ..forms import AuditFilterForm, TalentFilterForm
from ..spreadsheets import Table
from .archive import CohortArchive, cohort_archive
from .audit_trail import audit_events
from .certificates import STATES, certificates_for
from .drilldown import DRILL_KEYS, brokers_for
from .export_tables import broker_table, dashboard_tables, registered_table
from .figures import dashboard
from .population import TalentFilters
from .registered import registered_totals

Spec = dict[str, str]


@dataclass(frozen=True)
class ExportKind:
    key: str
    label: Any  # lazy translation
    file_name: str
    personal: bool
    parse: Callable[[Mapping[str, str]], Spec]
    count: Callable[[Spec, Any], int]
    tables: Callable[[Spec, Any], list[Table]]
    formats: tuple[str, ...] = ("xlsx", "csv")
    always_background: bool = False
    describe_spec: Callable[[Spec], str] | None = None

    def describe(self, spec: Spec) -> str:
        """A line for the "my exports" page: the kind and its filters."""
        detail = (self.describe_spec(spec) if self.describe_spec is not None
                  else ", ".join(f"{k}={v}" for k, v in sorted(spec.items())))
        return f"{self.label} · {detail}" if detail else str(self.label)


def _unmasked(user: Any) -> bool:
    return user_has_role(user, Role.ADMIN)


# --- Filters shared by the lists ----------------------------------------------------------------


def _filters_spec(data: Mapping[str, str]) -> Spec:
    keys = [k for k in TalentFilterForm.base_fields if data.get(k)]
    form = TalentFilterForm({k: data[k] for k in keys})
    if keys and not form.is_valid():
        raise ApplicationError(_("The filters are not valid: correct them and export again."))
    return form.filters().as_query()


def _filters(spec: Spec) -> TalentFilters:
    return TalentFilterForm(spec).filters() if spec else TalentFilters()


def _pick(data: Mapping[str, str], keys) -> Spec:
    return {k: str(data[k]) for k in keys if data.get(k)}


# --- The dashboard ------------------------------------------------------------------------------


def _dashboard_tables(spec: Spec, user: Any) -> list[Table]:
    return dashboard_tables(dashboard(_filters(spec)))


DASHBOARD = ExportKind(
    key="dashboard", label=gettext_lazy("Dashboard figures"), file_name="talent-pool",
    personal=False, parse=_filters_spec, count=lambda spec, user: 0, tables=_dashboard_tables,
)


# --- Brokers (the drill-down list) --------------------------------------------------------------


def _brokers_spec(data: Mapping[str, str]) -> Spec:
    return {**_filters_spec(data), **_pick(data, DRILL_KEYS)}


def _brokers_qs(spec: Spec):
    return brokers_for(_filters(_pick(spec, TalentFilterForm.base_fields)),
                                 _pick(spec, DRILL_KEYS))


BROKERS = ExportKind(
    key="brokers", label=gettext_lazy("Brokers"), file_name="brokers", personal=True,
    parse=_brokers_spec, count=lambda spec, user: _brokers_qs(spec).count(),
    tables=lambda spec, user: [broker_table(_brokers_qs(spec).iterator(chunk_size=2000),
                                                    unmasked=_unmasked(user))],
)


# --- The audit trail ------------------------------------------------------------------------------


def _audit_spec(data: Mapping[str, str]) -> Spec:
    form = AuditFilterForm(_pick(data, AuditFilterForm.base_fields))
    if not form.is_valid():
        raise ApplicationError(_("The filters are not valid: correct them and export again."))
    return _pick(data, AuditFilterForm.base_fields)


def _audit_qs(spec: Spec):
    return audit_events(AuditFilterForm(spec))


def _audit_tables(spec: Spec, user: Any) -> list[Table]:
    return [Table(_("Audit trail"), [
        _("Sequence"), _("Time"), _("Actor"), _("Action"), _("Subject"), _("Person"),
        _("Before"), _("After"), _("Hash")],
        ([e.seq, e.occurred_at, e.actor_label, e.action, e.subject_label, e.person_id,
          e.before, e.after, e.hash] for e in _audit_qs(spec).iterator(chunk_size=2000)))]


AUDIT = ExportKind(
    key="audit", label=gettext_lazy("Audit trail"), file_name="audit-trail", personal=True,
    parse=_audit_spec, count=lambda spec, user: _audit_qs(spec).count(), tables=_audit_tables,
)


# --- Certificates ---------------------------------------------------------------------------------


def _certificates_spec(data: Mapping[str, str]) -> Spec:
    spec = _filters_spec(data)
    state = data.get("state")
    if state:
        if state not in dict(STATES):
            raise ApplicationError(_("Unknown certificate state."))
        spec["state"] = state
    return spec


def _certificates_qs(spec: Spec):
    return certificates_for(_filters(_pick(spec, TalentFilterForm.base_fields)),
                            spec.get("state") or None)


def _certificates_tables(spec: Spec, user: Any) -> list[Table]:
    def rows():
        for c in _certificates_qs(spec).iterator(chunk_size=2000):
            profile = getattr(c.broker, "broker_profile", None)
            yield [c.serial, c.holder_name, c.broker.email, c.level.display_name,
                   profile.region.display_name if profile else "", c.get_status_display(),
                   c.issued_at, c.valid_from, c.valid_until, c.revoked_at, c.revoked_reason]

    return [Table(_("Certificates"), [
        _("Serial number"), _("Holder"), _("E-mail"), _("Level"), _("Region"), _("Status"),
        _("Issued"), _("Valid from"), _("Valid until"), _("Revoked"),
        _("Reason for revocation")], rows())]


CERTIFICATES = ExportKind(
    key="certificates", label=gettext_lazy("Certificates"), file_name="certificates",
    personal=True, parse=_certificates_spec,
    count=lambda spec, user: _certificates_qs(spec).count(), tables=_certificates_tables,
)


# --- The city's registered totals -----------------------------------------------------------------


def _registered_spec(data: Mapping[str, str]) -> Spec:
    return _filters_spec(_pick(data, ("region", "date_from", "date_to")))


def _registered_tables(spec: Spec, user: Any) -> list[Table]:
    return [registered_table(_filters(spec))]


def _registered_count(spec: Spec, user: Any) -> int:
    return registered_totals(_filters(spec)).count()


REGISTERED = ExportKind(
    key="registered", label=gettext_lazy("Registered totals"), file_name="registered-totals",
    personal=False, parse=_registered_spec, count=_registered_count, tables=_registered_tables,
)


# --- The training archive of a cohort -------------------------------------------------------------


def _archive_spec(data: Mapping[str, str]) -> Spec:
    code = data.get("cohort") or ""
    if not code or not Cohort.objects.filter(code=code).exists():
        raise ApplicationError(_("Choose a cohort to archive."))
    return {"cohort": code}


def _archive(spec: Spec, user: Any) -> CohortArchive:
    cohort = Cohort.objects.select_related("programme", "programme__to_level").get(
        code=spec["cohort"])
    return cohort_archive(cohort, unmasked=_unmasked(user))


def _archive_describe(spec: Spec) -> str:
    name = Cohort.objects.filter(code=spec.get("cohort")).values_list("name", flat=True).first()
    return name or spec.get("cohort", "")


ARCHIVE = ExportKind(
    key="archive", label=gettext_lazy("Training archive"), file_name="training-archive",
    personal=True, parse=_archive_spec,
    count=lambda spec, user: _archive(spec, user).row_count(),
    tables=lambda spec, user: _archive(spec, user).tables(), formats=("xlsx",),
    always_background=True, describe_spec=_archive_describe,
)


KINDS: dict[str, ExportKind] = {k.key: k for k in (DASHBOARD, BROKERS, AUDIT, CERTIFICATES,
                                                   REGISTERED, ARCHIVE)}


def export_kind(key: str) -> ExportKind:
    try:
        return KINDS[key]
    except KeyError:
        raise ApplicationError(_("Unknown export.")) from None
