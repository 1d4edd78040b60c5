"""`manage.py seed_demo`: the demo data of `make run` (DESIGN.md, "Contracts").

The people app seeds the accounts first; then every other installed app, in INSTALLED_APPS
order, gets its turn if it has a ``demo`` module with a ``seed(stdout)`` function. That is how
courses, exams and certificates add their demo content without this app importing them. Once
every app has seeded, each ``demo`` module with a ``seed_final(stdout)`` function gets a second
turn, in the same order: for content that reads what the apps above it seeded (the
notifications the reminder sweeps would have sent over the demo's population).
Every seeder must be idempotent: running the command twice leaves the same rows.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import module_has_submodule

from academy.people import demo as people_demo

PEOPLE_APP = "academy.people"


class Command(BaseCommand):
    help = "Load the demo data (accounts, and each app's demo content). Refuses unless DEBUG."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true",
            help="Seed even though DEBUG is off (tests only: never on a real installation).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password and only runs with "
                "DEBUG=1 (the `make run` demo)."
            )
        people_demo.seed(self.stdout)
        modules = [
            import_module(f"{app_config.name}.demo") for app_config in apps.get_app_configs()
            if app_config.name != PEOPLE_APP
            and module_has_submodule(app_config.module, "demo")
        ]
        for hook in ("seed", "seed_final"):
            for module in modules:
                seed = getattr(module, hook, None)
                if callable(seed):
                    seed(self.stdout)
        people_demo.accounts_print(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
