"""The exams' beat schedule, registered in the project's schedule registry
(``academy.schedules``): every minute, submit the attempts whose deadline has passed, so that a
broker who closed the page still gets their answers graded."""

from __future__ import annotations

from academy.schedules import schedule_register

schedule_register(
    "exams-attempts-close-overdue", "exams.tasks.attempts_close_overdue",
    every=60, expires=60,
    description="Submit the attempts whose deadline has passed.")
