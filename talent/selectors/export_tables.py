"""The tables of the talent pool's exports (one ``Table`` per sheet): brokers with their
working columns (hours by area, exams, practice, readiness, certificate), the dashboard's
figures (the same numbers as the page), the registered totals and their
comparison with the practice records. ``spreadsheets`` writes them as CSV or XLSX."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from academy.iterables import batched
from academy.people.selectors import practice_totals
from certificates.models import Certificate
from certificates.selectors import AWAITING_GRADING, EXAM, brokers_readiness
from courses.models import CourseArea
from courses.selectors import broker_hours

from ..spreadsheets import Table
from .certificates import STATES as CERTIFICATE_STATES
from .certificates import certificate_state
from .population import TalentFilters
from .registered import Comparison, registered_totals

ZERO = Decimal("0")
STATE_LABELS = dict(CERTIFICATE_STATES)


#: Brokers per round of the working columns' queries (a background export streams the rows).
BROKER_CHUNK = 1000


def broker_headers(areas: Sequence[Any] = ()) -> list[str]:
    """The identity columns, then the working ones: hours (in total and by area), exams,
    practice, the requirements toward the next level, and the newest certificate."""
    return [
        _("Name"), _("E-mail"), _("Level"), _("Level reached on"), _("Region"),
        _("Organisation"), _("Mobile phone"), _("National ID number"),
        _("Class hours in total"),
        *[_("Class hours: %(area)s") % {"area": area.display_name} for area in areas],
        _("Required exams passed"), _("Required exams"), _("Exams awaiting grading"),
        _("Approved practice records"), _("Practice records awaiting review"),
        _("Contract amount (yuan)"), _("Certified technical income (yuan)"),
        _("Next level"), _("Requirements met"), _("Requirements"),
        _("Ready for the next level"),
        _("Newest certificate"), _("Certificate state"), _("Certificate valid until"),
    ]


@dataclass
class _Working:
    """What the working columns need for a round of brokers, read in a bounded number of
    queries (hours, readiness, practice and certificates)."""

    hours: dict[int, Any]
    readiness: dict[int, Any]
    practice: dict[int, Any]
    certificates: dict[int, Any]
    today: datetime.date

    @classmethod
    def read(cls, user_ids: list[int]) -> _Working:
        newest: dict[int, Any] = {}
        for certificate in (Certificate.objects.filter(broker_id__in=user_ids)
                            .select_related("level").order_by("issued_at", "pk")):
            newest[certificate.broker_id] = certificate
        return cls(hours=broker_hours(user_ids=user_ids),
                   readiness=brokers_readiness(user_ids), practice=practice_totals(user_ids),
                   certificates=newest, today=timezone.localdate())


def _working_cells(uid: int, working: _Working, areas: Sequence[Any]) -> list[Any]:
    hours = working.hours[uid]
    readiness = working.readiness[uid]
    practice = working.practice[uid]
    exams = [r for r in readiness.requirements if r.kind == EXAM]
    certificate = working.certificates.get(uid)
    return [
        hours.total, *[hours.by_area.get(area.code, ZERO) for area in areas],
        sum(1 for r in exams if r.met), len(exams),
        sum(1 for r in exams if r.status == AWAITING_GRADING),
        practice.approved, practice.pending, practice.amount, practice.income,
        readiness.level.display_name if readiness.level else "",
        readiness.met_count, readiness.total_count, readiness.ready,
        f"{certificate.level.display_name} {certificate.serial}" if certificate else "",
        STATE_LABELS.get(certificate_state(certificate, today=working.today), "")
        if certificate else "",
        certificate.valid_until if certificate else None,
    ]


def broker_row(profile: Any, *, unmasked: bool = False) -> list[Any]:
    return [
        profile.user.full_name, profile.user.email, profile.level.display_name,
        profile.level_since, profile.region.display_name,
        profile.organisation.name if profile.organisation_id else "",
        profile.phone if unmasked else profile.phone_masked,
        profile.national_id if unmasked else profile.national_id_masked,
    ]


def _broker_rows(profiles: Iterable[Any], areas: Sequence[Any], *,
                 unmasked: bool) -> Iterator[list[Any]]:
    for chunk in batched(profiles, BROKER_CHUNK):
        working = _Working.read([p.user_id for p in chunk])
        for profile in chunk:
            yield [*broker_row(profile, unmasked=unmasked),
                   *_working_cells(profile.user_id, working, areas)]


def broker_table(profiles: Iterable[Any], *, unmasked: bool = False) -> Table:
    """The brokers with their working columns; the rows are read a round at a time as the
    file is written."""
    areas = list(CourseArea.objects.all())
    return Table(_("Brokers"), broker_headers(areas),
                 _broker_rows(profiles, areas, unmasked=unmasked))


def dashboard_tables(figures: dict[str, Any]) -> list[Table]:
    """The dashboard's figures, one table each (the same numbers as the page)."""
    tables = [
        Table(_("Brokers by level"), [_("Level"), _("Brokers")],
              [[r.label, r.count] for r in figures["by_level"]]),
        Table(_("Brokers by region"), [_("Region"), _("Brokers")],
              [[r.label, r.count] for r in figures["by_region"]]),
        Table(_("Brokers by organisation"), [_("Organisation"), _("Brokers")],
              [[r.label, r.count] for r in figures["by_organisation"]]),
        Table(_("Promotions by month"), [_("Month"), _("Level"), _("Promotions")],
              [[r.month.strftime("%Y-%m"), r.level_label, r.count]
               for r in figures["promotions"]]),
        Table(_("Funnel toward intermediate"),
              [_("Step"), _("Brokers"), _("Of the previous step (%)"), _("Of the enrolled (%)")],
              [[s.label, s.count, s.of_previous, s.of_first] for s in figures["funnel"]]),
        Table(_("Cohort progress"),
              [_("Cohort"), _("Enrolled"), _("Completed"), _("Withdrawn"),
               _("Class hours met"), _("Average class hours")],
              [[c.name, c.enrolled, c.completed, c.withdrawn, c.hours_met, c.avg_hours]
               for c in figures["cohorts"]]),
        Table(_("Exam results by sitting"),
              [_("Sitting"), _("Paper"), _("Attempts"), _("Brokers"), _("Brokers passed"),
               _("Pass rate (%)"), _("Average score (%)")]
              + [f"{b}–{b + 9 if b < 90 else 100}%" for b in range(0, 100, 10)],
              [[s.title, s.paper, s.attempts, s.brokers, s.passed_brokers, s.pass_rate,
                s.avg_percent, *s.buckets] for s in figures["sittings"]]),
        Table(_("Grading turnaround"),
              [_("Marks"), _("Average (hours)"), _("Median (hours)")],
              [[figures["turnaround"].marks, figures["turnaround"].average_hours,
                figures["turnaround"].median_hours]]),
        Table(_("Practice records by region and month"),
              [_("Month"), _("Region"), _("Records"), _("Contract amount (yuan)"),
               _("Certified technical income (yuan)")],
              [[r.month.strftime("%Y-%m"), r.region_label, r.records, r.amount, r.income]
               for r in figures["practice"]]),
    ]
    comparison = figures.get("practice_registered")
    if comparison is not None and comparison.comparable and comparison.entered:
        tables.append(comparison_table(comparison))
    tables.append(Table(_("Promotions by year"), [_("Year"), _("Promotions")],
                        [[year, n] for year, n in figures["promotions_by_year"]]))
    if figures.get("certificates") is not None:
        c = figures["certificates"]
        tables.append(Table(_("Certificates"),
                            [_("Valid"), _("Expiring within 90 days"), _("Expired"),
                             _("Revoked")],
                            [[c["valid"], c["expiring"], c["expired"], c["revoked"]]]))
    return tables


def comparison_table(comparison: Comparison) -> Table:
    """The comparison as an export table (the dashboard's figures export)."""
    return Table(_("Practice records against registered totals"), [
        _("Month"), _("Region"), _("Records"), _("Registered contracts"),
        _("Contracts not recorded"), _("Contract amount (yuan)"),
        _("Registered contract amount (yuan)"), _("Contract amount not recorded (yuan)"),
        _("Certified technical income (yuan)"),
        _("Registered certified technical income (yuan)"),
        _("Technical income not recorded (yuan)")],
        [[r.month.strftime("%Y-%m"), r.region_label, r.records,
          r.registered.deal_count if r.registered else None, r.gap_count, r.amount,
          r.registered.contract_amount if r.registered else None, r.gap_amount, r.income,
          r.registered.technical_income if r.registered else None, r.gap_income]
         for r in comparison.rows])


def registered_table(filters: TalentFilters) -> Table:
    """The registered totals themselves (the list page's export)."""
    return Table(_("Registered totals"), [
        _("Month"), _("Region"), _("Registered contracts"), _("Contract amount (yuan)"),
        _("Certified technical income (yuan)"), _("Source or note"), _("Updated")],
        ([t.month.strftime("%Y-%m"), t.region.display_name, t.deal_count, t.contract_amount,
          t.technical_income, t.note, t.updated_at] for t in registered_totals(filters)))
