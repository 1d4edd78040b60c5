"""The readiness engine: what stands between a broker and the next level.

``broker_readiness(broker)`` answers for one broker; ``brokers_readiness(user_ids)`` for many at
once in a bounded number of queries (sweeps, a trainer's cohort, the bureau's dashboard). Both
gather the same inputs — the broker's level and since when, the requirement set that judges
them, class hours (``courses.selectors.broker_hours``), exam results
(``exams.selectors.best_results``), results awaiting grading, the exams still open to them,
approved practice records —
and hand them to one pure function, ``_evaluate``, so that they cannot disagree on the rules.

Which requirement set judges a broker for a level: the one an admin assigned them to
(``BrokerRequirementSet``); else the version in force when they first enrolled in a programme
leading to that level (the first version ever put in force if they enrolled before it); else,
not enrolled, the version in force today. Drafts judge nobody.

A set that asks for nothing is never "ready": an empty set is a mistake, not an open door.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db.models import Min, Prefetch, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from academy.people.models import BrokerProfile, Level
from academy.people.selectors import PracticeTotals, practice_totals
from courses.models import Enrolment
from courses.selectors import BrokerHours, broker_hours
from exams.selectors import awaiting_results, best_results, papers_open_to

from ..models import (
    AreaHoursRequirement,
    BrokerRequirementSet,
    CourseHoursRequirement,
    ExamRequirement,
    RequirementSet,
)

# Kinds of requirement, in the order the path page shows them.
TOTAL_HOURS = "total_hours"
AREA_HOURS = "area_hours"
COURSE_HOURS = "course_hours"
EXAM = "exam"
PRACTICE_RECORDS = "practice_records"
PRACTICE_AMOUNT = "practice_amount"
PRACTICE_INCOME = "practice_income"
MONTHS_AT_LEVEL = "months_at_level"
KINDS = (TOTAL_HOURS, AREA_HOURS, COURSE_HOURS, EXAM, PRACTICE_RECORDS, PRACTICE_AMOUNT,
         PRACTICE_INCOME, MONTHS_AT_LEVEL)

# Where a broker stands on one requirement (the path page, the API and the funnel all say it).
MET = "met"
IN_PROGRESS = "in_progress"
AWAITING_GRADING = "awaiting_grading"
FAILED_CAN_RETAKE = "failed_can_retake"
FAILED = "failed"
NOT_STARTED = "not_started"
STATES = (MET, IN_PROGRESS, AWAITING_GRADING, FAILED_CAN_RETAKE, FAILED, NOT_STARTED)
STATE_LABELS = {
    MET: pgettext_lazy("requirement state", "Met"),
    IN_PROGRESS: pgettext_lazy("requirement state", "In progress"),
    AWAITING_GRADING: pgettext_lazy("requirement state", "Awaiting grading"),
    FAILED_CAN_RETAKE: pgettext_lazy("requirement state", "Not passed: can retake"),
    FAILED: pgettext_lazy("requirement state", "Not passed: no retake open"),
    NOT_STARTED: pgettext_lazy("requirement state", "Not started"),
}

# The requirement kinds by the funnel step that judges them.
HOURS_KINDS = (TOTAL_HOURS, AREA_HOURS, COURSE_HOURS)
EXAM_KINDS = (EXAM,)
PRACTICE_KINDS = (PRACTICE_RECORDS, PRACTICE_AMOUNT, PRACTICE_INCOME)
TIME_KINDS = (MONTHS_AT_LEVEL,)

# How a broker's requirement set was chosen.
SOURCE_ASSIGNED = "assigned"
SOURCE_ENROLMENT = "enrolment"
SOURCE_CURRENT = "current"

ZERO = Decimal("0")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class RequirementStatus:
    """One requirement of the next level and where the broker stands on it."""

    kind: str
    key: str  # unique within a set: "total_hours", "area:policy", "course:12", "exam:3", ...
    label: str
    met: bool
    current: Decimal | int | None  # None: not known (e.g. exam not taken, results unavailable)
    required: Decimal | int
    unit: str  # "hours", "percent", "records", "yuan", "months"
    detail: str = ""
    next_action_url: str = ""
    state: str = ""  # one of STATES; empty: derived from ``met`` and ``current``

    @property
    def status(self) -> str:
        """Met, in progress, awaiting grading, failed (with or without a retake open to the
        broker) or not started."""
        if self.met:
            return MET
        if self.state:
            return self.state
        return IN_PROGRESS if self.current else NOT_STARTED

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.status])

    @property
    def percent(self) -> int:
        """Progress toward the requirement, 0–100 (for the progress bar): 100 only when met.

        The figure over the required figure, floored and capped at 99 while unmet; an exam
        without a minimum score shows the best score itself (the pass mark is the sitting's).
        """
        if self.met:
            return 100
        if self.current is None:
            return 0
        if not self.required:
            if self.unit != "percent":
                return 0
            value = Decimal(self.current).to_integral_value(rounding=ROUND_FLOOR)
        else:
            value = (Decimal(self.current) * 100 / Decimal(self.required)).to_integral_value(
                rounding=ROUND_FLOOR
            )
        return max(0, min(99, int(value)))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (figures as strings) without the language-dependent texts."""
        return {
            "kind": self.kind,
            "key": self.key,
            "met": self.met,
            "state": self.status,
            "current": None if self.current is None else str(self.current),
            "required": str(self.required),
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Readiness:
    """The engine's answer for one broker: each requirement of the level they work toward."""

    broker_id: int
    current_level: Level | None
    level: Level | None  # the level to reach; None at the top level or without a profile
    requirement_set: RequirementSet | None
    set_source: str = ""
    requirements: tuple[RequirementStatus, ...] = ()
    # Always true since readiness reads the exams app directly; kept for the API's clients.
    exams_available: bool = True

    @property
    def ready(self) -> bool:
        return (
            self.level is not None
            and self.requirement_set is not None
            and bool(self.requirements)
            and all(r.met for r in self.requirements)
        )

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.requirements if r.met)

    @property
    def total_count(self) -> int:
        return len(self.requirements)

    @property
    def percent(self) -> int:
        """The overall figure: the share of requirements met (what the count says), never a
        mean of the bars, so that "2 of 10 met" is drawn at 20 %."""
        if not self.requirements:
            return 0
        return self.met_count * 100 // len(self.requirements)

    def kinds_met(self, kinds: Iterable[str]) -> bool:
        """Whether every requirement of these kinds is met (true if the set asks none)."""
        wanted = set(kinds)
        return all(r.met for r in self.requirements if r.kind in wanted)

    def exams_sat(self) -> bool:
        """Whether every exam is passed or awaiting its result."""
        return all(r.met or r.status == AWAITING_GRADING
                   for r in self.requirements if r.kind == EXAM)

    def groups(self) -> dict[str, bool]:
        """The single-broker form of the set-based engine's flags
        (``readiness_sets.FLAGS``): each group of requirement kinds met, and ready."""
        judged = self.level is not None and self.requirement_set is not None
        return {
            "judged": judged,
            "hours_met": judged and self.kinds_met(HOURS_KINDS),
            "exams_sat": judged and self.exams_sat(),
            "exams_met": judged and self.kinds_met(EXAM_KINDS),
            "practice_met": judged and self.kinds_met(PRACTICE_KINDS),
            "time_met": judged and self.kinds_met(TIME_KINDS),
            "ready": self.ready,
        }

    def snapshot(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.requirements]


# --- Inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamResult:
    percent: Decimal | None
    passed: bool


@dataclass
class _Inputs:
    profile: BrokerProfile | None
    target: Level | None
    requirement_set: RequirementSet | None
    set_source: str
    hours: BrokerHours
    exams: dict[int, ExamResult]
    practice: PracticeTotals = field(default_factory=PracticeTotals)
    awaiting: frozenset[int] = frozenset()  # papers with a submitted attempt not released
    sittable: frozenset[int] = frozenset()  # papers with a sitting still open to the broker


def _as_exam_result(value: Any) -> ExamResult:
    if isinstance(value, Mapping):
        percent = value.get("percent", value.get("best_percent"))
        passed = value.get("passed", False)
    else:
        percent = getattr(value, "percent", getattr(value, "best_percent", None))
        passed = getattr(value, "passed", False)
    return ExamResult(
        percent=None if percent is None else Decimal(str(percent)).quantize(CENT),
        passed=bool(passed),
    )


def exam_results(user_ids: Iterable[int]) -> dict[int, dict[int, ExamResult]]:
    """Best released result per paper for each broker."""
    ids = list(user_ids)
    raw = best_results(ids) if ids else {}
    results: dict[int, dict[int, ExamResult]] = {pk: {} for pk in ids}
    for user_id, papers in (raw or {}).items():
        results[int(user_id)] = {
            int(paper_id): _as_exam_result(value) for paper_id, value in papers.items()
        }
    return results


def awaiting_papers(user_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """The papers each broker has a submitted attempt at whose result is not out yet."""
    ids = list(user_ids)
    waiting = awaiting_results(ids) if ids else {}
    return {pk: frozenset(waiting.get(pk, ())) for pk in ids}


def sittable_papers(user_ids: Iterable[int], *,
                    now: datetime.datetime | None = None) -> dict[int, frozenset[int]]:
    """The papers each broker can still sit (a sitting not closed, attempts left): a failed
    exam reads "can retake" only where one is."""
    ids = list(user_ids)
    open_to = papers_open_to(ids, now=now) if ids else {}
    return {pk: frozenset(open_to.get(pk, ())) for pk in ids}


def _sets_with_rows():
    return RequirementSet.objects.select_related("level").prefetch_related(
        Prefetch("area_hours", AreaHoursRequirement.objects.select_related("area")),
        Prefetch("course_hours", CourseHoursRequirement.objects.select_related("course")),
        Prefetch("exams", ExamRequirement.objects.select_related("paper")),
    )


def set_in_force(sets: list[RequirementSet], moment: datetime.datetime) -> RequirementSet | None:
    """Of one level's sets, the one in force at ``moment``: the latest put in force by then;
    before the first one, that first one. Drafts are never in force."""
    in_force = sorted(
        (s for s in sets if s.effective_from is not None),
        key=lambda s: (s.effective_from, s.version),
    )
    if not in_force:
        return None
    chosen = None
    for candidate in in_force:
        if candidate.effective_from is not None and candidate.effective_from <= moment:
            chosen = candidate
    return chosen or in_force[0]


def _next_level(level: Level, levels: list[Level]) -> Level | None:
    higher = [candidate for candidate in levels if candidate.rank > level.rank]
    return min(higher, key=lambda candidate: candidate.rank) if higher else None


# --- The rules --------------------------------------------------------------------------------


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from ``start`` to ``end``: 2024-06-15 → 2026-06-15 is 24, → 2026-06-14 is
    23. A start on the 31st completes a month on the last day of a shorter month."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        # Not yet the anniversary day, unless the end month has no such day and ``end`` is
        # its last day.
        last_day = (end.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) \
            - datetime.timedelta(days=1)
        if not (end.day == last_day.day and start.day > last_day.day):
            months -= 1
    return max(0, months)


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _exam_url() -> str:
    for name in ("exams:my_exams", "exams:my_sittings", "exams:sitting_list", "exams:index"):
        url = _url(name)
        if url:
            return url
    return ""


def _fmt(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    text = f"{Decimal(value).quantize(CENT):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(CENT):,.2f}"


def _hours_requirement(*, kind: str, key: str, label: str, current: Decimal,
                       required: Decimal, url: str) -> RequirementStatus:
    current = Decimal(current).quantize(CENT)
    met = current >= required
    return RequirementStatus(
        kind=kind, key=key, label=label, met=met, current=current, required=required,
        unit="hours",
        detail=_("%(current)s of %(required)s class hours") % {
            "current": _fmt(current), "required": _fmt(required)},
        next_action_url="" if met else url,
        state=MET if met else (IN_PROGRESS if current > 0 else NOT_STARTED),
    )


def _hours_items(rs: RequirementSet, hours: BrokerHours) -> list[RequirementStatus]:
    """Class hours in total, per course area and per course."""
    items: list[RequirementStatus] = []
    programme_url = _url("courses:my_programme")
    if rs.total_hours is not None:
        items.append(_hours_requirement(
            kind=TOTAL_HOURS, key=TOTAL_HOURS, label=_("Class hours in total"),
            current=hours.total, required=rs.total_hours, url=programme_url,
        ))
    for row in sorted(rs.area_hours.all(), key=lambda r: (r.area.order, r.area.code)):
        items.append(_hours_requirement(
            kind=AREA_HOURS, key=f"area:{row.area.code}",
            label=_("Class hours in %(area)s") % {"area": row.area.display_name},
            current=hours.by_area.get(row.area.code, ZERO), required=row.hours,
            url=programme_url,
        ))
    for course_row in sorted(rs.course_hours.all(), key=lambda r: (r.course.code, r.pk)):
        items.append(_hours_requirement(
            kind=COURSE_HOURS, key=f"course:{course_row.course_id}",
            label=_("Class hours in “%(course)s”") % {"course": course_row.course.title},
            current=hours.by_course.get(course_row.course_id, ZERO), required=course_row.hours,
            url=_url("courses:course_detail", course_row.course_id),
        ))
    return items


def _exam_detail(result: ExamResult | None, *, met: bool, waiting: bool, sittable: bool,
                 required: Decimal | None) -> str:
    """What the path page says of one required exam."""
    if waiting and not met:
        detail = _("Submitted: awaiting grading.")
        if result is not None:
            detail += " " + _("Best released score %(percent)s%%.") % {
                "percent": _fmt(result.percent)}
        return detail
    if result is None:
        return _("Not taken yet.")
    if met:
        return _("Passed with %(percent)s%%") % {"percent": _fmt(result.percent)}
    if result.passed:
        detail = _("Best score %(percent)s%%; %(required)s%% is required.") % {
            "percent": _fmt(result.percent), "required": _fmt(required)}
    else:
        detail = _("Best score %(percent)s%%: not passed yet.") % {
            "percent": _fmt(result.percent)}
    if sittable:
        return detail + " " + _("You can retake it.")
    return detail + " " + _("No sitting of this exam is open to you yet; the training office "
                            "schedules retakes.")


def _exam_item(row: ExamRequirement, inputs: _Inputs) -> RequirementStatus:
    """One required exam: passed (at the minimum score, if any), awaiting grading, failed
    (retake), or not taken."""
    label = _("Exam “%(paper)s”") % {"paper": row.label or row.paper.title}
    required = row.min_percent
    result = inputs.exams.get(row.paper_id)
    met = bool(result and result.passed
               and (required is None
                    or (result.percent is not None and result.percent >= required)))
    waiting = row.paper_id in inputs.awaiting
    sittable = row.paper_id in inputs.sittable
    if met:
        state = MET
    elif waiting:
        state = AWAITING_GRADING
    elif result is not None:
        state = FAILED_CAN_RETAKE if sittable else FAILED
    else:
        state = NOT_STARTED
    return RequirementStatus(
        kind=EXAM, key=f"exam:{row.paper_id}", label=label, met=met,
        current=result.percent if result else None,
        required=required if required is not None else 0, unit="percent",
        detail=_exam_detail(result, met=met, waiting=waiting, sittable=sittable,
                            required=required),
        next_action_url="" if met or waiting or state == FAILED else _exam_url(), state=state,
    )


def _practice_items(rs: RequirementSet, practice: PracticeTotals) -> list[RequirementStatus]:
    """Approved practice records, and their contract amount and technical income."""
    items: list[RequirementStatus] = []
    practice_url = _url("people:practice_create")
    if rs.practice_records:
        met = practice.approved >= rs.practice_records
        detail = _("%(current)s of %(required)s approved") % {
            "current": practice.approved, "required": rs.practice_records}
        if practice.pending:
            detail += " · " + _("%(count)s awaiting review") % {"count": practice.pending}
        items.append(RequirementStatus(
            kind=PRACTICE_RECORDS, key=PRACTICE_RECORDS, label=_("Approved practice records"),
            met=met, current=practice.approved, required=rs.practice_records, unit="records",
            detail=detail, next_action_url="" if met else practice_url,
            state=MET if met else (IN_PROGRESS if practice.approved or practice.pending
                                   else NOT_STARTED),
        ))
    for kind, minimum, current, label in (
        (PRACTICE_AMOUNT, rs.practice_min_contract_amount, practice.amount,
         _("Contract amount of approved practice records")),
        (PRACTICE_INCOME, rs.practice_min_technical_income, practice.income,
         _("Certified technical income of approved practice records")),
    ):
        if minimum is None:
            continue
        met = current >= minimum
        items.append(RequirementStatus(
            kind=kind, key=kind, label=label, met=met, current=current, required=minimum,
            unit="yuan",
            detail=_("¥%(current)s of ¥%(required)s") % {
                "current": _money(current), "required": _money(minimum)},
            next_action_url="" if met else practice_url,
            state=MET if met else (IN_PROGRESS if current > 0 or practice.pending
                                   else NOT_STARTED),
        ))
    return items


def _months_item(rs: RequirementSet, profile: BrokerProfile,
                 today: datetime.date) -> RequirementStatus | None:
    """Months at the previous level, or None when the set requires none."""
    if rs.months_at_previous_level is None:
        return None
    label = _("Months at %(level)s") % {"level": profile.level.display_name}
    required_months = rs.months_at_previous_level
    if profile.level_since is None:
        return RequirementStatus(
            kind=MONTHS_AT_LEVEL, key=MONTHS_AT_LEVEL, label=label,
            met=required_months == 0, current=None, required=required_months,
            unit="months",
            detail=_("The date you reached your level is not on record; ask the "
                     "administrator to add it."),
            state=MET if required_months == 0 else NOT_STARTED,
        )
    months = months_between(profile.level_since, today)
    met = months >= required_months
    detail = _("%(current)s of %(required)s months (since %(date)s)") % {
        "current": months, "required": required_months,
        "date": profile.level_since.isoformat()}
    if not met:
        detail += " · " + _("met on %(date)s") % {
            "date": add_months(profile.level_since, required_months).isoformat()}
    return RequirementStatus(
        kind=MONTHS_AT_LEVEL, key=MONTHS_AT_LEVEL, label=label, met=met,
        current=months, required=required_months, unit="months", detail=detail,
        state=MET if met else (IN_PROGRESS if months > 0 else NOT_STARTED),
    )


def _evaluate(broker_id: int, inputs: _Inputs, today: datetime.date) -> Readiness:
    """Apply a requirement set to a broker's inputs. Pure: no database access."""
    profile, target, rs = inputs.profile, inputs.target, inputs.requirement_set
    current_level = profile.level if profile is not None else None
    if profile is None or target is None or rs is None:
        return Readiness(broker_id=broker_id, current_level=current_level, level=target,
                         requirement_set=rs, set_source=inputs.set_source)
    items = _hours_items(rs, inputs.hours)
    items += [_exam_item(row, inputs) for row in sorted(rs.exams.all(), key=lambda r: r.pk)]
    items += _practice_items(rs, inputs.practice)
    months = _months_item(rs, profile, today)
    if months is not None:
        items.append(months)
    return Readiness(
        broker_id=broker_id, current_level=current_level, level=target, requirement_set=rs,
        set_source=inputs.set_source, requirements=tuple(items),
    )


def add_months(start: datetime.date, months: int) -> datetime.date:
    """``start`` plus ``months``, on the last day of the month if the day does not exist."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    first_next = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (first_next - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(start.day, last_day))


# --- One broker -------------------------------------------------------------------------------


def broker_requirement_set(
    *, broker_id: int, level: Level, now: datetime.datetime | None = None
) -> tuple[RequirementSet | None, str]:
    """The set that judges ``broker_id`` for ``level``, and how it was chosen."""
    assignment = (
        BrokerRequirementSet.objects.filter(broker_id=broker_id, level=level)
        .select_related("requirement_set").first()
    )
    if assignment is not None:
        return (_sets_with_rows().get(pk=assignment.requirement_set_id), SOURCE_ASSIGNED)
    enrolled_at = (
        Enrolment.objects.filter(user_id=broker_id, cohort__programme__to_level=level)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .aggregate(first=Min("enrolled_at"))["first"]
    )
    moment = enrolled_at or now or timezone.now()
    in_force = _sets_with_rows().filter(level=level, effective_from__isnull=False)
    chosen = (in_force.filter(effective_from__lte=moment)
              .order_by("-effective_from", "-version").first()
              or in_force.order_by("effective_from", "version").first())
    return chosen, (SOURCE_ENROLMENT if enrolled_at else SOURCE_CURRENT)


def broker_readiness(
    broker: Any, *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> Readiness:
    """For each requirement of ``broker``'s next level: met or not, the figures, what next.

    ``broker`` is a user (or a user id). Until the exams app reports results, exam
    requirements read as not yet met.
    """
    broker_id = int(getattr(broker, "pk", broker))
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    profile = BrokerProfile.objects.select_related("level").filter(user_id=broker_id).first()
    target = profile.level.next_level() if profile is not None else None
    rs, source = (None, "")
    if target is not None:
        rs, source = broker_requirement_set(broker_id=broker_id, level=target, now=now)
    exams = exam_results([broker_id])
    inputs = _Inputs(
        profile=profile, target=target, requirement_set=rs, set_source=source,
        hours=broker_hours(user_ids=[broker_id])[broker_id],
        exams=exams.get(broker_id, {}),
        practice=practice_totals([broker_id])[broker_id],
        awaiting=awaiting_papers([broker_id])[broker_id],
        sittable=sittable_papers([broker_id], now=now)[broker_id],
    )
    return _evaluate(broker_id, inputs, today)


# --- Many brokers -----------------------------------------------------------------------------


def brokers_readiness(
    user_ids: Iterable[int], *, today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[int, Readiness]:
    """``broker_readiness`` for each of ``user_ids``, in a constant number of queries.

    At most sixteen queries whatever the number of brokers: profiles, levels, assignments,
    enrolments, requirement sets (with their area, course and exam rows: four), hours, exam
    results, results awaiting grading, practice records, and the sittings still open to them
    (sittings, candidates by list and by cohort, attempts used: up to four).
    """
    ids = list(dict.fromkeys(int(pk) for pk in user_ids))
    if not ids:
        return {}
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    profiles = {
        p.user_id: p
        for p in BrokerProfile.objects.select_related("level").filter(user_id__in=ids)
    }
    levels = list(Level.objects.all())
    targets = {uid: _next_level(p.level, levels) for uid, p in profiles.items()}
    target_ids = {t.pk for t in targets.values() if t is not None}

    assigned: dict[tuple[int, int], int] = {}
    enrolled: dict[tuple[int, int], datetime.datetime] = {}
    sets_by_level: dict[int, list[RequirementSet]] = defaultdict(list)
    sets_by_id: dict[int, RequirementSet] = {}
    if target_ids:
        assigned = {
            (broker_id, level_id): set_id
            for broker_id, level_id, set_id in BrokerRequirementSet.objects.filter(
                broker_id__in=ids, level_id__in=target_ids,
            ).values_list("broker_id", "level_id", "requirement_set_id")
        }
        for user_id, level_id, enrolled_at in (
            Enrolment.objects.filter(user_id__in=ids,
                                     cohort__programme__to_level_id__in=target_ids)
            .exclude(status=Enrolment.Status.WITHDRAWN)
            .values_list("user_id", "cohort__programme__to_level_id", "enrolled_at")
        ):
            key = (user_id, level_id)
            if key not in enrolled or enrolled_at < enrolled[key]:
                enrolled[key] = enrolled_at
        assigned_ids = set(assigned.values())
        for rs in _sets_with_rows().filter(
            Q(level_id__in=target_ids, effective_from__isnull=False) | Q(pk__in=assigned_ids)
        ):
            sets_by_id[rs.pk] = rs
            if rs.effective_from is not None:
                sets_by_level[rs.level_id].append(rs)

    hours = broker_hours(user_ids=ids)
    exams = exam_results(ids)
    practice = practice_totals(ids)
    awaiting = awaiting_papers(ids)
    sittable = sittable_papers(ids, now=now)

    answers: dict[int, Readiness] = {}
    for uid in ids:
        profile = profiles.get(uid)
        target = targets.get(uid)
        rs, source = None, ""
        if target is not None:
            if (uid, target.pk) in assigned:
                rs, source = sets_by_id.get(assigned[(uid, target.pk)]), SOURCE_ASSIGNED
            else:
                first_enrolled = enrolled.get((uid, target.pk))
                rs = set_in_force(sets_by_level.get(target.pk, []), first_enrolled or now)
                source = SOURCE_ENROLMENT if first_enrolled else SOURCE_CURRENT
        inputs = _Inputs(
            profile=profile, target=target, requirement_set=rs, set_source=source,
            hours=hours[uid],
            exams=exams.get(uid, {}),
            practice=practice[uid],
            awaiting=awaiting[uid],
            sittable=sittable[uid],
        )
        answers[uid] = _evaluate(uid, inputs, today)
    return answers
