"""`manage.py reminders_sweep [NAME ...]`: run reminder sweeps now (all by default)."""

from django.core.management.base import BaseCommand, CommandError

from academy.notifications.sweeps import all_sweeps, sweep_run


class Command(BaseCommand):
    help = "Run the named reminder sweeps (all registered sweeps without names)."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Sweep names, e.g. courses.deadline_approaching")
        parser.add_argument("--list", action="store_true", help="List the sweeps and stop.")

    def handle(self, *args, names=(), list=False, **options):  # noqa: A002
        known = {s.name: s for s in all_sweeps()}
        if list:
            for sweep in known.values():
                self.stdout.write(f"{sweep.name:40} {sweep.description}")
            return
        unknown = sorted(set(names) - known.keys())
        if unknown:
            raise CommandError(f"Unknown sweeps: {', '.join(unknown)}")
        for name in names or known:
            report = sweep_run(name)
            self.stdout.write(f"{name:40} {report.created:7} reminders  {report.seconds:6.2f}s")
