"""Database defaults for the benchmarks' bulk seeding.

The benchmarks seed their databases with COPY and INSERT … SELECT for speed, naming only the
columns they care about. A column added to a model later, NOT NULL with a Python-side default,
would break that seeding; ``install_column_defaults`` gives every such column of the (disposable)
benchmark database the model's default as its SQL default (the empty string for a text column
that may be left blank), so the omitted columns take it.
"""

from __future__ import annotations

import datetime
import decimal
import json


def _literal(value) -> str | None:
    """``value`` as an SQL literal, or None for a default that has none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (dict, list)):
        return "'" + json.dumps(value).replace("'", "''") + "'"
    if isinstance(value, (datetime.datetime, datetime.date)):
        return "'" + value.isoformat() + "'"
    return None


def install_column_defaults() -> int:
    """Give each NOT NULL column with a model default, and no default in the database, that
    default (PostgreSQL). Returns how many columns got one."""
    from django.apps import apps
    from django.db import connection

    quote = connection.ops.quote_name
    done = 0
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            for field in model._meta.concrete_fields:
                if field.null or field.primary_key:
                    continue
                if field.has_default():
                    literal = _literal(field.get_default())
                elif field.blank and field.empty_strings_allowed:
                    literal = "''"  # a text column a form may leave empty
                else:
                    continue
                if literal is None:
                    continue
                cursor.execute(
                    f"ALTER TABLE {quote(model._meta.db_table)} ALTER COLUMN "
                    f"{quote(field.column)} SET DEFAULT {literal}")
                done += 1
    return done
