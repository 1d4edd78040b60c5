"""`manage.py reminders_schedule [--reset]`: ``schedules_install`` for the reminders' entries
only (those named ``reminders: …``), so that resetting them leaves the other apps' alone."""

from academy.notifications.schedules import PREFIX
from academy.schedules import SchedulesInstallCommand


class Command(SchedulesInstallCommand):
    help = ("Create the missing reminder schedules in django-celery-beat's tables; with --reset, "
            "restore every one of them to its default time.")
    prefix = PREFIX
