"""The tables of the talent pool's exports (one ``Table`` per sheet): brokers, the
dashboard's figures (the same numbers as the page), the registered totals and their
comparison with the practice records. ``spreadsheets`` writes them as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from ..spreadsheets import Table
from .population import TalentFilters
from .registered import Comparison, registered_totals


def broker_headers() -> list[str]:
    return [_("Name"), _("E-mail"), _("Level"), _("Level reached on"), _("Region"),
            _("Organisation"), _("Mobile phone"), _("National ID number")]


def broker_row(profile: Any, *, unmasked: bool = False) -> list[Any]:
    return [
        profile.user.full_name, profile.user.email, profile.level.display_name,
        profile.level_since, profile.region.display_name,
        profile.organisation.name if profile.organisation_id else "",
        profile.phone if unmasked else profile.phone_masked,
        profile.national_id if unmasked else profile.national_id_masked,
    ]


def broker_table(profiles: Iterable[Any], *, unmasked: bool = False) -> Table:
    return Table(_("Brokers"), broker_headers(),
                 [broker_row(p, unmasked=unmasked) for p in profiles])


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
