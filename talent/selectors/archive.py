"""The training archive of a cohort, for provincial inspection: one workbook.

Sheets: the cohort (what, when, who taught, how many); its brokers; attendance at each offline
session (every enrolled broker, present or not); class hours per course of the programme;
exam results at the cohort's sittings; readiness for the programme's level and the
certificate held. Every broker enrolled is listed, withdrawn ones too (with their status),
because an inspection checks the whole intake.

Rows are generated lazily, brokers in chunks (a few queries per chunk and per session, never
per broker), so that a cohort of thousands is written by the background export without
holding it in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Attendance, Cohort, Enrolment, OfflineSession, ProgrammeCourse
from courses.selectors import broker_hours
from exams.models import Attempt

from ..spreadsheets import Table

CHUNK = 500
ZERO = Decimal("0.00")


@dataclass
class CohortArchive:
    cohort: Cohort
    unmasked: bool

    # --- Sizes (for the progress bar) -------------------------------------------------------

    def enrolments(self):
        return (Enrolment.objects.filter(cohort=self.cohort)
                .select_related("user", "user__broker_profile",
                                "user__broker_profile__level", "user__broker_profile__region",
                                "user__broker_profile__organisation")
                .order_by("user__name_pinyin", "user_id"))

    def sessions(self) -> list[OfflineSession]:
        return list(OfflineSession.objects.filter(cohort=self.cohort).select_related("course")
                    .order_by("starts_at", "pk"))

    def attempts(self):
        return (Attempt.objects.filter(sitting__cohort=self.cohort,
                                       user__enrolments__cohort=self.cohort)
                .exclude(status=Attempt.Status.IN_PROGRESS)
                .select_related("sitting", "sitting__paper", "user")
                .order_by("user__name_pinyin", "user_id", "sitting__opens_at", "sitting_id",
                          "number"))

    def row_count(self) -> int:
        """Rows the workbook will hold (for the progress bar): four queries."""
        brokers = Enrolment.objects.filter(cohort=self.cohort).count()
        sessions = OfflineSession.objects.filter(cohort=self.cohort).count()
        return 1 + brokers * (3 + sessions) + self.attempts().count()

    # --- The sheets -----------------------------------------------------------------------

    def tables(self) -> list[Table]:
        sessions = self.sessions()
        courses = list(ProgrammeCourse.objects.filter(programme_id=self.cohort.programme_id)
                       .select_related("course").order_by("order", "course__code"))
        return [
            Table(_("Cohort"), [_("Cohort"), _("Code"), _("Programme"), _("Starts on"),
                                _("Ends on"), _("Trainers"), _("Brokers enrolled"),
                                _("Withdrawn"), _("Offline sessions"), _("Exported at")],
                  self._summary(len(sessions))),
            Table(_("Brokers"), [_("Name"), _("E-mail"), _("Level"), _("Level reached on"),
                                 _("Region"), _("Organisation"), _("Mobile phone"),
                                 _("National ID number"), _("Enrolled at"),
                                 _("Enrolment status")], self._brokers()),
            Table(_("Attendance"), [_("Session"), _("Course"), _("Starts at"), _("Place"),
                                    _("Class hours"), _("Name"), _("E-mail"), _("Present"),
                                    _("How recorded"), _("Checked in at"),
                                    _("Credited class hours")],
                  self._attendance(sessions)),
            Table(_("Class hours"),
                  [_("Name"), _("E-mail")]
                  + [c.course.title + ("" if c.required else _(" (elective)")) for c in courses]
                  + [_("Other courses and sessions"), _("Online"), _("Offline"), _("Total")],
                  self._hours([c.course_id for c in courses])),
            Table(_("Exam results"), [_("Name"), _("E-mail"), _("Sitting"), _("Paper"),
                                      _("Attempt"), _("Submitted"), _("Status"), _("Score"),
                                      _("Maximum score"), _("Score (%)"), _("Passed")],
                  self._results()),
            Table(_("Readiness and certificate"),
                  [_("Name"), _("E-mail"), _("Level to reach"), _("Ready"),
                   _("Requirements met"), _("Requirements"), _("Ready since"),
                   _("Certificate serial number"), _("Certificate status"), _("Issued"),
                   _("Valid until")], self._readiness()),
        ]

    def _summary(self, sessions: int) -> Iterator[list[Any]]:
        cohort = self.cohort
        by_status = dict(Enrolment.objects.filter(cohort=cohort).values("status")
                         .annotate(n=Count("pk")).values_list("status", "n").order_by())
        trainers = ", ".join(t.full_name or t.email
                             for t in cohort.trainers.order_by("name_pinyin", "pk"))
        yield [cohort.name, cohort.code, cohort.programme.title, cohort.starts_on,
               cohort.ends_on, trainers, sum(by_status.values()),
               by_status.get(Enrolment.Status.WITHDRAWN, 0), sessions, timezone.now()]

    def _chunks(self) -> Iterator[list[Enrolment]]:
        chunk: list[Enrolment] = []
        for enrolment in self.enrolments().iterator(chunk_size=CHUNK):
            chunk.append(enrolment)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _brokers(self) -> Iterator[list[Any]]:
        for chunk in self._chunks():
            for e in chunk:
                user, p = e.user, getattr(e.user, "broker_profile", None)
                yield [
                    user.full_name, user.email,
                    p.level.display_name if p else "", p.level_since if p else None,
                    p.region.display_name if p else "",
                    p.organisation.name if p and p.organisation_id else "",
                    (p.phone if self.unmasked else p.phone_masked) if p else "",
                    (p.national_id if self.unmasked else p.national_id_masked) if p else "",
                    e.enrolled_at, e.get_status_display(),
                ]

    def _attendance(self, sessions: list[OfflineSession]) -> Iterator[list[Any]]:
        for session in sessions:
            present = {a.user_id: a for a in Attendance.objects.filter(session=session)}
            for chunk in self._chunks():
                for e in chunk:
                    a = present.get(e.user_id)
                    yield [
                        session.title, session.course.title if session.course is not None else "",
                        session.starts_at, session.place, session.class_hours,
                        e.user.full_name, e.user.email, a is not None,
                        a.get_method_display() if a else "", a.checked_in_at if a else None,
                        a.credited_hours if a else ZERO,
                    ]

    def _hours(self, course_ids: list[int]) -> Iterator[list[Any]]:
        for chunk in self._chunks():
            hours = broker_hours(user_ids=[e.user_id for e in chunk])
            for e in chunk:
                h = hours[e.user_id]
                listed = [h.by_course.get(cid, ZERO) for cid in course_ids]
                yield [e.user.full_name, e.user.email, *listed, h.total - sum(listed, ZERO),
                       h.online, h.offline, h.total]

    def _results(self) -> Iterator[list[Any]]:
        released = Attempt.Status.RELEASED
        for a in self.attempts().iterator(chunk_size=CHUNK):
            shown = a.status == released
            yield [a.user.full_name, a.user.email, a.sitting.title, a.sitting.paper.title,
                   a.number, a.submitted_at, a.get_status_display(),
                   a.score if shown else None, a.max_score if shown else None,
                   a.percent if shown else None, a.passed if shown else None]

    def _readiness(self) -> Iterator[list[Any]]:
        level = self.cohort.programme.to_level
        for chunk in self._chunks():
            ids = [e.user_id for e in chunk]
            readiness: dict[int, Any] = {}
            certificates: dict[int, Any] = {}
            if apps.is_installed("certificates"):
                from certificates.models import BrokerReadiness, Certificate

                readiness = {r.broker_id: r for r in BrokerReadiness.objects.filter(
                    broker_id__in=ids, level=level)}
                for certificate in (Certificate.objects.filter(broker_id__in=ids, level=level)
                                    .order_by("broker_id", "issued_at", "pk")):
                    certificates[certificate.broker_id] = certificate  # the latest one wins
            for e in chunk:
                r, c = readiness.get(e.user_id), certificates.get(e.user_id)
                yield [
                    e.user.full_name, e.user.email, level.display_name,
                    r.ready if r else False, r.met_count if r else None,
                    r.total_count if r else None, r.ready_since if r else None,
                    c.serial if c else "", c.get_status_display() if c else "",
                    c.issued_at if c else None, c.valid_until if c else None,
                ]


def cohort_archive(cohort: Cohort, *, unmasked: bool) -> CohortArchive:
    """The archive of ``cohort``; personal data unmasked only for an administrator."""
    return CohortArchive(cohort=cohort, unmasked=unmasked)
