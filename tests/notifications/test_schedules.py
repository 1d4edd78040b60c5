"""Beat schedules live in django-celery-beat's tables, installed once; admins' changes stay."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from academy.notifications.schedules import PREFIX
from academy.notifications.sweeps import all_sweeps
from academy.schedules import schedules_install, schedules_registered

pytestmark = pytest.mark.django_db


def test_migrate_installed_a_schedule_for_every_sweep_and_the_delivery_tasks():
    names = set(PeriodicTask.objects.filter(name__startswith="reminders: ")
                .values_list("name", flat=True))
    assert names == {name for name in schedules_registered() if name.startswith(PREFIX)}
    for sweep in all_sweeps():
        task = PeriodicTask.objects.get(name=f"reminders: {sweep.name}")
        assert task.task == "academy.notifications.tasks.reminders_sweep"
        assert json.loads(task.args) == [sweep.name]
        assert task.enabled


def test_an_admins_change_survives_reinstalling_and_reset_restores_the_default():
    task = PeriodicTask.objects.get(name="reminders: courses.deadline_approaching")
    evening, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="19",
                                                       timezone="Asia/Shanghai")
    task.crontab = evening
    task.save()
    assert schedules_install() == []
    task.refresh_from_db()
    assert task.crontab.hour == "19"

    out = io.StringIO()
    call_command("reminders_schedule", "--reset", stdout=out)
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour) == ("30", "8")
    assert "installed" in out.getvalue()


def test_a_deleted_schedule_comes_back():
    PeriodicTask.objects.filter(name="reminders: send due e-mails").delete()
    assert schedules_install() == ["reminders: send due e-mails"]
    assert PeriodicTask.objects.get(name="reminders: send due e-mails").interval.every == 60


def test_the_sweep_command_lists_and_runs_sweeps():
    out = io.StringIO()
    call_command("reminders_sweep", "--list", stdout=out)
    assert "courses.deadline_approaching" in out.getvalue()
    out = io.StringIO()
    call_command("reminders_sweep", "exams.window_opening", stdout=out)
    assert "exams.window_opening" in out.getvalue()
