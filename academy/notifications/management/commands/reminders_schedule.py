"""`manage.py reminders_schedule [--reset]`: install the reminder schedules in the beat tables."""

from django.core.management.base import BaseCommand

from academy.notifications.schedules import schedules_install


class Command(BaseCommand):
    help = ("Create the missing reminder schedules in django-celery-beat's tables; with --reset, "
            "restore every one of them to its default time.")

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="Overwrite administrators' changes with the defaults.")

    def handle(self, *args, reset: bool = False, **options):
        names = schedules_install(reset=reset)
        for name in names:
            self.stdout.write(f"  {name}")
        self.stdout.write(self.style.SUCCESS(f"{len(names)} schedule(s) installed."))
