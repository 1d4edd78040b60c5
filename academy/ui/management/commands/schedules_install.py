"""`manage.py schedules_install [--reset] [--list] [NAME ...]`: every app's registered beat
schedule (``academy.schedules``) into django-celery-beat's tables, as ``migrate`` does."""

from academy.schedules import SchedulesInstallCommand


class Command(SchedulesInstallCommand):
    pass
