"""Reference rows (levels, regions, course areas, exam tags) present after every migrate.

The apps seed these rows in data migrations whose function is named ``seed`` (idempotent
``get_or_create``). A database flush — a transactional test ending, ``manage.py flush`` —
empties them again while the migrations stay recorded as applied, so the same functions also
run on ``post_migrate``, the signal Django uses to put back content types and permissions.
They only create what is missing; rows an admin edited are left alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.apps import apps as global_apps


@functools.cache
def _seed_functions() -> tuple[Callable, ...]:
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    loader = MigrationLoader(None, ignore_no_migrations=True)
    # Dependency order: a level must exist before anything that refers to it.
    functions = []
    for key in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(key):
            for operation in loader.disk_migrations[node].operations:
                if (isinstance(operation, RunPython) and operation.code.__name__ == "seed"
                        and operation.code not in functions):
                    functions.append(operation.code)
    return tuple(functions)


def reference_rows_ensure(**kwargs) -> None:
    """post_migrate receiver: re-run every app's ``seed`` data migration (idempotent)."""
    for seed in _seed_functions():
        seed(global_apps, None)
