"""One beat schedule for every app: registered once, installed after migrate, then left to the
administrators (``academy.schedules``)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from academy.celery import app
from academy.schedules import schedule_register, schedules_install, schedules_registered

pytestmark = pytest.mark.django_db

#: What each app registers (beside one entry per reminder sweep): the names administrators see.
EXPECTED = {
    "worker-heartbeat", "exams-attempts-close-overdue", "certificates-readiness-sweep",
    "certificates-issue-sweep", "certificates-expire-due",
    "certificates: resume stalled bulk runs", "talent: delete expired exports",
    "talent: precompute the dashboard's figures", "reminders: send due e-mails",
    "reminders: daily digests", "reminders: SMS receipts",
}


def test_every_app_registers_its_entries_with_a_task_celery_knows():
    registered = schedules_registered()
    assert set(registered) >= EXPECTED
    app.loader.import_default_modules()
    for entry in registered.values():
        assert entry.task in app.tasks, entry.name
        assert entry.expires and entry.description


def test_migrate_installed_every_registered_entry_once():
    registered = schedules_registered()
    installed = {task.name: task for task in PeriodicTask.objects.filter(name__in=registered)}
    assert set(installed) == set(registered)
    for name, entry in registered.items():
        task = installed[name]
        assert (task.task, json.loads(task.args), task.expire_seconds, task.enabled) == (
            entry.task, list(entry.args), entry.expires, True), name
        if entry.crontab is None:
            assert (task.interval.every, task.interval.period) == (entry.interval(),
                                                                   entry.period), name
        else:
            assert all(getattr(task.crontab, field) == value
                       for field, value in entry.crontab.items()), name
    assert schedules_install() == []  # nothing missing: nothing written again


def test_the_beat_intervals_of_the_former_settings_are_kept():
    heartbeat = PeriodicTask.objects.get(name="worker-heartbeat")
    assert (heartbeat.interval.every, heartbeat.interval.period) == (30, "seconds")
    assert heartbeat.expire_seconds == 60
    expected = {"exams-attempts-close-overdue": 60, "certificates-readiness-sweep": 3600,
                "certificates-issue-sweep": 900, "certificates-expire-due": 24 * 3600}
    for name, every in expected.items():
        assert PeriodicTask.objects.get(name=name).interval.every == every, name


def test_an_admins_change_survives_a_second_migrate_and_reset_restores_it():
    task = PeriodicTask.objects.get(name="exams-attempts-close-overdue")
    slower, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    task.interval = slower
    task.save()
    PeriodicTask.objects.filter(name="talent: delete expired exports").update(enabled=False)

    call_command("migrate", verbosity=0, interactive=False)
    task.refresh_from_db()
    assert (task.interval.every, task.interval.period) == (5, "minutes")
    assert not PeriodicTask.objects.get(name="talent: delete expired exports").enabled

    out = io.StringIO()
    call_command("schedules_install", "--reset", stdout=out)
    task.refresh_from_db()
    assert (task.interval.every, task.interval.period) == (60, "seconds")
    assert PeriodicTask.objects.get(name="talent: delete expired exports").enabled
    assert f"{len(schedules_registered())} schedule(s) installed." in out.getvalue()


def test_a_deleted_entry_comes_back_at_the_next_migrate():
    PeriodicTask.objects.filter(name="certificates-expire-due").delete()
    call_command("migrate", verbosity=0, interactive=False)
    assert PeriodicTask.objects.get(name="certificates-expire-due").interval.every == 24 * 3600


def test_resetting_the_reminders_leaves_the_other_apps_entries_alone():
    PeriodicTask.objects.filter(name__in=["worker-heartbeat", "reminders: SMS receipts"]).update(
        enabled=False)
    call_command("reminders_schedule", "--reset", stdout=io.StringIO())
    assert PeriodicTask.objects.get(name="reminders: SMS receipts").enabled
    assert not PeriodicTask.objects.get(name="worker-heartbeat").enabled


def test_an_interval_set_in_the_environment_is_applied_at_every_install(monkeypatch):
    task = PeriodicTask.objects.get(name="certificates-issue-sweep")
    monkeypatch.setenv("CERT_ISSUE_SWEEP_SECONDS", "60")
    assert schedules_install() == ["certificates-issue-sweep"]
    task.refresh_from_db()
    assert (task.interval.every, task.interval.period) == (60, "seconds")
    assert schedules_install() == []  # already in force
    monkeypatch.delenv("CERT_ISSUE_SWEEP_SECONDS")
    assert schedules_install() == []  # unset: the entry stays as it is, like any other
    assert PeriodicTask.objects.get(pk=task.pk).interval.every == 60


def test_one_timing_per_entry():
    with pytest.raises(ValueError):
        schedule_register("broken", "academy.tasks.worker_heartbeat", every=60,
                          crontab={"minute": "0"})
    with pytest.raises(ValueError):
        schedule_register("broken", "academy.tasks.worker_heartbeat")
    assert "broken" not in schedules_registered()


def test_the_command_refuses_an_unknown_name():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("schedules_install", "no such entry", stdout=io.StringIO())
