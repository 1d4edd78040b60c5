"""Changing the certification rules' state: readiness, requirement sets and who they judge."""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from academy.people.models import BrokerProfile, Level, User
from academy.people.selectors import Role, user_has_role

from ..conf import app_settings
from ..models import (
    AreaHoursRequirement,
    BrokerReadiness,
    BrokerRequirementSet,
    CourseHoursRequirement,
    ExamRequirement,
    RequirementSet,
)
from ..selectors.readiness import Readiness, brokers_readiness
from ..signals import broker_became_ready

logger = logging.getLogger(__name__)




# --- Readiness --------------------------------------------------------------------------------


def readiness_evaluate(
    *, broker_ids: Iterable[int], now: datetime.datetime | None = None
) -> dict[int, Readiness]:
    """Re-evaluate brokers and record the answer; announce those who just became ready.

    The brokers' state rows are created if missing and locked *before* their readiness is
    computed, so two evaluations of one broker run one after the other and only one of them
    can see the "not ready → ready" transition: ``broker_became_ready`` is sent once, after
    commit, and ``ready_since`` records the moment. Safe to run any number of times.
    """
    ids = sorted({int(pk) for pk in broker_ids})
    if not ids:
        return {}
    now = now or timezone.now()
    profiles = dict(
        BrokerProfile.objects.filter(user_id__in=ids).values_list("user_id", "level__rank")
    )
    levels = sorted(Level.objects.all(), key=lambda level: level.rank)
    target_of = {}
    for user_id, rank in profiles.items():
        higher = [level for level in levels if level.rank > rank]
        if higher:
            target_of[user_id] = higher[0]
    with transaction.atomic():
        BrokerReadiness.objects.bulk_create(
            [BrokerReadiness(broker_id=uid, level=level, last_evaluated_at=now)
             for uid, level in target_of.items()],
            ignore_conflicts=True,
        )
        states = {
            (state.broker_id, state.level_id): state
            for state in BrokerReadiness.objects.select_for_update().filter(
                broker_id__in=list(target_of)
            ).order_by("pk")
        }
        answers = brokers_readiness(ids, now=now)
        changed: list[BrokerReadiness] = []
        became_ready: list[int] = []
        for uid, answer in answers.items():
            if answer.level is None:
                continue
            state = states.get((uid, answer.level.pk))
            if state is None:  # the level changed between the two reads: next run fixes it
                continue
            if answer.ready and not state.ready:
                state.ready_since = now
                became_ready.append(state.pk)
            elif not answer.ready:
                state.ready_since = None
            state.ready = answer.ready
            state.requirement_set = answer.requirement_set
            state.met_count = answer.met_count
            state.total_count = answer.total_count
            state.snapshot = answer.snapshot()
            state.last_evaluated_at = now
            changed.append(state)
        BrokerReadiness.objects.bulk_update(
            changed,
            ["ready", "ready_since", "requirement_set", "met_count", "total_count", "snapshot",
             "last_evaluated_at"],
            batch_size=500,
        )
        for state_pk in became_ready:
            transaction.on_commit(functools.partial(_announce_ready, state_pk), robust=True)
    return answers


def _announce_ready(state_pk: int) -> None:
    state = BrokerReadiness.objects.select_related("broker", "level").get(pk=state_pk)
    logger.info("Broker %s is ready for %s", state.broker_id, state.level.code)
    broker_became_ready.send(sender=BrokerReadiness, broker=state.broker, level=state.level,
                             readiness=state)


def readiness_schedule(broker_ids: Iterable[int]) -> None:
    """Re-evaluate these brokers in the background once the current transaction commits.

    Nothing is queued for a rolled-back transaction. A failure to queue is logged, never
    raised into the caller's request: the periodic sweep catches up. (Each change queues its
    own small task; a task evaluates its brokers in a constant number of queries.)
    """
    ids = sorted({int(pk) for pk in broker_ids if pk is not None})
    if not ids:
        return

    def enqueue() -> None:
        from ..tasks import readiness_evaluate as task

        task.delay(ids)

    transaction.on_commit(enqueue, robust=True)


def readiness_sweep_schedule(*, level_id: int | None = None) -> None:
    """Queue a sweep (of the brokers working toward ``level_id``, or everyone) after commit."""

    def enqueue() -> None:
        from ..tasks import readiness_sweep as task

        task.delay(after_id=0, level_id=level_id)

    transaction.on_commit(enqueue, robust=True)


def readiness_sweep_batch(
    *, after_id: int = 0, level_id: int | None = None, batch_size: int | None = None
) -> int | None:
    """Evaluate the next batch of brokers (by user id, above ``after_id``).

    Returns the last id done, or None when there were no more. ``level_id`` limits the sweep
    to brokers working toward that level (those one rank below it).
    """
    batch_size = batch_size or app_settings.READINESS_SWEEP_BATCH
    profiles = BrokerProfile.objects.filter(user_id__gt=after_id, user__is_active=True)
    if level_id is not None:
        target = Level.objects.filter(pk=level_id).first()
        if target is None:
            return None
        below = Level.objects.filter(rank__lt=target.rank).order_by("-rank").first()
        if below is None:
            return None
        profiles = profiles.filter(level=below)
    ids = list(profiles.order_by("user_id").values_list("user_id", flat=True)[:batch_size])
    if not ids:
        return None
    readiness_evaluate(broker_ids=ids)
    return ids[-1] if len(ids) == batch_size else None


# --- Requirement sets -------------------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionDenied


def requirement_set_summary(rs: RequirementSet) -> dict[str, Any]:
    """What the set requires, for the audit trail."""
    return {
        "level": rs.level.code,
        "version": rs.version,
        "effective_from": rs.effective_from.isoformat() if rs.effective_from else None,
        "is_current": rs.is_current,
        "example_values": rs.example_values,
        "total_hours": None if rs.total_hours is None else str(rs.total_hours),
        "areas": {row.area.code: str(row.hours) for row in rs.area_hours.all()},
        "courses": {row.course.code: str(row.hours) for row in rs.course_hours.all()},
        "exams": {str(row.paper_id): (None if row.min_percent is None else str(row.min_percent))
                  for row in rs.exams.all()},
        "practice_records": rs.practice_records,
        "practice_min_contract_amount": (None if rs.practice_min_contract_amount is None
                                         else str(rs.practice_min_contract_amount)),
        "practice_min_technical_income": (None if rs.practice_min_technical_income is None
                                          else str(rs.practice_min_technical_income)),
        "months_at_previous_level": rs.months_at_previous_level,
    }


def requirement_set_changed(
    *, requirement_set: RequirementSet, actor: Any, before: dict[str, Any] | None = None
) -> None:
    """Record a change of a set (made in the back office) and re-evaluate the brokers."""
    audit_record(action="certificates.requirement_set_changed", subject=requirement_set,
                 actor=actor, before=before, after=requirement_set_summary(requirement_set))
    readiness_sweep_schedule(level_id=requirement_set.level_id)


def requirement_set_new_version(*, source: RequirementSet, actor: Any) -> RequirementSet:
    """A draft copy of ``source`` (with its rows) as the level's next version number."""
    _require_admin(actor)
    with transaction.atomic():
        Level.objects.select_for_update().get(pk=source.level_id)
        version = (RequirementSet.objects.filter(level_id=source.level_id)
                   .order_by("-version").values_list("version", flat=True).first() or 0) + 1
        draft = RequirementSet.objects.create(
            level_id=source.level_id, version=version, title=source.title,
            example_values=source.example_values, notes=source.notes,
            total_hours=source.total_hours, practice_records=source.practice_records,
            practice_min_contract_amount=source.practice_min_contract_amount,
            practice_min_technical_income=source.practice_min_technical_income,
            months_at_previous_level=source.months_at_previous_level, created_by=actor,
        )
        AreaHoursRequirement.objects.bulk_create(
            AreaHoursRequirement(requirement_set=draft, area_id=row.area_id, hours=row.hours)
            for row in source.area_hours.all()
        )
        CourseHoursRequirement.objects.bulk_create(
            CourseHoursRequirement(requirement_set=draft, course_id=row.course_id,
                                   hours=row.hours)
            for row in source.course_hours.all()
        )
        ExamRequirement.objects.bulk_create(
            ExamRequirement(requirement_set=draft, paper_id=row.paper_id,
                            min_percent=row.min_percent, label=row.label)
            for row in source.exams.all()
        )
        audit_record(action="certificates.requirement_set_drafted", subject=draft, actor=actor,
                     after={"copied_from": source.pk, "version": version})
    return draft


def requirement_set_publish(
    *, requirement_set: RequirementSet, actor: Any,
    effective_from: datetime.datetime | None = None,
) -> RequirementSet:
    """Put a draft in force: brokers who enrol from ``effective_from`` (default now) on are
    judged by it, and it becomes the level's current version. Brokers already enrolled keep
    theirs unless an admin moves them."""
    _require_admin(actor)
    with transaction.atomic():
        rs = RequirementSet.objects.select_for_update().get(pk=requirement_set.pk)
        if rs.effective_from is not None:
            raise ApplicationError(_("This version is already in force."))
        if not _has_requirements(rs):
            raise ApplicationError(_("A requirement set must require something before it is "
                                     "put in force."))
        RequirementSet.objects.filter(level_id=rs.level_id, is_current=True).update(
            is_current=False
        )
        rs.effective_from = effective_from or timezone.now()
        rs.is_current = True
        rs.save(update_fields=["effective_from", "is_current"])
        audit_record(action="certificates.requirement_set_published", subject=rs, actor=actor,
                     after=requirement_set_summary(rs))
        readiness_sweep_schedule(level_id=rs.level_id)
    return rs


def _has_requirements(rs: RequirementSet) -> bool:
    return bool(
        rs.total_hours is not None or rs.practice_records
        or rs.practice_min_contract_amount is not None
        or rs.practice_min_technical_income is not None
        or rs.months_at_previous_level is not None
        or rs.area_hours.exists() or rs.course_hours.exists() or rs.exams.exists()
    )


def broker_requirement_set_assign(
    *, broker: User, requirement_set: RequirementSet, actor: Any, reason: str = ""
) -> BrokerRequirementSet:
    """Judge ``broker`` by ``requirement_set`` from now on (an admin's decision, audited).

    Only a version that is in force may be assigned; the broker is re-evaluated after commit.
    """
    _require_admin(actor)
    if requirement_set.effective_from is None:
        raise ApplicationError(_("Only a version in force can judge a broker."))
    if not hasattr(broker, "broker_profile"):
        raise ApplicationError(_("This person is not a broker."))
    with transaction.atomic():
        current = (
            BrokerRequirementSet.objects.select_for_update()
            .filter(broker=broker, level_id=requirement_set.level_id).first()
        )
        before = {"requirement_set": current.requirement_set_id if current else None}
        if current is None:
            current = BrokerRequirementSet(broker=broker, level_id=requirement_set.level_id)
        current.requirement_set = requirement_set
        current.assigned_by = actor
        current.reason = (reason or "").strip()[:300]
        current.save()
        audit_record(
            action="certificates.broker_requirement_set_assigned", subject=current,
            person=broker, actor=actor, before=before,
            after={"requirement_set": requirement_set.pk, "version": requirement_set.version,
                   "level": requirement_set.level.code, "reason": current.reason},
        )
        readiness_schedule([broker.pk])
    return current
