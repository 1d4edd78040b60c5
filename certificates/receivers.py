"""Re-evaluate a broker's readiness when one of its inputs changes.

Connected in ``CertificatesConfig.ready``. Lower apps know nothing of certificates: courses
writes lesson progress and attendance, exams releases results, people reviews practice
records; this module listens. Each receiver only queues an evaluation after commit
(``readiness_schedule``), so nothing here can fail the change that triggered it.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from academy.people.models import BrokerProfile
from academy.people.services import practice_record_reviewed
from courses.models import Attendance, Enrolment, LessonProgress

from .services import readiness_schedule


def lesson_progress_saved(sender, instance: LessonProgress, update_fields=None, **kwargs):
    if instance.completed_at is None:
        return
    if update_fields is not None and "completed_at" not in update_fields \
            and "credited_hours" not in update_fields:
        return  # a time-spent ping on a lesson completed earlier
    readiness_schedule([instance.user_id])


def attendance_changed(sender, instance: Attendance, **kwargs):
    readiness_schedule([instance.user_id])


def enrolment_saved(sender, instance: Enrolment, created=False, update_fields=None, **kwargs):
    # The first enrolment toward a level decides which requirement set judges the broker.
    if created or update_fields is None or "status" in update_fields:
        readiness_schedule([instance.user_id])


def profile_saved(sender, instance: BrokerProfile, created=False, update_fields=None, **kwargs):
    if created or update_fields is None or {"level", "level_since"} & set(update_fields):
        readiness_schedule([instance.user_id])


def practice_reviewed(sender, record, **kwargs):
    readiness_schedule([record.broker_id])


def exam_result_released(sender, attempt=None, **kwargs):
    if attempt is not None:
        readiness_schedule([attempt.user_id])


def exams_result_signal():
    """The exams app's ``result_released`` signal (``exams.services``)."""
    from exams.services import result_released

    return result_released


def connect() -> None:
    uid = "certificates.readiness"
    post_save.connect(lesson_progress_saved, sender=LessonProgress, dispatch_uid=f"{uid}.lp")
    post_save.connect(attendance_changed, sender=Attendance, dispatch_uid=f"{uid}.att")
    post_delete.connect(attendance_changed, sender=Attendance, dispatch_uid=f"{uid}.att-del")
    post_save.connect(enrolment_saved, sender=Enrolment, dispatch_uid=f"{uid}.enrol")
    post_save.connect(profile_saved, sender=BrokerProfile, dispatch_uid=f"{uid}.profile")
    practice_record_reviewed.connect(practice_reviewed, dispatch_uid=f"{uid}.practice")
    released = exams_result_signal()
    if released is not None:
        released.connect(exam_result_released, dispatch_uid=f"{uid}.exam")
